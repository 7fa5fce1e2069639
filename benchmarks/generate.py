#!/usr/bin/env python3
"""Deterministic generator of a synthetic Baitiao portfolio in the SPEC §2 file formats.

The bundled sample data is exactly the output of (run from the repository root)::

    python benchmarks/generate.py --sample --out sample_data

and a benchmark book of any size, for example::

    python benchmarks/generate.py --customers 100000 --out /tmp/book100k --seed 1
    python benchmarks/generate.py --customers 10000 --out /tmp/book10k --format jsonl

Importable too: ``from benchmarks.generate import generate; generate(out_dir, customers=1000)``.

Same seed and arguments give byte-identical files: one seeded ``random.Random``, no wall
clock, no numpy, no floating-point maths beyond ``Random.random()`` itself (amounts are
integer fen; no ``log``/``exp`` whose last bit could differ between C libraries).

What it writes (``customers``, ``transactions``, ``repayments``, ``deferrals``, all ``.csv``
or all ``.jsonl``):

* customers with Chinese names, mainland mobile numbers, well-formed 18-character ID numbers
  (GB 11643 check digit), weighted statement days, opening dates over the first months,
  declared incomes and, for some, a manual credit limit;
* purchases across every term (1/3/6/12/24) with merchants and categories, a few with an
  explicit ``fee_rate``; refunds (partial and full, before and after billing), each after
  and never above the purchase it references;
* a repayments journal coherent with the bills.  Each customer's statements are replayed
  with the project's own calendar and ``build_schedule`` (default fee 0.005 per period for
  installments, none for pay-in-full; due = statement + 9 days) by a small tracker that
  follows SPEC §4 closely enough that a payer who means to clear a bill does clear it:
  late fees accrue exactly (0.05% a day on overdue items) and are paid first, then items
  oldest due first; refunds cut unbilled principal from the last period backwards and the
  rest becomes credit, used at once on anything open (late fee first).  Wherever it differs
  from the engine it only overstates what is owed, and where the engine rounds per posting
  (late fees, deferral fees) the payer rounds *up* to the yuan and adds one, so an on-time
  customer never leaves a stray fen overdue (checked against ``engine.ledger`` in
  ``tests/test_generate.py``).  Configuration is the SPEC §3 default (fee 0.005, due + 9,
  no grace, late fee 0.05%, deferral fee 1%).  Behaviour profiles, riskier at low or
  undeclared income: on time (74%; some pay in two goes, 3% of bills overpaid), partial
  (9%: part of the bill, now and then a skipped month), late (12%: a few days to 100+),
  missed (5%: stops paying at a random date, so the overdue report fills M1..M6+, sometimes
  one small payment after); a few early settlements (``kind=settle``, paid
  generously: everything billed and unbilled plus all remaining fees plus a margin) and
  deferrals (one per chosen customer, on or before the due date of an unpaid statement,
  never while overdue).

Streaming: customers and transactions are written as each customer is generated; the
repayments journal (ordered by date across the book, as a real journal is) goes through
one temporary bucket file per month that is sorted on its own, so memory stays at one
customer plus one month of journal lines.  Output files are written under a temporary name
and renamed into place.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import os
import random
import sys
from bisect import bisect
from datetime import date
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any, Optional

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baitiao_cli.engine.calendar import statement_dates_between  # noqa: E402
from baitiao_cli.engine.schedule import build_schedule  # noqa: E402

# ----------------------------------------------------------------------------- parameters

DUE_DAYS = 9                      # billing.due_days
DEFAULT_FEE_RATE = Decimal("0.005")   # pricing.fee_rates default, installments only
LATE_PPM = 500                    # late_fee.daily_rate 0.0005, in parts per million
DEFERRAL_FEE_PCT = 1              # deferral.fee_rate 0.01
MAX_DEFER_DAYS = 30

DEFAULT_SEED = 1
DEFAULT_START = "2025-06-01"
DEFAULT_AS_OF = "2026-11-25"
DEFAULT_PPC = 10

# --sample: the bundled sample_data/ (the docs' demo date is 2026-11-03, statement day 3).
SAMPLE = {"customers": 40, "seed": 20261103, "start": "2025-10-01", "as_of": "2026-11-25",
          "purchases_per_customer": 9, "fmt": "csv"}
SAMPLE_DEMO_DATE = date(2026, 11, 3)

TERMS = (1, 3, 6, 12, 24)

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
            "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
            "龚邵万钱严覃武戴莫孔向汤")
SURNAMES_LIST = list(SURNAMES) + ["欧阳", "司马", "诸葛", "上官"]
# Rough frequency: the first surnames are far more common (王, 李, 张 ~7% each).
SURNAME_CUM = list(accumulate([1000 // (i + 8) for i in range(len(SURNAMES))] + [3, 1, 1, 1]))
GIVEN_M = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳建国志文博轩然晨子一泽睿航峰"
GIVEN_F = "芳娜敏静丽艳娟霞秀英兰玲婷雪慧琳颖倩佳欣怡萱梦雨思悦晓月瑶洁璐蕾丹"

PHONE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147",
                  "150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "173",
                  "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186",
                  "187", "188", "189", "191", "193", "195", "198", "199")
# Real-looking county codes (Beijing, Shanghai, Guangzhou, Shenzhen, Hangzhou, Chengdu, ...).
AREA_CODES = ("110101", "110105", "110108", "120101", "130102", "140105", "210102", "220102",
              "230103", "310104", "310115", "320102", "320506", "330106", "330203", "340104",
              "350203", "360102", "370202", "370102", "410105", "420106", "430104", "440106",
              "440305", "441900", "450103", "460106", "500103", "510107", "520102", "530102",
              "610113", "620102", "640104", "650102")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

# Statement days: a few popular ones, the rest of 1..28 rarely.
_SDAY_W = {3: 20, 1: 8, 8: 8, 15: 10, 20: 8, 25: 8, 28: 6, 5: 5, 10: 5}
SDAYS = list(range(1, 29))
SDAY_CUM = list(accumulate(_SDAY_W.get(d, 1) for d in SDAYS))

# category -> (weight, merchants, amount buckets [(weight, lo_yuan, hi_yuan)])
CATEGORIES: dict[str, tuple[int, tuple[str, ...], tuple[tuple[int, int, int], ...]]] = {
    "online": (34, ("京东自营", "京东超市", "京东到家", "京东国际", "当当网", "唯品会", "拼购商城"),
               ((50, 10, 100), (35, 100, 600), (12, 600, 3000), (3, 3000, 9000))),
    "offline_retail": (18, ("永辉超市", "沃尔玛", "物美超市", "华润万家", "7-Eleven", "全家便利店",
                            "屈臣氏", "优衣库", "苏宁易购门店"),
                       ((60, 5, 150), (30, 150, 800), (10, 800, 3000))),
    "dining": (12, ("美团外卖", "饿了么", "海底捞", "星巴克", "瑞幸咖啡", "肯德基", "西贝莜面村"),
               ((70, 15, 120), (30, 120, 600))),
    "digital": (10, ("京东自营-Apple", "华为授权体验店", "小米之家", "联想专卖店", "大疆授权店"),
                ((30, 200, 1500), (45, 1500, 6000), (25, 6000, 15000))),
    "travel": (8, ("携程旅行", "去哪儿", "东方航空", "南方航空", "铁路12306", "华住酒店", "锦江酒店"),
               ((35, 200, 1500), (45, 1500, 6000), (20, 6000, 15000))),
    "fuel": (6, ("中国石化", "中国石油", "壳牌加油站"), ((100, 100, 500),)),
    "home": (5, ("宜家家居", "红星美凯龙", "居然之家", "顾家家居"),
             ((40, 200, 2000), (40, 2000, 8000), (20, 8000, 20000))),
    "education": (4, ("新东方", "中公教育", "粉笔教育", "驾校报名", "好未来"),
                  ((30, 500, 3000), (45, 3000, 12000), (25, 12000, 30000))),
    "medical": (3, ("爱尔眼科", "瑞尔齿科", "美年大健康"),
                ((50, 200, 2000), (35, 2000, 8000), (15, 8000, 20000))),
}
CAT_NAMES = list(CATEGORIES)
CAT_CUM = list(accumulate(CATEGORIES[c][0] for c in CAT_NAMES))
_CAT_BUCKETS = {c: (list(accumulate(b[0] for b in v[2])), v[2]) for c, v in CATEGORIES.items()}

# Term mix by amount (yuan): small purchases are paid in full, big ones split.
TERM_BY_AMOUNT = (  # (upper bound in fen exclusive, cumulative weights over TERMS)
    (100_00, list(accumulate((100, 0, 0, 0, 0)))),
    (500_00, list(accumulate((80, 15, 5, 0, 0)))),
    (2000_00, list(accumulate((50, 25, 15, 8, 2)))),
    (6000_00, list(accumulate((25, 20, 25, 22, 8)))),
    (10 ** 12, list(accumulate((10, 10, 20, 35, 25)))),
)
EXPLICIT_RATES = ("0.003", "0.004", "0.006", "0.0075")

CHANNELS = ("app", "app", "app", "bank_card", "bank_card", "wechat_pay")

# Profiles of repayment behaviour and their base shares (adjusted by income below).
ON_TIME, PARTIAL, LATE, MISSED = "on_time", "partial", "late", "missed"
MINIMUM = "minimum"               # --revolving: pays about the minimum (SPEC 4.9), lets the rest revolve
PROFILE_SHARES = ((ON_TIME, 74), (PARTIAL, 9), (LATE, 12), (MISSED, 5))

CUSTOMER_COLS = ("customer_id", "name", "phone", "id_number", "opened_on", "statement_day",
                 "monthly_income", "credit_limit")
TXN_COLS = ("txn_id", "customer_id", "date", "type", "amount", "installments", "fee_rate",
            "ref_txn_id", "merchant", "category")
REPAY_COLS = ("repayment_id", "customer_id", "date", "amount", "kind", "channel")
DEFER_COLS = ("deferral_id", "customer_id", "statement_date", "date", "days")
CONVERSION_COLS = ("conversion_id", "customer_id", "statement_date", "date", "amount", "terms", "fee_rate")
CONVERSION_FEE_PPT = 6            # conversion.fee_rates 0.006, in parts per thousand
CONVERSION_TERMS = (3, 6, 12)
INT_FIELDS = {"statement_day", "installments", "days"}


# ----------------------------------------------------------------------------- helpers

def fen_str(f: int) -> str:
    return f"{f // 100}.{f % 100:02d}"


def _pick(rng: random.Random, cum: list[int]) -> int:
    """Index drawn with cumulative integer weights (bisect on an integer: exact, portable)."""
    return bisect(cum, rng.randrange(cum[-1]))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class _Iso:
    """Cached ISO strings of date ordinals."""

    def __init__(self) -> None:
        self.cache: dict[int, str] = {}

    def __call__(self, o: int) -> str:
        s = self.cache.get(o)
        if s is None:
            s = self.cache[o] = date.fromordinal(o).isoformat()
        return s


# ----------------------------------------------------------------------------- customer rows

def _name(rng: random.Random, male: bool) -> str:
    surname = SURNAMES_LIST[_pick(rng, SURNAME_CUM)]
    pool = GIVEN_M if male else GIVEN_F
    if rng.random() < 0.25:
        return surname + pool[rng.randrange(len(pool))]
    return surname + pool[rng.randrange(len(pool))] + pool[rng.randrange(len(pool))]


def _phone(rng: random.Random) -> str:
    return PHONE_PREFIXES[rng.randrange(len(PHONE_PREFIXES))] + f"{rng.randrange(10 ** 8):08d}"


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS)) % 11]


def _id_number(rng: random.Random, opened: int, male: bool) -> str:
    birth = date.fromordinal(opened - rng.randint(18 * 366, 60 * 365))
    seq = rng.randrange(500) * 2 + (1 if male else 0)   # odd: male, even: female (GB 11643)
    first17 = f"{AREA_CODES[rng.randrange(len(AREA_CODES))]}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)


def _income(rng: random.Random) -> Optional[int]:
    """Declared monthly income in fen, rounded to 100 yuan; about 5% undeclared."""
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.42:
        y = rng.randint(30, 80)
    elif r < 0.77:
        y = rng.randint(80, 150)
    elif r < 0.94:
        y = rng.randint(150, 300)
    else:
        y = rng.randint(300, 800)
    return y * 100_00


def _manual_limit(rng: random.Random, income: Optional[int]) -> Optional[int]:
    if rng.random() >= 0.12:
        return None
    base = income if income is not None else 5000_00
    mult = (1, 2, 2, 3, 4)[rng.randrange(5)]
    return max(1000_00, min(base * mult, 100000_00) // 1000_00 * 1000_00)


# ----------------------------------------------------------------------------- purchases

class Purchase:
    __slots__ = ("ord", "amount", "term", "rate", "merchant", "category", "periods", "refunded",
                 "tid")

    def __init__(self, o: int, amount: int, term: int, rate: str, merchant: str, category: str):
        self.ord = o
        self.amount = amount          # fen
        self.term = term
        self.rate = rate              # explicit fee_rate text or ""
        self.merchant = merchant
        self.category = category
        self.periods: list[list[int]] = []   # [statement ordinal, principal fen, fee fen]
        self.refunded = 0
        self.tid = ""


class Refund:
    __slots__ = ("ord", "amount", "purchase", "tid")

    def __init__(self, o: int, amount: int, purchase: Purchase):
        self.ord = o
        self.amount = amount
        self.purchase = purchase
        self.tid = ""


def _amount(rng: random.Random, category: str) -> int:
    cum, buckets = _CAT_BUCKETS[category]
    _, lo, hi = buckets[_pick(rng, cum)]
    f = rng.randint(lo * 100, hi * 100)
    r = rng.random()
    if r < 0.35:                      # a round price: 1299.00
        f = f // 100 * 100
    elif r < 0.50:                    # a shop price: 89.90 / 89.99
        f = f // 100 * 100 + (90 if r < 0.43 else 99)
    return max(f, 1)


def _term(rng: random.Random, amount: int) -> int:
    for bound, cum in TERM_BY_AMOUNT:
        if amount < bound:
            return TERMS[_pick(rng, cum)]
    return 1  # pragma: no cover


def _schedule(p: Purchase, sday: int) -> None:
    rate = Decimal(p.rate) if p.rate else (DEFAULT_FEE_RATE if p.term > 1 else Decimal(0))
    sched = build_schedule(Decimal(p.amount).scaleb(-2), p.term, rate, date.fromordinal(p.ord),
                           sday, DUE_DAYS)
    p.periods = [[per.statement_date.toordinal(), int(per.principal * 100), int(per.fee * 100)]
                 for per in sched]


# ----------------------------------------------------------------------------- the tracker

class _Item:
    __slots__ = ("due", "rem", "stmt")

    def __init__(self, due: int, rem: int, stmt: int):
        self.due = due
        self.rem = rem
        self.stmt = stmt


class _Account:
    """One customer's receivable as the engine will see it (SPEC §4), in integer fen.

    Deliberately conservative: where it cannot follow the engine exactly it never
    *understates* what is owed, so a payer who pays what this says is never short.
    """

    def __init__(self) -> None:
        self.items: list[_Item] = []      # billed, unpaid (per statement, plus deferral fees)
        self.credit = 0
        self.late_units = 0               # accrued late fee, fen x 1e6 (exact)
        self.last = 0                     # accrual computed through this day
        self.ever_late = False

    def accrue(self, t: int) -> None:
        if t <= self.last:
            return
        last = self.last
        for it in self.items:
            if it.due < t:
                days = t - max(last, it.due)
                if days > 0:
                    self.late_units += it.rem * LATE_PPM * days
                    self.ever_late = True
        self.last = t

    def late_fen(self) -> int:
        return _ceil_div(self.late_units, 1_000_000)

    def billed(self) -> int:
        return sum(it.rem for it in self.items)

    def owed(self) -> int:
        return self.billed() + self.late_fen()

    def overdue_at(self, t: int) -> bool:
        return any(it.due < t for it in self.items)

    def bill(self, stmt: int, amount: int) -> None:
        self.items.append(_Item(stmt + DUE_DAYS, amount, stmt))
        self.apply_credit()

    def apply_credit(self) -> None:
        """Credit balance pays what is open as soon as there is any (late fee first)."""
        if self.credit and (self.items or self.late_units):
            c, self.credit = self.credit, 0
            self.pay(c)

    def pay(self, amount: int) -> None:
        lf = min(amount, self.late_fen())
        amount -= lf
        self.late_units = max(0, self.late_units - lf * 1_000_000)
        if self.items:
            self.items.sort(key=lambda it: (it.due, it.stmt))
            keep = []
            for it in self.items:
                take = min(amount, it.rem)
                it.rem -= take
                amount -= take
                if it.rem:
                    keep.append(it)
            self.items = keep
        self.credit += amount


# ----------------------------------------------------------------------------- one customer

class _Params:
    """Per-customer behaviour knobs."""

    __slots__ = ("profile", "stop", "stop_dpd", "pre_late", "settle_at", "defer_target",
                 "defer_days", "long_late_target", "forced_terms", "convert", "conversions")

    def __init__(self, profile: str):
        self.profile = profile
        self.stop: Optional[int] = None          # missed: first statement left unpaid (ordinal)
        self.stop_dpd: Optional[int] = None      # sample: aim for this DPD on the demo date
        self.pre_late = False                    # missed: was a late payer before stopping
        self.settle_at: Optional[int] = None     # early settlement: days after its big purchase
        self.defer_target: Optional[int] = None  # deferral: first eligible statement on/after
        self.defer_days: Optional[int] = None    # sample: the deferral's days
        self.long_late_target: Optional[int] = None   # late: one 100+ day episode on/after
        self.forced_terms: tuple[int, ...] = ()
        self.convert = False                     # minimum: converts one statement (账单分期)
        self.conversions: list[tuple[int, int, int, int]] = []   # (request, statement, amount, terms)


_STMT, _REFUND, _JOURNAL = 0, 1, 2
_PAY, _SETTLE, _DEFER = "pay", "settle", "defer"


def _minimum_payer(rng: random.Random, prm: _Params, acct: "_Account", t: int, billed: int, new_revolving: int,
                   owed: int, sday: int, as_of: int, bills_at: dict, schedule, on_time_day) -> None:
    """A revolving customer at statement ``t``: converts the bill's spending once (some of them),
    then pays about the minimum (SPEC 4.9: 10% of pay-in-full principal, installments in full,
    charges), now and then the whole bill, rarely nothing. The estimate errs high (12%/14%, the
    revolving fee guessed): the engine, not this tracker, says what the minimum really is."""
    day, ch = on_time_day(t)
    if prm.convert and not prm.conversions and new_revolving >= 300_00 and not acct.overdue_at(t):
        amount = new_revolving * rng.randint(50, 90) // 100 // 100 * 100
        terms = CONVERSION_TERMS[rng.randrange(len(CONVERSION_TERMS))]
        request = t + rng.randint(0, DUE_DAYS - 1)
        if amount >= 100_00 and request <= as_of:
            _convert(prm, acct, t, request, amount, terms, sday, as_of, bills_at)
            new_revolving -= amount
            billed -= amount
            owed = acct.owed()
            day = max(day, request)
    r = rng.random()
    if r < 0.05:
        return                                   # misses this minimum
    if r < 0.25:
        schedule(day, _PAY, ("full", 0, ch))
        return
    carried = max(0, owed - billed)
    fixed = billed - new_revolving
    estimate = _ceil_div(new_revolving * 12, 100) + fixed + acct.late_fen() \
        + (_ceil_div(carried * 16, 100) if carried >= 300_00 else carried)
    schedule(day, _PAY, ("amount", min(owed, _ceil_div(estimate, 100) * 100 + 100), ch))


def _convert(prm: _Params, acct: "_Account", stmt: int, request: int, amount: int, terms: int, sday: int,
             as_of: int, bills_at: dict) -> None:
    """Statement installments (SPEC 4.10): ``amount`` leaves the bill of ``stmt``; period i (P/N
    rounded down, the last the rest, fee 0.6% of P) is billed on the i-th later statement."""
    item = next((it for it in acct.items if it.stmt == stmt), None)
    if item is not None:
        item.rem -= min(item.rem, amount)
    later = statement_dates_between(date.fromordinal(stmt), date.fromordinal(stmt + 31 * (terms + 1)), sday)
    fee = (amount * CONVERSION_FEE_PPT + 500) // 1000
    part = amount // terms                     # P/N rounded down to the fen
    for i, s in enumerate(later[:terms]):
        principal = part if i < terms - 1 else amount - part * (terms - 1)
        if s.toordinal() <= as_of:
            bills_at.setdefault(s.toordinal(), []).append([s.toordinal(), principal, fee])
    prm.conversions.append((request, stmt, amount, terms))


def _simulate(rng: random.Random, prm: _Params, sday: int, opened: int, as_of: int,
              purchases: list[Purchase], refunds: list[Refund], stats: dict[str, Any],
              ) -> tuple[list[tuple[int, int, str, str]], list[tuple[int, int, int]]]:
    """Replay one account; return repayments [(date, fen, kind, channel)] and deferrals
    [(request date, statement date, days)], both in date order."""
    acct = _Account()
    bills_at: dict[int, list[list[int]]] = {}
    revolving_at: dict[int, int] = {}      # pay-in-full principal billed per statement (minimum payers)
    for p in purchases:
        for per in p.periods:
            if per[0] <= as_of:
                bills_at.setdefault(per[0], []).append(per)
    if prm.profile == MINIMUM:
        for p in purchases:
            if p.term == 1 and p.periods and p.periods[0][0] <= as_of:
                revolving_at[p.periods[0][0]] = revolving_at.get(p.periods[0][0], 0) + p.periods[0][1]
    heap: list[tuple] = []
    seq = 0
    for s in statement_dates_between(date.fromordinal(opened), date.fromordinal(as_of), sday):
        heap.append((s.toordinal(), _STMT, seq, None, None))
        seq += 1
    for r in refunds:
        heap.append((r.ord, _REFUND, seq, None, r))
        seq += 1
    if prm.settle_at is not None:
        heap.append((prm.settle_at, _JOURNAL, seq, _SETTLE, None))
        seq += 1
    heapq.heapify(heap)

    pays: list[tuple[int, int, str, str]] = []
    defers: list[tuple[int, int, int]] = []
    pending_until = 0           # late profile: nothing more is scheduled before this day
    token_paid = False          # missed: at most one small payment after stopping
    deferred = False

    def schedule(day: int, kind: str, data: Any) -> None:
        nonlocal seq
        if day <= as_of:
            heapq.heappush(heap, (day, _JOURNAL, seq, kind, data))
            seq += 1

    def on_time_day(s: int) -> tuple[int, str]:
        if rng.random() < 0.25:
            return s + DUE_DAYS, "auto_debit"
        return s + rng.randint(0, DUE_DAYS), CHANNELS[rng.randrange(len(CHANNELS))]

    def late_delay() -> int:
        r = rng.random()
        if r < 0.60:
            return rng.randint(1, 10)
        if r < 0.85:
            return rng.randint(11, 30)
        if r < 0.95:
            return rng.randint(31, 60)
        return rng.randint(61, 130)

    while heap:
        t, prio, _, kind, data = heapq.heappop(heap)
        acct.accrue(t)
        if prio == _STMT:
            amount = 0
            for per in bills_at.get(t, ()):
                amount += per[1] + per[2]
            if amount:
                acct.bill(t, amount)
            owed = acct.owed()
            if owed <= 0 or t < pending_until:
                continue
            u = t + DUE_DAYS
            profile = prm.profile
            if profile == MISSED:
                if prm.stop is not None and t >= prm.stop:
                    if not token_paid and prm.stop_dpd is None and rng.random() < 0.25:
                        token_paid = True
                        part = max(100, owed * rng.randint(10, 30) // 100 // 100 * 100)
                        schedule(t + rng.randint(0, 40), _PAY, ("amount", part, "app"))
                    continue
                profile = LATE if prm.pre_late else ON_TIME
            if (prm.defer_target is not None and not deferred and t >= prm.defer_target
                    and any(it.stmt == t for it in acct.items)
                    and not acct.overdue_at(t)):
                deferred = True
                req = t + rng.randint(0, DUE_DAYS - 1)
                days = (7, 10, 14, 15, 20, 30)[rng.randrange(6)] if rng.random() < 0.7 \
                    else rng.randint(1, MAX_DEFER_DAYS)
                days = prm.defer_days or days
                schedule(req, _DEFER, (t, days))
                continue
            if profile == MINIMUM:
                _minimum_payer(rng, prm, acct, t, amount, revolving_at.get(t, 0), owed, sday, as_of, bills_at,
                               schedule, on_time_day)
                continue
            if profile == ON_TIME:
                day, ch = on_time_day(t)
                r = rng.random()
                if r < 0.03:
                    extra = (rng.randint(1, 50) * 10_00) if rng.random() < 0.5 else \
                        (_ceil_div(owed + 1, 100_00) * 100_00 - owed)
                    schedule(day, _PAY, ("over", extra, ch))
                elif r < 0.40 and day > t and owed >= 200_00:
                    # pays in two goes: a round part first, the rest by the due date
                    first = rng.randint(t, day - 1)
                    part = owed * rng.randint(20, 70) // 100 // 100_00 * 100_00 or 100_00
                    schedule(first, _PAY, ("amount", part, CHANNELS[rng.randrange(len(CHANNELS))]))
                    schedule(day, _PAY, ("full", 0, ch))
                else:
                    schedule(day, _PAY, ("full", 0, ch))
            elif profile == PARTIAL:
                r = rng.random()
                if r < 0.45:
                    part = max(100, owed * rng.randint(20, 80) // 100 // 100 * 100)
                    day, ch = on_time_day(t)
                    schedule(day, _PAY, ("amount", part, ch))
                elif r < 0.55:
                    pass                      # skips this month, catches up at the next bill
                else:
                    day, ch = on_time_day(t)
                    schedule(day, _PAY, ("full", 0, ch))
            else:  # LATE
                if prm.long_late_target is not None and t >= prm.long_late_target:
                    prm.long_late_target = None
                    delay = rng.randint(100, 130)
                elif rng.random() < 0.4:
                    delay = late_delay()
                else:
                    delay = 0
                if delay:
                    pending_until = u + delay
                    schedule(u + delay, _PAY, ("full", 0, CHANNELS[rng.randrange(len(CHANNELS))]))
                else:
                    day, ch = on_time_day(t)
                    schedule(day, _PAY, ("full", 0, ch))
        elif prio == _REFUND:
            r = data
            left = r.amount
            for per in reversed(r.purchase.periods):
                if left == 0:
                    break
                if per[0] > t and per[1] > 0:          # unbilled: cut from the last period back
                    take = min(left, per[1])
                    per[1] -= take
                    left -= take
                    if per[1] == 0:
                        per[2] = 0                      # cancelled with its fee
            if left:
                # the engine takes it off the purchase's billed unpaid principal, the rest is
                # credit applied at once (late fee first). Applying all of it as credit keeps
                # billed items at least as high as the engine's, so never understates.
                acct.credit += left
                acct.apply_credit()
        elif kind == _PAY:
            mode, value, ch = data
            owed = acct.owed()
            if owed <= 0:
                continue
            if mode == "full":
                amount = owed
                if acct.late_units or acct.ever_late or deferred:
                    # posted late fees / deferral fees are rounded by the engine per posting:
                    # round up to the yuan and add one, the excess becomes credit.
                    amount = _ceil_div(owed, 100) * 100 + 100
            elif mode == "over":
                amount = owed + value
                stats["overpayments"] += 1
            else:
                amount = min(value, owed)
            if amount <= 0:
                continue
            acct.pay(amount)
            pays.append((t, amount, "normal", ch))
        elif kind == _SETTLE:
            unbilled = 0
            for p in purchases:
                if p.ord <= t:
                    for per in p.periods:
                        if per[0] > t:
                            unbilled += per[1] + per[2]
            if unbilled == 0:
                continue
            payoff = acct.owed() + unbilled
            amount = _ceil_div(payoff, 100_00) * 100_00 + rng.randint(1, 10) * 10_00
            for p in purchases:
                if p.ord <= t:
                    for per in p.periods:
                        if per[0] > t:
                            per[1] = per[2] = 0
            acct.pay(amount - unbilled)
            acct.items = []
            acct.late_units = 0
            pays.append((t, amount, "settle", "app"))
            stats["settles"] += 1
        elif kind == _DEFER:
            stmt, days = data
            item = next((it for it in acct.items if it.stmt == stmt), None)
            if item is None or acct.overdue_at(t):
                # already cleared (credit) or overdue: no deferral, pay by the due date instead
                schedule(stmt + DUE_DAYS, _PAY, ("full", 0, "auto_debit"))
                continue
            new_due = stmt + DUE_DAYS + days
            fee = (item.rem * DEFERRAL_FEE_PCT + 50) // 100
            item.due = new_due
            if fee:
                acct.items.append(_Item(new_due, fee, stmt))
            defers.append((t, stmt, days))
            schedule(rng.randint(t + 1, new_due), _PAY, ("full", 0, "app"))
    return pays, defers


def _customer(rng: random.Random, prm: _Params, sday: int, opened: int, as_of: int,
              n_purchases: int, stats: dict[str, Any],
              ) -> tuple[list[Purchase], list[Refund], list, list]:
    """Purchases, refunds, repayments and deferrals of one customer."""
    last_buy = as_of - 1
    if prm.profile == MISSED and prm.stop is not None:
        last_buy = min(last_buy, prm.stop + 30)          # the line is frozen once overdue
    purchases: list[Purchase] = []
    if last_buy > opened:
        days = sorted(rng.randint(opened + 1, last_buy) for _ in range(n_purchases))
        if prm.stop_dpd is not None and days and prm.stop - 20 > opened:
            # sample: make sure the first unpaid statement has something on it
            days[-1] = rng.randint(prm.stop - 20, prm.stop - 1)
            days.sort()
        for k, d in enumerate(days):
            cat = CAT_NAMES[_pick(rng, CAT_CUM)]
            merchants = CATEGORIES[cat][1]
            merchant = merchants[rng.randrange(len(merchants))]
            amount = _amount(rng, cat)
            if k < len(prm.forced_terms):
                term = prm.forced_terms[k]
                amount = max(amount, term * 300_00)
            else:
                term = _term(rng, amount)
            rate = EXPLICIT_RATES[rng.randrange(len(EXPLICIT_RATES))] \
                if term > 1 and rng.random() < 0.10 else ""
            p = Purchase(d, amount, term, rate, merchant, cat)
            _schedule(p, sday)
            purchases.append(p)
    # Refunds: ~5% of purchases, partial or full, before or after billing, a few twice.
    refunds: list[Refund] = []
    for p in purchases:
        if rng.random() >= 0.05:
            continue
        first_bill = p.periods[0][0]
        before = rng.random() < 0.5 and first_bill - p.ord >= 2
        if before:
            day = rng.randint(p.ord + 1, first_bill - 1)
        else:
            day = rng.randint(max(first_bill, p.ord + 1), first_bill + 120)
        if day > as_of - 1:
            continue
        full = rng.random() < 0.45
        amount = p.amount if full else max(1, p.amount * rng.randint(5, 80) // 100)
        refunds.append(Refund(day, amount, p))
        p.refunded += amount
        if not full and rng.random() < 0.2 and day + 1 <= as_of - 1:   # a second, partial one
            left = p.amount - p.refunded
            amt2 = max(1, left * rng.randint(10, 100) // 100)
            day2 = rng.randint(day + 1, min(as_of - 1, day + 60))
            refunds.append(Refund(day2, amt2, p))
            p.refunded += amt2
    # Early settlement: some time after an installment purchase, while periods are unbilled.
    if prm.settle_at is not None:
        inst = [p for p in purchases if p.term >= 6 and p.periods[-1][0] > p.ord + 120]
        if inst:
            big = inst[0]
            t = min(big.ord + prm.settle_at, big.periods[-1][0] - 1, as_of - 1)
            prm.settle_at = t
            # nothing is refunded after it is settled: the payoff closes it
            kept = [r for r in refunds if not (r.ord >= t and r.purchase.ord <= t)]
            for r in refunds:
                if r not in kept:
                    r.purchase.refunded -= r.amount
            refunds = kept
        else:
            prm.settle_at = None
    for r in refunds:
        stats["refunds_full" if r.amount == r.purchase.amount else "refunds_partial"] += 1
        stats["refunds_before_billing" if r.ord < r.purchase.periods[0][0]
              else "refunds_after_billing"] += 1
    pays, defers = _simulate(rng, prm, sday, opened, as_of, purchases, refunds, stats)
    return purchases, refunds, pays, defers


# ----------------------------------------------------------------------------- writers

class _Writer:
    """One output file, CSV (csv.writer) or JSON Lines, written under a temporary name."""

    def __init__(self, out_dir: Path, name: str, cols: tuple[str, ...], fmt: str,
                 registry: list):
        registry.append(self)
        self.path = out_dir / f"{name}.{fmt}"
        self.tmp = out_dir / f".{name}.{fmt}.tmp"
        self.cols = cols
        self.fmt = fmt
        self.f = open(self.tmp, "w", encoding="utf-8", newline="")
        self.rows = 0
        if fmt == "csv":
            self.w = csv.writer(self.f, lineterminator="\n")
            self.w.writerow(cols)
            self.write = self._csv
        else:
            self.write = self._jsonl

    def _csv(self, row: list) -> None:
        self.w.writerow(row)
        self.rows += 1

    def _jsonl(self, row: list) -> None:
        obj: dict[str, Any] = {}
        for k, v in zip(self.cols, row):
            if v == "" or v is None:
                continue
            obj[k] = int(v) if k in INT_FIELDS else v
        self.f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.rows += 1

    def close(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()
        os.replace(self.tmp, self.path)


# ----------------------------------------------------------------------------- the portfolio

def _new_stats() -> dict[str, Any]:
    return {
        "customers": 0, "purchases": 0, "refunds": 0, "transactions": 0, "repayments": 0,
        "deferrals": 0, "settles": 0, "overpayments": 0,
        "refunds_full": 0, "refunds_partial": 0,
        "refunds_before_billing": 0, "refunds_after_billing": 0,
        "terms": {t: 0 for t in TERMS}, "profiles": {p: 0 for p, _ in PROFILE_SHARES},
        "statement_days": {}, "first_txn": None, "last_txn": None,
    }


def _profile(rng: random.Random, income: Optional[int]) -> str:
    """Behaviour, riskier at low or undeclared income (gives the scoring model a signal)."""
    weights = dict(PROFILE_SHARES)
    if income is None or income < 5000_00:
        weights[MISSED] *= 2
        weights[LATE] = weights[LATE] * 3 // 2
    elif income >= 20000_00:
        weights[MISSED] = 2
        weights[LATE] = 6
    names = list(weights)
    return names[_pick(rng, list(accumulate(weights[n] for n in names)))]


def _sample_plan(rng: random.Random) -> list[dict[str, Any]]:
    """The hand-picked mix of the bundled sample (40 customers)."""
    sdays = [3] * 10 + [1] * 4 + [8] * 4 + [15] * 5 + [20] * 4 + [25] * 4 + [28] * 4 + [5, 10, 12, 18, 22]
    rng.shuffle(sdays)
    demo = SAMPLE_DEMO_DATE.toordinal()
    plans: list[dict[str, Any]] = []
    # missed payers: days past due of their first unpaid bill on the demo date, M1 .. M6+
    for dpd in ((1, 30), (31, 60), (61, 90), (91, 120), (121, 150), (151, 180), (200, 260)):
        plans.append({"profile": MISSED, "dpd": dpd})
    plans += [{"profile": LATE, "long": k == 0} for k in range(4)]
    plans += [{"profile": PARTIAL} for _ in range(4)]
    plans.append({"profile": ON_TIME, "settle": True})
    plans.append({"profile": ON_TIME, "defer": date(2026, 5, 1).toordinal()})
    # deferred before the demo date's due and still running on it (due 10-29 -> 11-13)
    plans.append({"profile": ON_TIME, "defer": date(2026, 10, 15).toordinal(), "defer_sday": 20,
                  "defer_days": 15})
    while len(plans) < 40:
        plans.append({"profile": ON_TIME})
    rng.shuffle(plans)
    for plan, sday in zip(plans, sdays):
        plan["sday"] = sday

    def stops(sday: int, lo: int, hi: int) -> list[tuple[int, int]]:
        """(statement, DPD on the demo date) for statements whose DPD is in lo..hi."""
        out = []
        for s in statement_dates_between(date.fromordinal(demo - 400), SAMPLE_DEMO_DATE, sday):
            dpd = demo - s.toordinal() - DUE_DAYS
            if lo <= dpd <= hi:
                out.append((s.toordinal(), dpd))
        return out

    for plan in plans:
        want = plan.get("defer_sday")
        if want is not None and plan["sday"] != want:
            other = next(p for p in plans if p["profile"] == ON_TIME and len(p) == 2
                         and p["sday"] == want)
            plan["sday"], other["sday"] = other["sday"], plan["sday"]
    for plan in plans:
        if plan["profile"] != MISSED:
            continue
        lo, hi = plan["dpd"]
        if not stops(plan["sday"], lo, hi):
            # no statement of this day falls in the bucket (a 31-day month): swap statement
            # days with the first on-time customer whose day works
            other = next(p for p in plans if p["profile"] == ON_TIME and len(p) == 2
                         and stops(p["sday"], lo, hi))
            plan["sday"], other["sday"] = other["sday"], plan["sday"]
        cands = stops(plan["sday"], lo, hi)
        plan["stop"], plan["stop_dpd"] = min(cands, key=lambda c: abs(c[1] - (lo + hi) // 2))
    return plans


def generate(out_dir: str | os.PathLike, customers: int = 1000, seed: int = DEFAULT_SEED, *,
             fmt: str = "csv", start: str | date = DEFAULT_START, as_of: str | date = DEFAULT_AS_OF,
             purchases_per_customer: int = DEFAULT_PPC, sample: bool = False,
             profiles_out: Optional[dict[str, str]] = None, revolving: float = 0.0) -> dict[str, Any]:
    """Write customers/transactions/repayments/deferrals into ``out_dir``; return statistics.

    ``sample=True`` ignores the other knobs and writes the bundled sample (see ``SAMPLE``).
    ``revolving`` (0..1): that share of the customers pays about the minimum (SPEC 4.9, for a
    config with ``minimum_payment.enabled``) and 40% of them convert one bill (SPEC 4.10), written
    to ``conversions``; 0 (the default) writes exactly what it always did.
    ``profiles_out``, when given, receives each customer's behaviour profile (for checks).
    """
    if sample:
        customers, seed, fmt = SAMPLE["customers"], SAMPLE["seed"], SAMPLE["fmt"]
        start, as_of = SAMPLE["start"], SAMPLE["as_of"]
        purchases_per_customer = SAMPLE["purchases_per_customer"]
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"format must be csv or jsonl, not {fmt!r}")
    start_d = start if isinstance(start, date) else date.fromisoformat(start)
    as_of_d = as_of if isinstance(as_of, date) else date.fromisoformat(as_of)
    if as_of_d.toordinal() - start_d.toordinal() < 60:
        raise ValueError("--as-of must be at least 60 days after --start")
    if customers < 1 or purchases_per_customer < 0:
        raise ValueError("customers must be >= 1 and purchases per customer >= 0")
    if not 0 <= revolving <= 1:
        raise ValueError("--revolving must be a share between 0 and 1")
    revolving_rng = random.Random(seed * 7919 + 17)    # its own dice: revolving = 0 changes nothing
    conversion_rows: list[tuple[int, int, str, int, int, int]] = []
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    iso = _Iso()
    stats = _new_stats()
    start_o, as_of_o = start_d.toordinal(), as_of_d.toordinal()
    open_span = min(120, (as_of_o - start_o) // 3)
    if sample:
        open_span = 60
    plans = _sample_plan(rng) if sample else None
    ppc = purchases_per_customer
    lo, hi = ppc - ppc // 2, ppc + ppc // 2

    writers: list[_Writer] = []          # closed and renamed on success, removed on failure
    wc = _Writer(out, "customers", CUSTOMER_COLS, fmt, writers)
    wt = _Writer(out, "transactions", TXN_COLS, fmt, writers)
    buckets: dict[str, Any] = {}          # "YYYY-MM" -> temporary file of journal lines
    deferral_rows: list[tuple[int, int, str, int, int]] = []
    txn_no = 0
    width = max(6, len(str(customers)))
    try:
        for i in range(1, customers + 1):
            cid = f"C{i:0{width}d}"
            male = rng.random() < 0.5
            opened = start_o + rng.randrange(open_span + 1)
            sday = SDAYS[_pick(rng, SDAY_CUM)]
            name = _name(rng, male)
            phone = _phone(rng)
            idn = _id_number(rng, opened, male)
            income = _income(rng)
            limit = _manual_limit(rng, income)
            if plans is not None:
                plan = plans[i - 1]
                sday = plan["sday"]
                prm = _Params(plan["profile"])
                prm.stop = plan.get("stop")
                prm.stop_dpd = plan.get("stop_dpd")
                if plan.get("long"):
                    prm.long_late_target = opened + 150
                if plan.get("settle"):
                    prm.settle_at = 150
                    prm.forced_terms = (12,)
                prm.defer_target = plan.get("defer")
                prm.defer_days = plan.get("defer_days")
                if i <= 5:   # every term early in the book, whatever the dice say
                    prm.forced_terms = prm.forced_terms or ((24, 6, 3, 12, 24)[i - 1],)
            else:
                prm = _Params(_profile(rng, income))
                if prm.profile == MISSED:
                    prm.stop = rng.randint(opened + 35, as_of_o)
                    prm.pre_late = rng.random() < 0.5
                elif prm.profile == ON_TIME:
                    r = rng.random()
                    if r < 0.006:
                        prm.settle_at = rng.randint(60, 300)
                    elif r < 0.016:
                        prm.defer_target = rng.randint(opened + 30, as_of_o)
                elif prm.profile == LATE and rng.random() < 0.1:
                    prm.long_late_target = rng.randint(opened + 30, as_of_o)
                if revolving and revolving_rng.random() < revolving:
                    prm = _Params(MINIMUM)
                    prm.convert = revolving_rng.random() < 0.4
            n = rng.randint(lo, hi)
            purchases, refunds, pays, defers = _customer(rng, prm, sday, opened, as_of_o, n, stats)

            wc.write([cid, name, phone, idn, iso(opened), sday,
                      fen_str(income) if income is not None else "",
                      fen_str(limit) if limit is not None else ""])
            # transactions of the customer, by date (purchase before refund on a tie)
            events: list[tuple[int, int, int, Any]] = [(p.ord, 0, k, p) for k, p in enumerate(purchases)]
            events += [(r.ord, 1, k, r) for k, r in enumerate(refunds)]
            events.sort(key=lambda e: (e[0], e[1], e[2]))
            for o, typ, _, obj in events:
                txn_no += 1
                obj.tid = f"T{txn_no:09d}"
                if typ == 0:
                    wt.write([obj.tid, cid, iso(o), "purchase", fen_str(obj.amount), obj.term,
                              obj.rate, "", obj.merchant, obj.category])
                else:
                    p = obj.purchase
                    wt.write([obj.tid, cid, iso(o), "refund", fen_str(obj.amount), "", "",
                              p.tid, p.merchant, p.category])
            for o, amount, kind, ch in pays:          # into the bucket of its month
                d = iso(o)
                f = buckets.get(d[:7])
                if f is None:
                    f = buckets[d[:7]] = open(out / f".repayments.{d[:7]}.tmp", "w+",
                                              encoding="utf-8", newline="")
                f.write(f"{d},{cid},{fen_str(amount)},{kind},{ch}\n")
            for req, stmt, days in defers:
                deferral_rows.append((req, i, cid, stmt, days))
            for req, stmt, amount, terms in prm.conversions:
                conversion_rows.append((req, i, cid, stmt, amount, terms))

            st = stats
            st["customers"] += 1
            st["purchases"] += len(purchases)
            st["refunds"] += len(refunds)
            st["repayments"] += len(pays)
            st["deferrals"] += len(defers)
            st["profiles"][prm.profile] = st["profiles"].get(prm.profile, 0) + 1
            if profiles_out is not None:
                profiles_out[cid] = prm.profile + ("+settle" if prm.settle_at is not None else "") \
                    + ("+defer" if defers else "")
            st["statement_days"][sday] = st["statement_days"].get(sday, 0) + 1
            for p in purchases:
                st["terms"][p.term] += 1
            if events:
                a, b = events[0][0], events[-1][0]
                st["first_txn"] = a if st["first_txn"] is None else min(st["first_txn"], a)
                st["last_txn"] = b if st["last_txn"] is None else max(st["last_txn"], b)
        wc.close()
        wt.close()

        # The repayments journal: date order across the book; same-day lines keep customer
        # order, and a customer's same-day lines keep their own order (stable sort).
        wr = _Writer(out, "repayments", REPAY_COLS, fmt, writers)
        rno = 0
        for ym in sorted(buckets):
            f = buckets[ym]
            f.seek(0)
            lines = f.read().splitlines()
            lines.sort(key=lambda s: s[:10])
            for line in lines:
                rno += 1
                d, cid, amount, kind, ch = line.split(",")
                wr.write([f"R{rno:09d}", cid, d, amount, kind, ch])
        wr.close()
        deferral_rows.sort(key=lambda r: (r[0], r[1]))
        wd = _Writer(out, "deferrals", DEFER_COLS, fmt, writers)
        for k, (req, _, cid, stmt, days) in enumerate(deferral_rows, start=1):
            wd.write([f"D{k:06d}", cid, iso(stmt), iso(req), days])
        wd.close()
        if revolving:
            conversion_rows.sort(key=lambda r: (r[0], r[1]))
            wv = _Writer(out, "conversions", CONVERSION_COLS, fmt, writers)
            for k, (req, _, cid, stmt, amount, terms) in enumerate(conversion_rows, start=1):
                wv.write([f"V{k:06d}", cid, iso(stmt), iso(req), fen_str(amount), terms, ""])
            wv.close()
        if revolving:
            stats["conversions"] = len(conversion_rows)
    finally:
        for f in buckets.values():
            name = f.name
            f.close()
            try:
                os.unlink(name)
            except FileNotFoundError:
                pass
        for w in writers:
            if not w.f.closed:            # an error on the way: leave no temporary file
                w.f.close()
                try:
                    os.unlink(w.tmp)
                except FileNotFoundError:
                    pass
    stats["transactions"] = stats["purchases"] + stats["refunds"]
    stats["first_txn"] = iso(stats["first_txn"]) if stats["first_txn"] else None
    stats["last_txn"] = iso(stats["last_txn"]) if stats["last_txn"] else None
    stats["statement_days"] = dict(sorted(stats["statement_days"].items()))
    stats["files"] = [str(out / f"{n}.{fmt}") for n in ("customers", "transactions", "repayments", "deferrals")
                      + (("conversions",) if revolving else ())]
    return stats


# ----------------------------------------------------------------------------- command line

def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        description="Generate a deterministic synthetic Baitiao portfolio (SPEC §2 files).")
    ap.add_argument("--customers", type=int, help="number of customers (required unless --sample)")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    ap.add_argument("--start", default=DEFAULT_START, help="first account opening date")
    ap.add_argument("--as-of", default=DEFAULT_AS_OF, help="last date of any event")
    ap.add_argument("--purchases-per-customer", type=int, default=DEFAULT_PPC,
                    help="average purchases per customer (each gets between half and 1.5x)")
    ap.add_argument("--sample", action="store_true",
                    help="the bundled sample: 40 customers, 2025-10-01..2026-11-25, CSV "
                         "(fixes every other knob)")
    ap.add_argument("--revolving", type=float, default=0.0, metavar="SHARE",
                    help="share (0..1) of customers who pay about the minimum and let the rest revolve; "
                         "40%% of them convert one bill (writes conversions); for a config with "
                         "minimum_payment.enabled (default 0: none)")
    ap.add_argument("--quiet", action="store_true", help="print nothing")
    a = ap.parse_args(argv)
    if not a.sample and a.customers is None:
        ap.error("--customers is required (or --sample)")
    try:
        for d in (a.start, a.as_of):
            date.fromisoformat(d)
    except ValueError as e:
        ap.error(f"bad date: {e}")
    try:
        stats = generate(a.out, a.customers or 0, a.seed, fmt=a.format, start=a.start,
                         as_of=a.as_of, purchases_per_customer=a.purchases_per_customer,
                         sample=a.sample, revolving=a.revolving)
    except ValueError as e:
        ap.error(str(e))
    if not a.quiet:
        print(json.dumps({k: v for k, v in stats.items() if k != "files"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
