"""Property-based tests over generated portfolios (issue 8 point 2).

``test_properties_ledger.py`` draws single accounts record by record; here whole books come
from the project's generator (``benchmarks.generate``) with hypothesis-drawn seeds, sizes,
dates and config variants, go through the real loader and the real CLI, and must keep:

- **the engine's money identities** on every account (derived from the ``Account`` fields of
  docs/engine.md). With ``R`` the repayments applied, ``RC`` the refunds that became credit
  (``PurchaseSummary.refunded_to_credit_fen``), ``CU`` the automatic uses of the credit
  balance (``Account.credit_uses``) and ``lines(x)`` the allocation lines of component x over
  repayments *and* credit uses:

      every allocation (repayment or credit use) = the sum of its lines, each line > 0
      lines(principal) = sum of Item.principal_paid      lines(fee) = sum of Item.fee_paid
      lines(late_fee)  = late_fees.paid                  credit uses have no credit line
      credit_balance   = lines(credit) of the repayments + RC - CU
  hence  R + RC = principal paid + fees paid + late fees paid + credit balance
  (the "credit used" is inside the principal/fees/late fees paid: CU moves money from the
  credit balance to them). Also: billed + unbilled principal of a purchase = its amount less
  refunds (plus what a refund sent to credit), nothing owed or paid is negative, statements
  never show a negative total, the payoff is never negative;
- **determinism under row shuffling**: every input file shuffled (journals keep the order of a
  customer's same-day records, which SPEC 4.5 makes meaningful), and CSV or JSON Lines per
  file: ``bill --format json`` and ``overdue-report --format json`` give the same bytes;
- **sharded runs equal the single run** (``--shard K/N`` union, ``--jobs N`` byte for byte);
- **fuzzing every loader** not already fuzzed by ``test_loader_fuzz.py``: deferrals as
  JSON/JSONL bytes, JSON records of any type in every dataset, the labelled tables of
  ``train``/``score --features`` (``io.table``), model files (``io.modelfile``, also through
  ``score --model``), the config (``io.config``), and arbitrary rows through the CLI: the
  answer is a result or a ``BaitiaoError`` (exit 0/1/2), never anything else.

Sizes are small and ``max_examples`` modest: the whole file runs in well under a minute.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baitiao_cli.engine.account import CREDIT  # noqa: E402
from baitiao_cli.engine.config import Config  # noqa: E402
from baitiao_cli.engine.ledger import payoff_fen, replay_all  # noqa: E402
from baitiao_cli.errors import BaitiaoError, ConfigError, DataError  # noqa: E402
from baitiao_cli.io.loader import load_dataset  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from ledger_helpers import config as make_config  # noqa: E402
from trust_helpers import invoke, write_book  # noqa: E402

START = date(2025, 6, 1)
SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


def fresh_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))


@st.composite
def books(draw, max_customers: int = 12):
    """A generated book: (folder, the generator's as-of)."""
    seed = draw(st.integers(0, 2**31 - 1))
    n = draw(st.integers(2, max_customers))
    ppc = draw(st.integers(1, 8))
    span = draw(st.integers(90, 500))
    as_of = START + timedelta(days=span)
    d = fresh_dir("bt-book-")
    generate(d, customers=n, seed=seed, start=START, as_of=as_of, purchases_per_customer=ppc)
    return d, as_of


# =================================================================================================
# The engine's invariants over whole generated books, through the real loader
# =================================================================================================

def check_account(acct) -> None:
    allocs, uses = acct.allocations, acct.credit_uses
    lines: dict = {}
    for a in allocs + uses:
        assert a.amount_fen > 0
        assert sum(ln.amount_fen for ln in a.lines) == a.amount_fen, a     # each = its allocation lines
        for ln in a.lines:
            assert ln.amount_fen > 0
            lines[ln.component] = lines.get(ln.component, 0) + ln.amount_fen
    assert not any(ln.component == CREDIT for a in uses for ln in a.lines)  # a credit use is not credit again
    credit_lines = sum(ln.amount_fen for a in allocs for ln in a.lines if ln.component == CREDIT)
    items = acct.items
    principal_paid = sum(i.principal_paid_fen for i in items)
    fees_paid = sum(i.fee_paid_fen for i in items)
    lf = acct.late_fees
    assert lines.get("principal", 0) == principal_paid
    assert lines.get("fee", 0) == fees_paid
    assert lines.get("late_fee", 0) == lf.paid_fen
    repaid = sum(a.amount_fen for a in allocs)
    refund_credit = sum(p.refunded_to_credit_fen for p in acct.purchases)
    credit_used = sum(a.amount_fen for a in uses)
    assert acct.credit_balance_fen == credit_lines + refund_credit - credit_used
    # total paid in = principal paid + fees paid + late fees paid + credit balance
    assert repaid + refund_credit == principal_paid + fees_paid + lf.paid_fen + acct.credit_balance_fen
    # principals sum to the purchase less refunds (what a refund could not take off went to credit)
    for p in acct.purchases:
        billed = sum(i.principal_fen - i.principal_refunded_fen for i in items if i.txn_id == p.txn_id
                     and i.kind != "deferral_fee")
        unbilled = sum(s.principal_fen for s in acct.scheduled if s.txn_id == p.txn_id)
        assert billed + unbilled == p.amount_fen - p.refunded_fen + p.refunded_to_credit_fen
        assert 0 <= p.refunded_to_credit_fen <= p.refunded_fen <= p.amount_fen
    # nothing negative
    for i in items:
        assert min(i.principal_fen, i.fee_fen, i.principal_paid_fen, i.fee_paid_fen, i.principal_refunded_fen,
                   i.outstanding_principal_fen, i.outstanding_fee_fen) >= 0
        assert i.principal_paid_fen + i.principal_refunded_fen <= i.principal_fen
        assert i.fee_paid_fen <= i.fee_fen
    for s in acct.scheduled:
        assert s.principal_fen >= 0 and s.fee_fen >= 0
    assert acct.credit_balance_fen >= 0 and acct.total_due_fen >= 0
    assert 0 <= lf.paid_fen <= lf.posted_fen and lf.owed_fen >= 0
    assert acct.unbilled_principal_fen >= 0 and acct.unbilled_fee_fen >= 0
    for st_ in acct.statements:
        assert st_.total_due_fen >= 0 and st_.credit_balance_fen >= 0 and st_.late_fee_unpaid_fen >= 0
    od = acct.overdue
    assert od.dpd >= 0 and od.overdue_amount_fen >= 0 and od.total_owed_fen >= 0
    assert payoff_fen(acct) >= 0


@settings(max_examples=25, deadline=None, suppress_health_check=SLOW)
@given(book=books(), back=st.integers(0, 400), grace=st.sampled_from([0, 3]),
       policy=st.sampled_from(["all_remaining", "current_period", "none"]),
       cap=st.sampled_from([None, None, "0.3"]), rounding=st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN"]))
def test_money_identities_hold_on_every_account_of_a_generated_book(book, back, grace, policy, cap, rounding):
    d, gen_as_of = book
    try:
        cfg = make_config(grace=grace, policy=policy, cap=cap, rounding=rounding)
        ds = load_dataset(d, cfg).dataset
        as_of = max(START, gen_as_of - timedelta(days=back))
        n = 0
        for acct in replay_all(ds, cfg, as_of, statements="all"):
            check_account(acct)
            n += 1
        assert n == len(ds.customers)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# =================================================================================================
# Deterministic under row shuffling (and under the file format), through the CLI
# =================================================================================================

def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def shuffle_keeping_journal_order(rows: list, rnd: random.Random, key) -> list:
    """A random permutation of ``rows`` in which rows with the same ``key`` keep their order."""
    slots = list(range(len(rows)))
    rnd.shuffle(slots)
    groups: dict = {}
    for i, r in enumerate(rows):
        groups.setdefault(key(r) if key else i, []).append(i)
    out: list = [None] * len(rows)
    # each group's rows go to the group's shuffled slots, in their original order
    slot_of_row = {i: slots[i] for i in range(len(rows))}
    for members in groups.values():
        for i, slot in zip(members, sorted(slot_of_row[i] for i in members)):
            out[slot] = rows[i]
    return out


def write_variant(src: Path, dst: Path, rnd: random.Random, formats: dict) -> None:
    dst.mkdir(parents=True)
    for name in ("customers", "transactions", "repayments", "deferrals"):
        header, rows = read_rows(src / f"{name}.csv")
        if name in ("repayments", "deferrals"):
            ci, di = header.index("customer_id"), header.index("date")
            rows = shuffle_keeping_journal_order(rows, rnd, lambda r: (r[ci], r[di]))
        else:
            rows = shuffle_keeping_journal_order(rows, rnd, None)
        if formats[name] == "jsonl":
            with open(dst / f"{name}.jsonl", "w", encoding="utf-8") as f:
                for r in rows:
                    f.write(json.dumps(dict(zip(header, r)), ensure_ascii=False) + "\n")
        else:
            with open(dst / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
                csv.writer(f, lineterminator="\n").writerows([header, *rows])


def statement_dates(d: Path, gen_as_of: date) -> list[date]:
    """A few dates on which somebody has a statement (their statement day in the book's last months)."""
    _h, rows = read_rows(d / "customers.csv")
    days = sorted({int(r[5]) for r in rows if r[5]})
    out = []
    for k in range(1, 4):
        m = gen_as_of.replace(day=1) - timedelta(days=28 * k)
        out += [m.replace(day=s) for s in days]
    return out


def run_json(d: Path, *args: str) -> str:
    r = invoke([args[0], "--data-dir", str(d), *args[1:], "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return r.stdout


@settings(max_examples=10, deadline=None, suppress_health_check=SLOW)
@given(book=books(max_customers=20), rnd=st.randoms(use_true_random=False), data=st.data())
def test_output_is_the_same_whatever_the_row_order_and_file_format(book, rnd, data, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    d, gen_as_of = book
    other = fresh_dir("bt-shuffled-")
    try:
        formats = {n: data.draw(st.sampled_from(["csv", "csv", "jsonl"]), label=n)
                   for n in ("customers", "transactions", "repayments", "deferrals")}
        write_variant(d, other / "data", rnd, formats)
        bill_day = data.draw(st.sampled_from(statement_dates(d, gen_as_of)), label="bill day")
        as_of = gen_as_of - timedelta(days=data.draw(st.integers(0, 120), label="days back"))
        for args in (("bill", "--as-of", bill_day.isoformat()),
                     ("overdue-report", "--as-of", as_of.isoformat(), "--compare",
                      (as_of - timedelta(days=30)).isoformat()),
                     ("score", "--as-of", as_of.isoformat())):
            out = run_json(d, *args)
            assert out == run_json(other / "data", *args), args
            doc = json.loads(out)
            n = len(doc.get("statements", doc.get("accounts", doc.get("customers", []))))
            event(f"{args[0]}: {'none' if not n else 'some'}")
    finally:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(other, ignore_errors=True)


def test_the_shuffle_keeps_same_day_journal_order():
    rows = [["R1", "C1", "d1"], ["R2", "C1", "d1"], ["R3", "C2", "d1"], ["R4", "C1", "d2"], ["R5", "C1", "d1"]]
    for seed in range(50):
        out = shuffle_keeping_journal_order(rows, random.Random(seed), lambda r: (r[1], r[2]))
        assert sorted(map(tuple, out)) == sorted(map(tuple, rows))
        same = [r[0] for r in out if r[1:] == ["C1", "d1"]]
        assert same == ["R1", "R2", "R5"]


# =================================================================================================
# Sharded runs equal the single run (issue 7's --shard/--jobs)
# =================================================================================================

@settings(max_examples=6, deadline=None, suppress_health_check=SLOW)
@given(book=books(max_customers=40), n=st.integers(2, 5), jobs=st.integers(2, 3), data=st.data())
def test_sharded_runs_equal_the_single_run(book, n, jobs, data, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    d, gen_as_of = book
    try:
        bill_day = data.draw(st.sampled_from(statement_dates(d, gen_as_of)), label="bill day").isoformat()
        as_of = (gen_as_of - timedelta(days=data.draw(st.integers(0, 90), label="days back"))).isoformat()
        single_bill = run_json(d, "bill", "--as-of", bill_day)
        single_od = run_json(d, "overdue-report", "--as-of", as_of)
        statements, accounts, total = [], [], 0
        for k in range(1, n + 1):
            statements += json.loads(run_json(d, "bill", "--as-of", bill_day, "--shard", f"{k}/{n}"))["statements"]
            part = json.loads(run_json(d, "overdue-report", "--as-of", as_of, "--shard", f"{k}/{n}"))
            accounts += part["accounts"]
            total += part["summary"]["accounts_total"]
        assert sorted(statements, key=lambda s: s["customer_id"]) == json.loads(single_bill)["statements"]
        single_accounts = json.loads(single_od)["accounts"]
        assert sorted(accounts, key=lambda a: a["customer_id"]) == sorted(single_accounts, key=lambda a: a["customer_id"])
        assert total == json.loads(single_od)["summary"]["accounts_total"]
        event(f"statements: {'some' if statements else 'none'}; overdue: {'some' if accounts else 'none'}")
        assert run_json(d, "bill", "--as-of", bill_day, "--jobs", str(jobs)) == single_bill
        assert run_json(d, "overdue-report", "--as-of", as_of, "--jobs", str(jobs)) == single_od
    finally:
        shutil.rmtree(d, ignore_errors=True)


# =================================================================================================
# Fuzzing the loaders test_loader_fuzz.py does not reach
# =================================================================================================

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=SLOW)
CFG = Config()

TRICKY = ["", " ", "C1", "C2", "T1", "R1", "D1", "2026-01-10", "2026-02-30", "0", "-1", "1e3", "NaN", "12.345",
          "1,000", "100.00", "3", "12", "31", "purchase", "refund", "normal", "settle", '"', 'a"b', "\r", "\t",
          "\x00", "\ufeff", "张三", "=1+1", "C" * 70, "9" * 30, "../x", "true", "null", "[1]", "{}"]
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                         st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(TRICKY), st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c,
                                                                                           max_size=3), max_leaves=6)
COLUMNS = {
    "customers": ["customer_id", "name", "phone", "id_number", "opened_on", "statement_day", "monthly_income",
                  "credit_limit", "x"],
    "transactions": ["txn_id", "customer_id", "date", "amount", "type", "installments", "fee_rate", "ref_txn_id", "x"],
    "repayments": ["repayment_id", "customer_id", "date", "amount", "kind", "channel"],
    "deferrals": ["deferral_id", "customer_id", "statement_date", "date", "days", "x"],
}


def _load_never_crashes(d: Path) -> None:
    try:
        load_dataset(d, CFG)
    except DataError as e:
        assert e.problems
    r = load_dataset(d, CFG, skip_invalid=True)
    for p in r.problems:
        assert p.file and p.line >= 0 and p.message and p.severity in ("error", "warning")


def _with_loader_book(files: dict) -> None:
    from loader_fixtures import write_dir

    root = fresh_dir("bt-fuzz-")
    try:
        _load_never_crashes(write_dir(root, files))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(data=st.binary(max_size=300), ext=st.sampled_from(["json", "jsonl"]))
def test_deferrals_as_arbitrary_json_bytes(data, ext):
    _with_loader_book({"deferrals.csv": None, f"deferrals.{ext}": data})


@FUZZ
@given(name=st.sampled_from(["customers", "transactions", "deferrals"]), ext=st.sampled_from(["json", "jsonl"]),
       data=st.data())
def test_json_records_with_values_of_any_type_in_every_dataset(name, ext, data):
    objs = data.draw(st.lists(st.dictionaries(st.sampled_from(COLUMNS[name]), json_values, max_size=8), max_size=5))
    try:
        text = json.dumps(objs) if ext == "json" else "".join(json.dumps(o) + "\n" for o in objs)
    except ValueError:
        assume(False)
    _with_loader_book({f"{name}.csv": None, f"{name}.{ext}": text})


@FUZZ
@given(data=st.binary(max_size=300), enc=st.sampled_from(["gbk", "gb18030", "utf-8-sig"]),
       text=st.text(max_size=120), name=st.sampled_from(["customers.csv", "transactions.csv"]))
def test_gbk_and_bom_text_after_a_valid_header(data, enc, text, name):
    from loader_fixtures import BASE

    header = BASE[name].split("\n", 1)[0] + "\n"
    try:
        raw = (header + text).encode(enc)
    except UnicodeEncodeError:
        raw = header.encode(enc) + data
    _with_loader_book({name: raw})


# --- io.table: the labelled tables of `train --features` and `score --features` -----------------

def _table_never_crashes(path: Path) -> None:
    from baitiao_cli.io.table import binary_target, detect_kind, load_table, numeric_values

    try:
        t = load_table(path)
    except BaitiaoError:
        return
    for c in t.columns:
        detect_kind(t.cells[c])
        try:
            numeric_values(t, c)
        except BaitiaoError:
            pass
    if t.columns:
        try:
            binary_target(t, t.columns[-1])
        except BaitiaoError:
            pass


@FUZZ
@given(data=st.binary(max_size=400), ext=st.sampled_from(["csv", "json", "jsonl"]))
def test_labelled_table_from_arbitrary_bytes(data, ext):
    root = fresh_dir("bt-table-")
    try:
        p = root / f"t.{ext}"
        p.write_bytes(data)
        _table_never_crashes(p)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(rows=st.lists(st.lists(st.sampled_from(TRICKY + ["1", "0", "bad", "good", "-0.5", "1e400"]), min_size=1,
                              max_size=5), min_size=1, max_size=8),
       ext=st.sampled_from(["csv", "json", "jsonl"]))
def test_labelled_table_of_tricky_rows(rows, ext):
    root = fresh_dir("bt-table-")
    try:
        p = root / f"t.{ext}"
        header, body = rows[0], rows[1:]
        if ext == "csv":
            p.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8", errors="surrogatepass")
        else:
            objs = [dict(zip(header, r)) for r in body]
            p.write_text(json.dumps(objs) if ext == "json" else "".join(json.dumps(o) + "\n" for o in objs),
                         encoding="utf-8")
        _table_never_crashes(p)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- model files (io.modelfile), also through `score --model` ------------------------------------

MODEL = json.loads((ROOT / "baitiao_cli" / "data" / "default_model.json").read_text(encoding="utf-8"))


@st.composite
def mutated_models(draw):
    """The shipped model with one value somewhere in its tree replaced by anything."""
    doc = json.loads(json.dumps(MODEL))
    node, path = doc, []
    while isinstance(node, (dict, list)) and node and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
        path.append(key)
        node = node[key]
    value = draw(json_values | st.sampled_from([-1e308, 1e308, 0, -0.0, 1e-320, "", [], {}]))
    if not path:
        return value if draw(st.booleans()) else doc
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if draw(st.integers(0, 4)) == 0 and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@pytest.fixture(scope="module")
def small_book(tmp_path_factory) -> Path:
    return write_book(tmp_path_factory.mktemp("small"))


@settings(max_examples=80, deadline=None, suppress_health_check=SLOW)
@given(doc=mutated_models())
def test_a_damaged_model_file_is_refused_or_used_never_a_crash(doc, small_book, tmp_path_factory):
    from baitiao_cli.io.modelfile import read_model

    root = tmp_path_factory.mktemp("model")
    p = root / "m.json"
    try:
        p.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    except ValueError:
        assume(False)
    try:
        read_model(p)
    except DataError as e:
        assert e.problems and str(p) in str(e.problems[0])
    r = invoke(["score", "--data-dir", str(small_book), "--as-of", "2026-03-05", "--model", str(p),
                "--format", "json"])
    assert r.exit_code in (0, 1), r.stderr
    assert "internal error" not in r.stderr, r.stderr
    if r.exit_code == 1:
        assert r.stdout == "" and r.stderr.startswith("error: ")


@pytest.mark.parametrize("change, named", [
    (lambda m: m.update(excluded=[None]), "excluded[0]: expected an object"),          # was a TypeError
    (lambda m: m.update(intercept=-1e308), "intercept: -1e+308 is not a plausible"),    # was a Decimal overflow
    (lambda m: m["features"][0].update(coefficient=1e300), "features[0].coefficient"),
    (lambda m: m["features"][0]["bins"][0].update(woe=-1e12), "features[0].bins[0].woe"),
])
def test_damaged_models_found_by_the_fuzzer_are_refused_naming_the_key(small_book, tmp_path, change, named):
    doc = json.loads(json.dumps(MODEL))
    change(doc)
    p = tmp_path / "m.json"
    p.write_text(json.dumps(doc), encoding="utf-8")
    r = invoke(["score", "--data-dir", str(small_book), "--as-of", "2026-03-05", "--model", str(p)])
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr.startswith(f"error: {p}: not a usable model file: ") and named in r.stderr, r.stderr


@FUZZ
@given(data=st.binary(max_size=200))
def test_model_file_of_arbitrary_bytes(data):
    from baitiao_cli.io.modelfile import read_model

    root = fresh_dir("bt-model-")
    try:
        p = root / "m.json"
        p.write_bytes(data)
        try:
            read_model(p)
        except DataError:
            pass
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the config ------------------------------------------------------------------------------------

SECTIONS = {
    "data": ["dir"], "billing": ["statement_day", "due_days", "grace_days", "rounding", "timezone"],
    "installments": ["terms", "early_settlement_fees"], "pricing": ["fee_rates", "apr_cap", "enforce_cap"],
    "late_fee": ["daily_rate", "cap_ratio"], "deferral": ["max_days", "fee_rate"],
    "overdue": ["buckets", "actions", "freeze_from_day"], "ecl": ["lgd", "pd_stage1", "pd_stage2"],
    "scoring": ["base_score", "base_odds", "pdo", "income_multiple", "limit_step", "model", "grades"],
}
toml_scalars = st.one_of(st.integers(min_value=-10**30, max_value=10**30), st.booleans(), st.text(max_size=10),
                         st.decimals(allow_nan=True, allow_infinity=True, places=None),
                         st.sampled_from(["0.005", "-1", "1e3", "NaN", "ROUND_HALF_UP", "Asia/Shanghai", "none",
                                          "all_remaining", "", "3", "M1", date(2026, 1, 1)]))
toml_values = st.recursive(toml_scalars, lambda c: st.lists(c, max_size=4) | st.dictionaries(
    st.sampled_from(["3", "6", "12", "M1", "name", "from_day", "cutoff", "limit", "terms", "fee_rate", "x"]), c,
    max_size=4), max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(raw=st.dictionaries(st.sampled_from(sorted(SECTIONS) + ["bogus"]), st.data(), max_size=4))
def test_any_config_mapping_gives_a_config_or_a_config_error(raw):
    from baitiao_cli.io.config import build_config, build_scoring

    doc = {}
    for section, data in raw.items():
        keys = SECTIONS.get(section, ["x"]) + ["typo"]
        doc[section] = data.draw(st.dictionaries(st.sampled_from(keys), toml_values, max_size=4), label=section)
    try:
        cfg = build_config(doc)
        build_scoring(doc.get("scoring", {}), cfg.installments.terms)
    except ConfigError as e:
        assert str(e)


REPO_CONFIG = (ROOT / "config.toml").read_text(encoding="utf-8")


@settings(max_examples=150, deadline=None, suppress_health_check=SLOW)
@given(data=st.data())
def test_the_repo_config_with_one_value_changed_gives_a_config_or_a_config_error(data):
    """Deeper than random mappings: every other key stays valid, so the changed one is reached."""
    from baitiao_cli.io.config import build_config, build_scoring, parse_config_text

    doc = parse_config_text(REPO_CONFIG)
    section = data.draw(st.sampled_from(sorted(doc)), label="section")
    node = doc[section]
    key = data.draw(st.sampled_from(sorted(node)), label="key")
    if isinstance(node[key], (dict, list)) and node[key] and data.draw(st.booleans(), label="deeper"):
        inner = node[key]
        k2 = data.draw(st.sampled_from(sorted(inner) if isinstance(inner, dict) else list(range(len(inner)))),
                       label="inner key")
        inner[k2] = data.draw(toml_values, label="value")
    else:
        node[key] = data.draw(toml_values, label="value")
    try:
        cfg = build_config(doc)
        build_scoring(doc.get("scoring", {}), cfg.installments.terms)
    except ConfigError as e:
        assert str(e)


@FUZZ
@given(text=st.text(max_size=200))
def test_any_config_text_gives_a_config_or_a_config_error(text):
    from baitiao_cli.io.config import build_config, parse_config_text

    try:
        build_config(parse_config_text(text))
    except ConfigError as e:
        assert str(e)


# --- arbitrary rows through the CLI: exit 0/1, never a traceback -----------------------------------

@settings(max_examples=30, deadline=None, suppress_health_check=SLOW)
@given(name=st.sampled_from(["customers.csv", "transactions.csv", "repayments.csv", "deferrals.csv"]),
       rows=st.lists(st.lists(st.sampled_from(TRICKY), min_size=1, max_size=10), min_size=1, max_size=4),
       command=st.sampled_from(["validate", "bill", "overdue-report", "score", "repay"]))
def test_arbitrary_rows_through_every_command(name, rows, command, tmp_path_factory):
    from trust_helpers import FILES

    root = tmp_path_factory.mktemp("cli-fuzz")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    body = buf.getvalue()
    d = write_book(root, {name: FILES[name] + body})
    args = {"validate": ["validate"], "bill": ["bill", "--as-of", "2026-03-03"],
            "overdue-report": ["overdue-report", "--as-of", "2026-03-05"], "score": ["score", "--as-of", "2026-03-05"],
            "repay": ["repay", "--customer", "C1", "--amount", "1.00", "--date", "2026-03-05", "--ref", "F1",
                      "--as-of", "2026-03-05", "--dry-run"]}[command]
    r = invoke([args[0], "--data-dir", str(d), *args[1:], "--format", "json"])
    assert r.exit_code in (0, 1), r.stderr
    assert "internal error" not in r.stderr, r.stderr
    if r.exit_code == 1 and command != "validate":
        assert r.stdout == ""
