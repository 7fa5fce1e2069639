"""The synthetic portfolio generator (benchmarks/generate.py) and the bundled sample_data/.

The sample is exactly what ``python benchmarks/generate.py --sample --out sample_data``
writes: a test regenerates it and compares bytes, so it can never drift from the generator.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.generate import (  # noqa: E402
    CUSTOMER_COLS, DEFER_COLS, REPAY_COLS, TXN_COLS, generate, id_check_digit, main,
)

SAMPLE_DIR = ROOT / "sample_data"
FILES = ("customers", "transactions", "repayments", "deferrals")
MONEY = re.compile(r"^\d+\.\d{2}$")
PHONE = re.compile(r"^1[3-9]\d{9}$")
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
HAN = re.compile(r"^[\u4e00-\u9fff]{2,4}$")


# ----------------------------------------------------------------------------- helpers

def read(d: Path, name: str, fmt: str = "csv") -> list[dict]:
    """Rows as dicts of strings (JSONL ints turned to text, missing keys to '')."""
    p = d / f"{name}.{fmt}"
    if fmt == "csv":
        with open(p, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    cols = {"customers": CUSTOMER_COLS, "transactions": TXN_COLS, "repayments": REPAY_COLS,
            "deferrals": DEFER_COLS}[name]
    rows = []
    for line in p.read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        assert set(obj) <= set(cols)
        rows.append({c: "" if c not in obj else str(obj[c]) for c in cols})
    return rows


def load(d: Path, fmt: str = "csv") -> dict[str, list[dict]]:
    return {n: read(d, n, fmt) for n in FILES}


def d_(s: str) -> date:
    return date.fromisoformat(s)


def check_portfolio(data: dict[str, list[dict]], as_of: date) -> None:
    """Every structural promise of the generator (SPEC §2 shapes and cross-file rules)."""
    customers, txns, reps, defs = (data[n] for n in FILES)
    by_id = {c["customer_id"]: c for c in customers}
    # unique ids
    assert len(by_id) == len(customers)
    for rows, key in ((txns, "txn_id"), (reps, "repayment_id"), (defs, "deferral_id")):
        ids = [r[key] for r in rows]
        assert len(set(ids)) == len(ids), key
    # customers
    for c in customers:
        assert CUSTOMER_ID.match(c["customer_id"])
        assert HAN.match(c["name"]), c["name"]
        assert PHONE.match(c["phone"]), c["phone"]
        idn = c["id_number"]
        assert ID_NUMBER.match(idn) and id_check_digit(idn[:17]) == idn[17], idn
        birth = date(int(idn[6:10]), int(idn[10:12]), int(idn[12:14]))   # a real date
        opened = d_(c["opened_on"])
        assert 18 <= (opened - birth).days / 365.25 <= 61
        assert 1 <= int(c["statement_day"]) <= 28
        for k in ("monthly_income", "credit_limit"):
            assert c[k] == "" or (MONEY.match(c[k]) and Decimal(c[k]) > 0)
    # transactions
    purchases = {}
    refunded: Counter = Counter()
    for t in txns:
        c = by_id[t["customer_id"]]
        day = d_(t["date"])
        assert d_(c["opened_on"]) < day < as_of
        assert MONEY.match(t["amount"]) and Decimal(t["amount"]) > 0
        if t["type"] == "purchase":
            assert t["installments"] in {"1", "3", "6", "12", "24"}
            assert t["ref_txn_id"] == ""
            if t["fee_rate"]:
                assert t["installments"] != "1"
                assert Decimal(t["fee_rate"]) > 0
            assert t["merchant"] and t["category"]
            purchases[t["txn_id"]] = t
        else:
            assert t["type"] == "refund"
            p = purchases[t["ref_txn_id"]]          # a purchase listed before it
            assert p["customer_id"] == t["customer_id"]
            assert day >= d_(p["date"])
            refunded[p["txn_id"]] += Decimal(t["amount"])
            assert refunded[p["txn_id"]] <= Decimal(p["amount"])
            assert t["installments"] == "" and t["fee_rate"] == ""
    # repayments: journal in date order, every one after the account opened, on/before as_of
    dates = [d_(r["date"]) for r in reps]
    assert dates == sorted(dates)
    for r in reps:
        c = by_id[r["customer_id"]]
        assert d_(c["opened_on"]) < d_(r["date"]) <= as_of
        assert MONEY.match(r["amount"]) and Decimal(r["amount"]) > 0
        assert r["kind"] in {"normal", "settle"}
    # deferrals: a statement of the customer, asked on or before its due date, 1..30 days
    for x in defs:
        c = by_id[x["customer_id"]]
        s, asked = d_(x["statement_date"]), d_(x["date"])
        assert s.day == int(c["statement_day"]) and s > d_(c["opened_on"])
        assert s <= asked <= s + timedelta(days=9) and asked <= as_of
        assert 1 <= int(x["days"]) <= 30
    assert len({x["customer_id"] for x in defs}) == len(defs)      # one per customer


# ----------------------------------------------------------------------------- determinism

def test_same_seed_same_bytes(tmp_path: Path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, customers=60, seed=11)
    generate(b, customers=60, seed=11)
    for n in FILES:
        assert (a / f"{n}.csv").read_bytes() == (b / f"{n}.csv").read_bytes(), n


def test_other_seed_other_data(tmp_path: Path):
    generate(tmp_path / "a", customers=30, seed=1)
    generate(tmp_path / "b", customers=30, seed=2)
    assert (tmp_path / "a/transactions.csv").read_bytes() != (tmp_path / "b/transactions.csv").read_bytes()


def test_jsonl_same_records_as_csv(tmp_path: Path):
    generate(tmp_path / "c", customers=40, seed=5)
    generate(tmp_path / "j", customers=40, seed=5, fmt="jsonl")
    assert load(tmp_path / "c") == load(tmp_path / "j", "jsonl")
    first = json.loads((tmp_path / "j/customers.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first["statement_day"], int) and isinstance(first["opened_on"], str)


def test_no_temporary_files_left(tmp_path: Path):
    generate(tmp_path, customers=20, seed=3)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.csv" for n in FILES)


# ----------------------------------------------------------------------------- shape

def test_generated_portfolio_is_well_formed(tmp_path: Path):
    stats = generate(tmp_path, customers=300, seed=4, purchases_per_customer=10)
    data = load(tmp_path)
    check_portfolio(data, date(2026, 11, 25))
    # counts agree with the statistics and the files
    assert len(data["customers"]) == stats["customers"] == 300
    assert len(data["transactions"]) == stats["transactions"] == stats["purchases"] + stats["refunds"]
    assert len(data["repayments"]) == stats["repayments"]
    assert len(data["deferrals"]) == stats["deferrals"]
    # about 10 purchases a customer, every term, a mix of behaviours, several statement days
    assert 9 <= stats["purchases"] / 300 <= 11
    assert all(stats["terms"][t] > 0 for t in (1, 3, 6, 12, 24))
    assert stats["terms"][1] > stats["terms"][24]
    assert all(v > 0 for v in stats["profiles"].values())
    assert len(stats["statement_days"]) >= 10
    assert stats["refunds_full"] and stats["refunds_partial"]
    assert stats["refunds_before_billing"] and stats["refunds_after_billing"]
    assert 8 <= stats["repayments"] / 300 <= 18


def test_dates_stay_in_the_window(tmp_path: Path):
    generate(tmp_path, customers=50, seed=9, start="2024-01-01", as_of="2024-12-31")
    data = load(tmp_path)
    check_portfolio(data, date(2024, 12, 31))
    assert min(d_(c["opened_on"]) for c in data["customers"]) >= date(2024, 1, 1)


def test_script_runs_from_any_folder(tmp_path: Path):
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--customers", "7",
                        "--out", str(out), "--seed", "3", "--format", "jsonl"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["customers"] == 7
    assert len((out / "customers.jsonl").read_text(encoding="utf-8").splitlines()) == 7


def test_usage_errors(tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["--out", str(tmp_path)])                     # no --customers, no --sample
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(["--customers", "3", "--out", str(tmp_path), "--as-of", "2026-02-30"])
    assert e.value.code == 2


# ----------------------------------------------------------------------------- sample_data

def test_sample_data_is_what_the_generator_writes(tmp_path: Path):
    """sample_data/ must be exactly `python benchmarks/generate.py --sample --out sample_data`."""
    main(["--sample", "--out", str(tmp_path), "--quiet"])
    for n in FILES:
        assert (SAMPLE_DIR / f"{n}.csv").read_bytes() == (tmp_path / f"{n}.csv").read_bytes(), (
            f"sample_data/{n}.csv drifted: run `python benchmarks/generate.py --sample --out sample_data`")


def test_sample_meets_the_issue_minimums():
    data = load(SAMPLE_DIR)
    check_portfolio(data, date(2026, 11, 25))
    customers, txns, reps, defs = (data[n] for n in FILES)
    assert len(customers) >= 30
    assert len(txns) >= 300
    days = sorted(d_(t["date"]) for t in txns)
    months = {(d.year, d.month) for d in days}
    assert len(months) >= 13 and (days[-1] - days[0]).days >= 365
    assert {t["installments"] for t in txns if t["type"] == "purchase"} == {"1", "3", "6", "12", "24"}
    refunds = [t for t in txns if t["type"] == "refund"]
    amount = {t["txn_id"]: t["amount"] for t in txns}
    assert len(refunds) >= 5
    assert any(r["amount"] == amount[r["ref_txn_id"]] for r in refunds)       # full
    assert any(r["amount"] != amount[r["ref_txn_id"]] for r in refunds)       # partial
    assert sum(r["kind"] == "settle" for r in reps) == 1
    assert 1 <= len(defs) <= 2
    # statement days: the default 3 for several customers (the demo date 2026-11-03), and others
    sdays = Counter(int(c["statement_day"]) for c in customers)
    assert sdays[3] >= 5
    assert {1, 3, 8, 15, 20, 25, 28} <= set(sdays)
    assert all(d_(c["opened_on"]) < date(2026, 10, 3) for c in customers)
    # Chinese names, masked-friendly phones and ID numbers are there for the reports
    assert all(HAN.match(c["name"]) for c in customers)


def test_sample_repayments_show_every_behaviour():
    """On time, late (some 100+ days), partial and missed, judged from the files alone."""
    data = load(SAMPLE_DIR)
    reps_by = defaultdict(list)
    for r in data["repayments"]:
        reps_by[r["customer_id"]].append(d_(r["date"]))
    last_paid = {c: max(v) for c, v in reps_by.items()}
    customers = data["customers"]
    # some customers stopped paying months before the end: the overdue report has M3+ accounts
    stopped = [c for c in customers
               if last_paid.get(c["customer_id"], d_(c["opened_on"])) < date(2026, 8, 1)]
    assert len(stopped) >= 3
    # most customers pay every month
    regular = [c for c, v in reps_by.items() if len(v) >= 10]
    assert len(regular) >= 20


# ----------------------------------------------------------------------------- the project's own code

def test_loader_accepts_sample_and_generated(tmp_path: Path):
    loader = pytest.importorskip("baitiao_cli.io.loader")
    from baitiao_cli.engine.config import Config
    for d, fmt in ((SAMPLE_DIR, "csv"), (tmp_path / "j", "jsonl")):
        if d != SAMPLE_DIR:
            generate(d, customers=200, seed=8, fmt=fmt)
        res = loader.load_dataset(d, Config())
        assert not res.errors, res.errors[:5]
        assert sum(res.skipped.values()) == 0


def test_engine_finds_the_journal_coherent(tmp_path: Path):
    """Replayed by the ledger: no refused settle/deferral/refund, on-time payers never overdue,
    the missed payers fill the buckets M1..M6+ on the demo date."""
    ledger = pytest.importorskip("baitiao_cli.engine.ledger")
    from baitiao_cli.engine.config import Config
    from baitiao_cli.engine.model import Customer, Deferral, Repayment, Txn

    profiles: dict[str, str] = {}
    generate(tmp_path, sample=True, profiles_out=profiles)
    data = load(tmp_path)
    txns, reps, defs = defaultdict(list), defaultdict(list), defaultdict(list)
    for i, t in enumerate(data["transactions"]):
        txns[t["customer_id"]].append(Txn(
            t["txn_id"], t["customer_id"], d_(t["date"]), Decimal(t["amount"]), t["type"],
            int(t["installments"] or 1), Decimal(t["fee_rate"]) if t["fee_rate"] else None,
            t["ref_txn_id"] or None, seq=i))
    for i, r in enumerate(data["repayments"]):
        reps[r["customer_id"]].append(Repayment(r["repayment_id"], r["customer_id"], d_(r["date"]),
                                                Decimal(r["amount"]), r["kind"], r["channel"], seq=i))
    for i, x in enumerate(data["deferrals"]):
        defs[x["customer_id"]].append(Deferral(x["deferral_id"], x["customer_id"], d_(x["statement_date"]),
                                               d_(x["date"]), int(x["days"]), seq=i))
    cfg = Config()
    demo = date(2026, 11, 3)
    buckets = set()
    settled = 0
    for c in data["customers"]:
        cid = c["customer_id"]
        cust = Customer(cid, d_(c["opened_on"]), int(c["statement_day"]))
        for on in (demo, date(2026, 11, 25)):
            acct = ledger.replay(cust, txns[cid], reps[cid], defs[cid], cfg, on)
            assert not acct.warnings, (cid, acct.warnings)
            if profiles[cid].startswith("on_time"):
                assert acct.overdue.dpd == 0, (cid, profiles[cid], on)
            if on == demo and profiles[cid] == "missed":
                dpd = acct.overdue.dpd
                buckets.add(next(n for n, lo in reversed(cfg.overdue.buckets) if dpd >= lo))
        settled += sum(a.applied_as == "settle" for a in acct.allocations)
        assert len(acct.deferrals) == len(defs[cid])
    assert settled == 1
    assert buckets == {"M1", "M2", "M3", "M4", "M5", "M6", "M6+"}


def test_revolving_books_pay_minimums_and_convert(tmp_path: Path):
    """``--revolving``: minimum payers (SPEC 4.9) and conversions (SPEC 4.10) that the engine takes:
    the book validates, and with the minimum payment on, bills carry revolving balances."""
    from typer.testing import CliRunner

    from baitiao_cli.cli.app import app

    a, b, plain = tmp_path / "a", tmp_path / "b", tmp_path / "plain"
    stats = generate(a, customers=120, seed=5, revolving=0.5)
    generate(b, customers=120, seed=5, revolving=0.5)
    generate(plain, customers=120, seed=5)
    assert stats["profiles"]["minimum"] > 30 and stats["conversions"] > 3
    for name in ("customers", "transactions", "repayments", "deferrals", "conversions"):
        assert (a / f"{name}.csv").read_bytes() == (b / f"{name}.csv").read_bytes()   # deterministic
    assert not (plain / "conversions.csv").exists()
    res = CliRunner().invoke(app, ["validate", "--data-dir", str(a), "--format", "json"])
    assert res.exit_code == 0, res.stderr
    cfg = tmp_path / "minimum-on.toml"
    cfg.write_text("[minimum_payment]\nenabled = true\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["overdue-report", "--data-dir", str(a), "--config", str(cfg),
                                   "--as-of", "2026-11-20", "--format", "json"])
    assert res.exit_code == 0, res.stderr
    refused = [ln for ln in res.stderr.splitlines() if "conversion" in ln]
    assert len(refused) <= stats["conversions"] // 4, refused       # the engine takes most of them
    revolving = 0
    for day in ("2026-11-03", "2026-11-15"):
        res = CliRunner().invoke(app, ["bill", "--data-dir", str(a), "--config", str(cfg), "--as-of", day,
                                       "--format", "json"])
        assert res.exit_code == 0, res.stderr
        revolving += sum(1 for st in json.loads(res.stdout)["statements"]
                         if st["minimum_due"] != st["total_due"])
    assert revolving > 5
