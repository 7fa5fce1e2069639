"""Fuzzing the loader (issue 8 point 2): whatever the bytes, ``load_dataset`` returns or
raises DataError (never anything else), and ``skip_invalid=True`` always returns with
problems that name a file, and lines within the file."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from baitiao_cli.engine.config import Config
from baitiao_cli.errors import DataError
from baitiao_cli.io.loader import load_dataset

from loader_fixtures import BASE, CUSTOMERS, REPAYMENTS, TRANSACTIONS, write_dir

CFG = Config()
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Cells that poke at every parser: good values, near misses, quotes, separators, controls.
TRICKY = [
    "", " ", "C1", "C2", "T1", "T2", "R1", "D1", "2025-01-10", "2025-02-30", "2025-1-1", "0", "0.00",
    "-1", "1e3", "NaN", "inf", "12.345", "1,000", "100.00", "99.9", "3", "12", "5", "3.0", "0.005",
    "0.5%", "purchase", "refund", "REFUND", "settle", "normal", "x", '"', 'a"b', '"a"b', "\r", "\n",
    "\t", "\x00", "\ufeff", "张三", "京东", "=1+1", "C" * 70, "9" * 30, "\u2028", "\\", "[1]", "{}",
]
CSV_NAMES = ["customers.csv", "transactions.csv", "repayments.csv", "deferrals.csv"]


def _check(d: Path) -> None:
    try:
        r = load_dataset(d, CFG)
    except DataError as e:
        assert e.problems and any(p.severity == "error" for p in e.problems)
    else:
        assert not any(p.severity == "error" for p in r.problems)
    r = load_dataset(d, CFG, skip_invalid=True)
    for p in r.problems:
        assert p.file and p.line >= 0 and isinstance(p.message, str) and p.message
        assert p.severity in ("error", "warning")
    for name, n in r.counts.items():
        assert 0 <= r.skipped[name] <= n
    assert len(r.dataset.customers) == r.counts["customers"] - r.skipped["customers"]
    assert len(r.dataset.transactions) == r.counts["transactions"] - r.skipped["transactions"]


def _in_dir(files: dict) -> None:
    root = Path(tempfile.mkdtemp(prefix="bt-fuzz-"))
    try:
        _check(write_dir(root, files))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@FUZZ
@given(name=st.sampled_from(CSV_NAMES), data=st.binary(max_size=400))
def test_arbitrary_bytes_as_csv(name, data):
    _in_dir({name: data})


@FUZZ
@given(name=st.sampled_from(CSV_NAMES), text=st.text(max_size=300),
       enc=st.sampled_from(["utf-8", "gb18030", "utf-8-sig"]))
def test_arbitrary_text_after_a_valid_header(name, text, enc):
    header = BASE[name].split("\n", 1)[0] + "\n"
    try:
        data = (header + text).encode(enc)
    except UnicodeEncodeError:
        data = (header + text).encode("utf-8")
    _in_dir({name: data})


@FUZZ
@given(name=st.sampled_from(["customers", "transactions", "repayments"]),
       data=st.binary(max_size=300), ext=st.sampled_from(["json", "jsonl"]))
def test_arbitrary_bytes_as_json(name, data, ext):
    _in_dir({f"{name}.csv": None, f"{name}.{ext}": data})


@FUZZ
@given(name=st.sampled_from(CSV_NAMES),
       rows=st.lists(st.lists(st.sampled_from(TRICKY), min_size=0, max_size=12), max_size=6),
       newline=st.sampled_from(["\n", "\r\n", "\r", ""]))
def test_rows_of_tricky_cells(name, rows, newline):
    """Rows made of near-miss values go deep into the field parsers and cross-file checks."""
    base = BASE[name]
    body = newline.join(",".join(r) for r in rows)
    _in_dir({name: base + body})


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                         st.sampled_from(TRICKY), st.text(max_size=8))
json_values = st.recursive(json_scalars, lambda c: st.lists(c, max_size=3)
                           | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=6)


@FUZZ
@given(objs=st.lists(st.dictionaries(
    st.sampled_from(["repayment_id", "customer_id", "date", "amount", "kind", "channel", "Amount", "x"]),
    json_values, max_size=7), max_size=5), ext=st.sampled_from(["json", "jsonl"]))
def test_json_objects_with_values_of_any_type(objs, ext):
    if ext == "json":
        text = json.dumps(objs)
    else:
        text = "".join(json.dumps(o) + "\n" for o in objs)
    _in_dir({"repayments.csv": None, f"repayments.{ext}": text})


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(REPAYMENTS.encode())))
def test_journal_cut_anywhere(cut):
    """A crash mid-append leaves a prefix of the journal: always answered, never a traceback."""
    _in_dir({"repayments.csv": REPAYMENTS.encode()[:cut]})


def test_tricky_values_are_all_handled_in_one_file(tmp_path):
    """Every tricky cell in every column of every file at once."""
    files = {}
    for name in CSV_NAMES:
        header = BASE[name].split("\n", 1)[0]
        n = header.count(",") + 1
        rows = [",".join([v if "," not in v and '"' not in v else f'"{v}"' for _ in range(n)])
                for v in TRICKY if "\n" not in v and "\r" not in v]
        files[name] = header + "\n" + "\n".join(rows) + "\n"
    d = write_dir(tmp_path, files)
    _check(d)
    assert CUSTOMERS and TRANSACTIONS
