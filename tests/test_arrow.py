"""Columnar loading on pyarrow (issue 16): CSV read by pyarrow and Parquet input change nothing but the speed.

- every command's output is the same from Parquet copies of a generated book (text columns,
  and typed columns: dates, decimals, whole numbers) as from its CSV files;
- the Arrow CSV driver (``io.arrow``, used from ``loader.ARROW_FROM`` bytes on; 0 here) gives
  exactly the records and problems of the Python reader, on clean and broken rows alike;
- bad Parquet files are answered with ``file:line: field: message`` (row k on line k + 2, the
  schema on line 1) and exit 1; a GBK CSV file still reads (through the Python reader);
- ``baitiao --help`` never imports pyarrow.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.engine.config import Config
from baitiao_cli.io import loader
from baitiao_cli.io.loader import load_dataset

from loader_fixtures import BASE, write_dir
from test_loader_fastpath import REP_ROW, TXN_ROW, _same
import test_loader_bad

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.generate import generate  # noqa: E402

CFG = Config()
AS_OF = "2026-11-03"
DATASETS = ("customers", "transactions", "repayments", "deferrals")
TYPED = {"opened_on": pa.date32(), "date": pa.date32(), "statement_date": pa.date32(),
         "amount": pa.decimal128(14, 2), "installments": pa.int64(), "days": pa.int32(),
         "statement_day": pa.int8()}


def text_table(path: Path) -> pa.Table:
    """A CSV file as a table of text columns, exactly the cells ``csv.reader`` gives."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    return pa.table([pa.array([r[k] for r in body], pa.string()) for k in range(len(header))], names=header)


def typed(table: pa.Table) -> pa.Table:
    """Dates as dates, amounts as decimals, counts as integers; empty cells as nulls."""
    cols = []
    for name, col in zip(table.column_names, table.columns):
        want = TYPED.get(name)
        if want is not None:
            col = pa.array([None if v == "" else v for v in col.to_pylist()], pa.string())
            col = col.cast(pa.timestamp("s")).cast(want) if pa.types.is_date(want) else col.cast(want)
        cols.append(col)
    return pa.table(cols, names=table.column_names)


def to_parquet(src: Path, dst: Path, convert=lambda t: t) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for p in src.glob("*.csv"):
        pq.write_table(convert(text_table(p)), dst / (p.stem + ".parquet"))
    return dst


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    root = tmp_path_factory.mktemp("arrow")
    csv_dir = root / "csv"
    generate(csv_dir, customers=200, seed=11)
    return {"csv": csv_dir, "parquet": to_parquet(csv_dir, root / "pq"),
            "typed": to_parquet(csv_dir, root / "typed", typed)}


def run(d: Path, *args: str):
    return CliRunner().invoke(app, [*args, "--data-dir", str(d)])


def normalised(text: str, d: Path) -> str:
    return text.replace(str(d) + "/", "").replace(".parquet", ".csv")


COMMANDS = [
    ("validate", "--format", "json"),
    ("bill", "--as-of", AS_OF, "--format", "json"),
    ("bill", "--as-of", AS_OF, "--format", "csv"),
    ("overdue-report", "--as-of", AS_OF, "--format", "json"),
    ("score", "--as-of", AS_OF, "--format", "json"),
    ("review", "--as-of", AS_OF, "--format", "json"),
    ("bill", "--as-of", AS_OF, "--customer", "C000007", "--format", "json"),
]


