"""The column driver (io.columns) must change nothing but the speed.

Plain CSV customers, transactions and repayments are checked a chunk of lines at a time, column by
column; a chunk that is not clean goes to the row loop. Whatever the rows, loading with the
fast path must give exactly the records and problems of the row loop alone.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from baitiao_cli.engine.config import Config
from baitiao_cli.io import columns as validate
from baitiao_cli.io.loader import load_dataset

from loader_fixtures import BASE, write_dir

CFG = Config()


def _load_both(d: Path, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(validate, "CHUNK", 3)          # several chunks, some clean, some not
        fast = load_dataset(d, CFG, skip_invalid=True)
    with monkeypatch.context() as m:
        m.setattr(validate, "bulk_customers", lambda *a: False)
        m.setattr(validate, "bulk_transactions", lambda *a: False)
        m.setattr(validate, "bulk_repayments", lambda *a: False)
        slow = load_dataset(d, CFG, skip_invalid=True)
    return fast, slow


def _same(fast, slow):
    assert fast.dataset == slow.dataset
    assert [str(p) + p.severity for p in fast.problems] == [str(p) + p.severity for p in slow.problems]
    assert fast.counts == slow.counts and fast.skipped == slow.skipped
    # the same objects' shapes too: Decimal exponents, shared ids equal
    for a, b in zip(fast.dataset.transactions, slow.dataset.transactions):
        assert str(a.amount) == str(b.amount) and a.seq == b.seq
    for a, b in zip(fast.dataset.repayments, slow.dataset.repayments):
        assert str(a.amount) == str(b.amount) and a.seq == b.seq


CID = st.sampled_from(["C1", "C2", "C2", "C9", "C 1", ""])
DATE = st.sampled_from(["2025-01-10", "2025-03-01", "2025-02-30", "2024-12-31", "2025-2-1", ""])
AMOUNT = st.sampled_from(["1.00", "99.9", "1000", "0", "0.00", "-1", "1e3", "12.345", "5", " 5.00"])
TXN_ROW = st.tuples(
    st.sampled_from(["X1", "X2", "X3", "X4", "T1", "a-b", "A B", " X5", ""]), CID, DATE, AMOUNT,
    st.sampled_from(["", "purchase", "refund", "Refund", "x"]),
    st.sampled_from(["", "1", "3", "12", "5", " 3"]),
    st.sampled_from(["", "", "0.005", "1e-3", "x"]),
    st.sampled_from(["", "", "", "T1", "T2", "X1", "T9", " T1"]),
    st.sampled_from(["", "shop", " shop ", "京东"]), st.sampled_from(["", "online"]))
REP_ROW = st.tuples(
    st.sampled_from(["Q1", "Q2", "Q3", "R1", "R-7", "", " Q4"]), CID, DATE, AMOUNT,
    st.sampled_from(["", "normal", "settle", "SETTLE", "early"]), st.sampled_from(["", "app", " app"]))


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(txns=st.lists(TXN_ROW, max_size=14), reps=st.lists(REP_ROW, max_size=14),
       blank=st.booleans(), fmt=st.sampled_from(["csv", "quoted csv", "jsonl", "json"]))
def test_fast_path_equals_row_loop(monkeypatch, txns, reps, blank, fmt):
    """Plain CSV goes by lines; quoted CSV, JSON and JSONL go by records: same results."""
    root = Path(tempfile.mkdtemp(prefix="bt-fast-"))
    try:
        files = {}
        for name, rows in (("transactions", txns), ("repayments", reps)):
            base = BASE[f"{name}.csv"]
            header = base.split("\n", 1)[0].split(",")
            all_rows = [line.split(",") for line in base.strip("\n").split("\n")[1:]] + [list(r) for r in rows]
            if fmt in ("csv", "quoted csv"):
                q = (lambda v: '"' + v.replace('"', '""') + '"') if fmt == "quoted csv" else (lambda v: v)
                text = ",".join(header) + "\n" + "".join(",".join(q(v) for v in r) + "\n" for r in all_rows)
                files[f"{name}.csv"] = text + ("\n" if blank else "")
            else:
                objs = [dict(zip(header, r)) for r in all_rows]
                files[f"{name}.csv"] = None
                if fmt == "jsonl":
                    files[f"{name}.jsonl"] = "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)
                else:
                    files[f"{name}.json"] = json.dumps(objs, ensure_ascii=False, indent=1)
        d = write_dir(root, files)
        _same(*_load_both(d, monkeypatch))
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("columns", [
    "txn_id,customer_id,date,amount",                                   # optional columns absent
    "amount,date,customer_id,txn_id,category,merchant,ref_txn_id,fee_rate,installments,type,note",
])
def test_fast_path_any_column_order(tmp_path, monkeypatch, columns):
    cols = columns.split(",")
    values = {"txn_id": "X{i}", "customer_id": "C1", "date": "2025-02-0{d}", "amount": "1{i}.5",
              "type": "purchase", "installments": "3", "fee_rate": "0.004", "ref_txn_id": "",
              "merchant": "m{i}", "category": "c", "note": "n"}
    rows = [",".join(values[c].format(i=i, d=1 + i % 9) for c in cols) for i in range(20)]
    d = write_dir(tmp_path, {"transactions.csv": columns + "\n" + "\n".join(rows) + "\n"})
    fast, slow = _load_both(d, monkeypatch)
    _same(fast, slow)
    assert len(fast.dataset.transactions) == 20


@pytest.mark.parametrize("files", [
    {},                                                                       # plain CSV
    {"repayments.csv": BASE["repayments.csv"].replace(",app\n", ',"app, web"\n')},  # quoted CSV
    {"repayments.csv": None, "repayments.jsonl": '{"repayment_id": "R1", "customer_id": "C1", '
                                                 '"date": "2025-02-12", "amount": 106.0}\n'},
])
def test_fast_path_is_used(tmp_path, monkeypatch, files):
    calls = []
    real = validate.bulk_repayments
    monkeypatch.setattr(validate, "bulk_repayments", lambda *a: calls.append(real(*a)) or calls[-1])
    r = load_dataset(write_dir(tmp_path, files), CFG)
    assert calls == [True]
    assert str(r.dataset.repayments[0].amount) == "106.00"


CUST_ROW = st.tuples(
    st.sampled_from(["C1", "C2", "C3", "C9", "C 1", "", " C4", "C-5", "X\u00e9"]),
    st.sampled_from(["2025-01-01", "2024-12-31", "2025-02-30", "2025-1-1", "", " 2025-01-01"]),
    st.sampled_from(["", "张三", " n ", "a"]), st.sampled_from(["", "138", " 1 "]), st.sampled_from(["", "id"]),
    st.sampled_from(["", "1", "07", "28", "29", "0", " 5", "x", "3.0"]),
    st.sampled_from(["", "0", "0.00", "100", "99.9", "-1", "1e3", " 5", "  ", "12.345"]),
    st.sampled_from(["", "0", "5000.00", "x", "-0"]))
CUST_HEADER = ["customer_id", "opened_on", "name", "phone", "id_number", "statement_day", "monthly_income",
               "credit_limit"]


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(CUST_ROW, max_size=14), blank=st.booleans(),
       quoted=st.booleans(), drop=st.sampled_from([None, "statement_day", "monthly_income", "name"]))
def test_customers_column_driver_equals_row_driver(monkeypatch, rows, blank, quoted, drop):
    """Customers go through the column driver too: same records and problems as the row driver."""
    header, all_rows = list(CUST_HEADER), [list(r) for r in rows]
    if drop:
        k = header.index(drop)
        header, all_rows = header[:k] + header[k + 1:], [r[:k] + r[k + 1:] for r in all_rows]
    q = (lambda v: '"' + v.replace('"', '""') + '"') if quoted else (lambda v: v)
    text = ",".join(header) + "\n" + "".join(",".join(q(v) for v in r) + "\n" for r in all_rows)
    root = Path(tempfile.mkdtemp(prefix="bt-cust-"))
    try:
        d = write_dir(root, {"customers.csv": text + ("\n" if blank else "")})
        fast, slow = _load_both(d, monkeypatch)
        _same(fast, slow)
        assert [repr(c) for c in fast.dataset.customers] == [repr(c) for c in slow.dataset.customers]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_refund_in_a_chunk_handed_to_the_rows_is_counted_once(tmp_path, monkeypatch):
    """A chunk whose id repeats one of an earlier chunk goes to the row driver; a refund in it
    was once recorded twice (by the column driver before handing over, then by the rows),
    which made a false "would bring the refunds ... to 2X" error. With CHUNK = 3:
    chunk 1 = P1 P2 P3, chunk 2 = R1 (refund 10.00 of P1), P2 again (duplicate id), P4."""
    text = ("txn_id,customer_id,date,amount,installments,type,ref_txn_id\n"
            "P1,C1,2025-01-10,100.00,1,purchase,\nP2,C1,2025-01-11,50.00,1,purchase,\n"
            "P3,C1,2025-01-12,20.00,1,purchase,\nR1,C1,2025-01-15,60.00,1,refund,P1\n"
            "P2,C1,2025-01-16,5.00,1,purchase,\nP4,C1,2025-01-17,7.00,1,purchase,\n")
    d = write_dir(tmp_path, {"transactions.csv": text})
    fast, slow = _load_both(d, monkeypatch)
    _same(fast, slow)
    assert not any("refunds" in p.message for p in fast.problems), [str(p) for p in fast.problems]
    assert any(p.field == "txn_id" for p in fast.problems)      # the duplicate P2, line 6