@pytest.mark.parametrize("kind", ["parquet", "typed"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_parquet_input_equals_csv_input(books, kind, args):
    want, got = run(books["csv"], *args), run(books[kind], *args)
    assert want.exit_code == 0, want.stderr
    assert got.exit_code == want.exit_code, got.stderr
    assert normalised(got.stdout, books[kind]) == normalised(want.stdout, books["csv"])
    assert normalised(got.stderr, books[kind]) == normalised(want.stderr, books["csv"])


def test_bill_out_tree_from_parquet_equals_csv(books, tmp_path):
    trees = []
    for kind in ("csv", "typed"):
        out = tmp_path / kind
        r = run(books[kind], "bill", "--as-of", AS_OF, "--out", str(out), "--format", "json")
        assert r.exit_code == 0, r.stderr
        trees.append({str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] and len(trees[0]) > 3


# --- the Arrow CSV driver against the Python reader ---------------------------------------------

def load_both(d: Path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(loader, "ARROW_FROM", 0)
        fast = load_dataset(d, CFG, skip_invalid=True)
    with monkeypatch.context() as m:
        m.setattr(loader, "ARROW_FROM", 1 << 62)
        slow = load_dataset(d, CFG, skip_invalid=True)
    return fast, slow


def test_arrow_csv_equals_python_reader_on_a_book(books, monkeypatch):
    fast, slow = load_both(books["csv"], monkeypatch)
    _same(fast, slow)
    assert len(fast.dataset.transactions) > 1000


def test_arrow_jsonl_equals_python_reader_on_a_book(tmp_path, monkeypatch):
    from baitiao_cli.io import arrow
    d = tmp_path / "jsonl"
    generate(d, customers=150, seed=5, fmt="jsonl")
    opened = []
    real = arrow.open_jsonl
    monkeypatch.setattr(arrow, "open_jsonl", lambda *a: opened.append(real(*a)) or opened[-1])
    fast, slow = load_both(d, monkeypatch)
    _same(fast, slow)
    assert len(opened) == 3 and all(r is not None for r in opened)     # read by pyarrow, not handed back


def base_plus(txns: list, reps: list) -> dict:
    """name -> (header, the base file's rows and then ``txns``/``reps``) for transactions and repayments."""
    out = {}
    for name, extra in (("transactions", txns), ("repayments", reps)):
        head, *body = BASE[f"{name}.csv"].strip("\n").split("\n")
        out[name] = head.split(","), [r.split(",") for r in body] + [list(r) for r in extra]
    return out


JSON_VALUE = st.one_of(st.sampled_from(["1", "3", "-0", "1.5", "1e2", "null", "true", "[1]", '"\\ud800"', '""']),
                       st.integers(-3, 30).map(str))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(txns=st.lists(TXN_ROW, max_size=10), reps=st.lists(REP_ROW, max_size=10),
       odd=st.lists(st.tuples(st.integers(0, 14), st.sampled_from(["installments", "amount", "kind", "Amount", "x"]),
                              JSON_VALUE), max_size=3),
       drop=st.sampled_from([None, "merchant", "fee_rate", "channel"]), blank=st.booleans())
def test_arrow_jsonl_equals_python_reader(monkeypatch, txns, reps, odd, drop, blank):
    """JSON Lines through pyarrow (or handed back to the Python reader: numbers that are not whole,
    -0, null, true, lists, lone surrogates, keys not in their normal form, blank lines): the
    same records and problems as the Python reader."""
    root = Path(tempfile.mkdtemp(prefix="bt-arrow-jsonl-"))
    try:
        files = {}
        for name, (header, all_rows) in base_plus(txns, reps).items():
            lines = []
            for k, r in enumerate(all_rows):
                obj = {h: json.dumps(v, ensure_ascii=False) for h, v in zip(header, r) if h != drop}
                for at, key, value in odd:
                    if at == k:
                        obj[key] = value
                lines.append("{" + ", ".join(f'"{h}": {v}' for h, v in obj.items()) + "}\n")
            if blank:
                lines.insert(len(lines) // 2, "\n")
            files[f"{name}.csv"] = None
            files[f"{name}.jsonl"] = "".join(lines)
        _same(*load_both(write_dir(root, files), monkeypatch))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_arrow_driver_is_used(tmp_path, monkeypatch):
    from baitiao_cli.io import arrow
    calls = []
    real = arrow.run_arrow
    monkeypatch.setattr(arrow, "run_arrow", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(loader, "ARROW_FROM", 0)
    load_dataset(write_dir(tmp_path), CFG)
    assert len(calls) == 2          # transactions and repayments


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(txns=st.lists(TXN_ROW, max_size=14), reps=st.lists(REP_ROW, max_size=14),
       fmt=st.sampled_from(["csv", "parquet"]))
def test_arrow_equals_row_driver(monkeypatch, txns, reps, fmt):
    """Broken rows among clean ones (bad ids, dates, amounts, refunds, duplicates, unknown
    customers): the Arrow driver words exactly what the row driver words. For Parquet, the
    same rows written as a Parquet file give the CSV file's records and problems."""
    root = Path(tempfile.mkdtemp(prefix="bt-arrow-"))
    try:
        d = write_dir(root, {f"{name}.csv": "".join(",".join(r) + "\n" for r in [header, *rows])
                             for name, (header, rows) in base_plus(txns, reps).items()})
        if fmt == "csv":
            _same(*load_both(d, monkeypatch))
            return
        q = Path(tempfile.mkdtemp(prefix="bt-arrow-pq-"))
        try:
            for name in ("transactions", "repayments"):
                pq.write_table(text_table(d / f"{name}.csv"), q / f"{name}.parquet")
            for name in ("customers", "deferrals"):
                shutil.copy(d / f"{name}.csv", q)
            got = load_dataset(q, CFG, skip_invalid=True)
            want = load_dataset(d, CFG, skip_invalid=True)
            assert got.dataset == want.dataset
            assert [normalised(str(p), q) for p in got.problems] == [normalised(str(p), d) for p in want.problems]
        finally:
            shutil.rmtree(q, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_gbk_csv_still_reads(tmp_path, monkeypatch):
    monkeypatch.setattr(loader, "ARROW_FROM", 0)
    d = write_dir(tmp_path, {"transactions.csv": BASE["transactions.csv"].encode("gbk")})
    r = load_dataset(d, CFG)
    assert [t.merchant for t in r.dataset.transactions][:2] == ["京东", "京东"]
    monkeypatch.setattr(loader, "ARROW_FROM", 1 << 62)
    assert load_dataset(d, CFG).dataset == r.dataset


# --- bad Parquet files -------------------------------------------------------------------------

def parquet_dir(tmp_path: Path, table: pa.Table, name: str = "transactions") -> Path:
    d = write_dir(tmp_path, {f"{name}.csv": None})
    pq.write_table(table, d / f"{name}.parquet")
    return d


def base_table(name: str = "transactions") -> pa.Table:
    d = Path(tempfile.mkdtemp(prefix="bt-arrow-base-"))
    try:
        return text_table(write_dir(d) / f"{name}.csv")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def validate_fails(d: Path, *expected: str):
    r = CliRunner().invoke(app, ["validate", "--data-dir", str(d), "--format", "json"])
    assert "Traceback" not in r.stdout + r.stderr
    assert r.exit_code == 1, r.stderr
    for want in expected:
        assert any(line.startswith(f"error: {d}/{want}") for line in r.stderr.splitlines()), (want, r.stderr)
    return json.loads(r.stdout)


def test_parquet_wrong_type_column(tmp_path):
    t = base_table()
    k = t.column_names.index("amount")
    t = t.set_column(k, "amount", pa.array([1000.0, 200.0, 99.9, 1200.0], pa.float64()))
    validate_fails(parquet_dir(tmp_path, t),
                   "transactions.parquet:1: amount: a Parquet column of type double cannot be read")


def test_parquet_missing_required_column(tmp_path):
    t = base_table()
    t = t.drop_columns(["date"])
    validate_fails(parquet_dir(tmp_path, t),
                   "transactions.parquet:1: date: required column is missing from the Parquet file")


def test_parquet_null_in_required_column(tmp_path):
    t = base_table()
    k = t.column_names.index("amount")
    t = t.set_column(k, "amount", pa.array(["1000.00", "200.00", None, "1200.00"], pa.string()))
    out = validate_fails(parquet_dir(tmp_path, t), "transactions.parquet:4: amount: missing required value")
    assert out["errors"] == 1


def test_parquet_bad_value_and_line_numbers(tmp_path):
    """Row k (0-based) is reported on line k + 2, as the CSV file it was exported from would be."""
    t = base_table("repayments")
    k = t.column_names.index("date")
    t = t.set_column(k, "date", pa.array(["2025-02-12", "2025-02-30"], pa.string()))
    validate_fails(parquet_dir(tmp_path, t, "repayments"), "repayments.parquet:3: date: impossible date")


def test_parquet_decimal_with_more_places(tmp_path):
    """A decimal(18, 4) amount of whole fen reads as its 2-decimal value; one with a digit more is refused."""
    t = base_table("repayments")
    k = t.column_names.index("amount")
    good = t.set_column(k, "amount", pa.array([Decimal("106.0000"), Decimal("50.0000")], pa.decimal128(18, 4)))
    r = load_dataset(parquet_dir(tmp_path / "a", good, "repayments"), CFG)
    assert [str(x.amount) for x in r.dataset.repayments] == ["106.00", "50.00"]
    bad = t.set_column(k, "amount", pa.array([Decimal("106.0050"), Decimal("50.0000")], pa.decimal128(18, 4)))
    validate_fails(parquet_dir(tmp_path / "b", bad, "repayments"),
                   "repayments.parquet:2: amount: more than 2 decimal places")


def test_not_a_parquet_file(tmp_path):
    d = write_dir(tmp_path, {"transactions.csv": None, "transactions.parquet": b"PAR1 not really"})
    validate_fails(d, "transactions.parquet: cannot read the Parquet file")


def test_two_formats_of_one_dataset_are_refused(tmp_path):
    d = write_dir(tmp_path)
    pq.write_table(base_table(), d / "transactions.parquet")
    validate_fails(d, "transactions.csv: both transactions.csv and transactions.parquet exist")


def test_a_parquet_journal_is_not_appended_to(tmp_path):
    d = write_dir(tmp_path, {"repayments.csv": None})
    pq.write_table(base_table("repayments"), d / "repayments.parquet")
    r = CliRunner().invoke(app, ["repay", "--data-dir", str(d), "--customer", "C1", "--amount", "10.00",
                                 "--date", "2025-03-01", "--ref", "R9"])
    assert r.exit_code == 1, r.stderr
    assert "a Parquet file cannot be appended to" in r.stderr and "Traceback" not in r.stderr


# --- a sample of the bad-input corpus on Parquet copies ----------------------------------------

def _parquet_cases():
    """The cases of ``test_loader_bad`` whose CSV files are plain tables (no quote, no blank or
    short line): each such file can be written as Parquet and must give the same problems."""
    out = []
    for p in test_loader_bad.CASES:
        files, expected, code = p.values
        texts = {n: v for n, v in files.items() if v is not None}
        if not texts or not all(isinstance(v, str) and n.endswith(".csv") for n, v in texts.items()):
            continue
        if any('"' in v or "\n\n" in v or "\r" in v or not v.endswith("\n") for v in texts.values()):
            continue
        widths = [{len(r) for r in csv.reader(io.StringIO(v))} for v in texts.values()]
        if all(len(w) == 1 for w in widths):
            out.append(pytest.param(files, code, id=p.id))
    return out


@pytest.mark.parametrize("files, code", _parquet_cases())
def test_bad_input_corpus_on_parquet(tmp_path, files, code):
    d = write_dir(tmp_path / "csv", files)
    q = tmp_path / "pq"
    q.mkdir()
    names = [n for n in files if files[n] is not None and n.endswith(".csv")]
    for p in d.iterdir():
        if p.name in names and p.stem in loader.DATASETS:
            pq.write_table(text_table(p), q / (p.stem + ".parquet"))
        else:
            shutil.copy(p, q)
    want = CliRunner().invoke(app, ["validate", "--data-dir", str(d), "--format", "json"])
    got = CliRunner().invoke(app, ["validate", "--data-dir", str(q), "--format", "json"])
    assert got.exit_code == want.exit_code == code
    same = lambda text: normalised(text, q).replace("from the Parquet file", "from the header")  # noqa: E731
    assert same(got.stderr) == normalised(want.stderr, d)
    assert same(got.stdout) == normalised(want.stdout, d)


def test_corpus_sample_is_not_empty():
    assert len(_parquet_cases()) >= 20


# --- start-up ----------------------------------------------------------------------------------

def test_help_and_quote_do_not_import_pyarrow():
    code = ("import sys; from typer.testing import CliRunner; from baitiao_cli.cli.app import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0; "
            "r = CliRunner().invoke(app, ['quote', '--amount', '1200', '--terms', '3']); "
            "print(r.exit_code, 'pyarrow' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.stdout.split()[-1] == "False", r.stdout + r.stderr


def test_a_jsonl_line_that_is_no_object_never_reaches_pyarrow(tmp_path):
    """pyarrow 26 crashes (SIGSEGV) on a JSON Lines line such as ``null``: the file goes to the
    Python reader, which words it. In a subprocess, so that a crash fails this test alone."""
    d = write_dir(tmp_path, {"repayments.csv": None,
                             "repayments.jsonl": '{"repayment_id": "R1", "customer_id": "C1", "date": "2025-02-12", '
                                                 '"amount": "106.00"}\nnull\n'})
    code = ("import sys; from typer.testing import CliRunner; from baitiao_cli.cli.app import app; "
            f"r = CliRunner().invoke(app, ['validate', '--data-dir', {str(d)!r}]); "
            "sys.stdout.write(r.stderr); sys.exit(r.exit_code)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "BAITIAO_ARROW_FROM": "0"})
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"error: {d}/repayments.jsonl:2: each line must be a JSON object" in r.stdout
