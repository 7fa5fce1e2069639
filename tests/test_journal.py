"""The append-only journal: single-write appends, header on creation, torn-line refusal, locking."""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
from pathlib import Path

import pytest

from baitiao_cli.errors import RefusedError
from baitiao_cli.io.journal import append_record, journal_lock

COLS = ["repayment_id", "customer_id", "date", "amount", "kind", "channel"]


def rec(i: int) -> dict:
    return {"repayment_id": f"R{i}", "customer_id": "C1", "date": "2026-03-05",
            "amount": "10.00", "kind": "normal", "channel": ""}


def test_new_csv_gets_header_then_record(tmp_path: Path):
    p = tmp_path / "repayments.csv"
    with journal_lock(tmp_path):
        append_record(p, rec(1), COLS)
        append_record(p, rec(2), COLS)
    assert p.read_text() == (
        "repayment_id,customer_id,date,amount,kind,channel\n"
        "R1,C1,2026-03-05,10.00,normal,\n"
        "R2,C1,2026-03-05,10.00,normal,\n")


def test_existing_header_order_and_crlf_are_kept(tmp_path: Path):
    p = tmp_path / "repayments.csv"
    p.write_bytes(b"customer_id,repayment_id,date,amount\r\nC1,R0,2026-01-01,1.00\r\n")
    append_record(p, {**rec(1), "kind": "", "channel": ""}, COLS)
    assert p.read_bytes().endswith(b"C1,R1,2026-03-05,10.00\r\n")


def test_missing_column_with_value_is_refused(tmp_path: Path):
    p = tmp_path / "repayments.csv"
    p.write_text("repayment_id,customer_id,date,amount\nR0,C1,2026-01-01,1.00\n")
    with pytest.raises(RefusedError, match="no column 'kind'"):
        append_record(p, {**rec(1), "kind": "settle"}, COLS)


def test_gbk_journal_is_appended_in_gbk(tmp_path: Path):
    p = tmp_path / "repayments.csv"
    p.write_bytes("repayment_id,customer_id,date,amount,kind,channel\nR0,C1,2026-01-01,1.00,normal,支付宝\n"
                  .encode("gbk"))
    append_record(p, {**rec(1), "channel": "微信"}, COLS)
    assert p.read_bytes().decode("gbk").endswith("R1,C1,2026-03-05,10.00,normal,微信\n")


def test_jsonl_append(tmp_path: Path):
    p = tmp_path / "repayments.jsonl"
    append_record(p, rec(1), COLS)
    assert json.loads(p.read_text()) == {"repayment_id": "R1", "customer_id": "C1", "date": "2026-03-05",
                                         "amount": "10.00", "kind": "normal"}


def test_torn_last_line_is_never_appended_to(tmp_path: Path):
    p = tmp_path / "repayments.csv"
    before = b"repayment_id,customer_id,date,amount\nR0,C1,2026-01-01,1.0"
    p.write_bytes(before)
    with pytest.raises(RefusedError, match="incomplete"):
        append_record(p, rec(1), COLS)
    assert p.read_bytes() == before


def test_json_array_journal_is_refused(tmp_path: Path):
    p = tmp_path / "repayments.json"
    p.write_text("[]\n")
    with pytest.raises(RefusedError, match="JSON Lines"):
        append_record(p, rec(1), COLS)


def _worker(args):
    d, i = args
    d = Path(d)
    p = d / "repayments.csv"
    with journal_lock(d):
        # read-check-append under the lock: refuse duplicates like the repay command does
        ids = set()
        if p.exists():
            with p.open(newline="") as f:
                ids = {r["repayment_id"] for r in csv.DictReader(f)}
        if f"R{i % 16}" not in ids:
            append_record(p, rec(i % 16), COLS)


def test_sixteen_processes_each_land_exactly_once(tmp_path: Path):
    # 32 posts of 16 distinct refs from 16 processes: every ref exactly once, every line intact.
    ctx = mp.get_context("fork")
    with ctx.Pool(16) as pool:
        pool.map(_worker, [(str(tmp_path), i) for i in range(32)])
    with (tmp_path / "repayments.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["repayment_id"] for r in rows) == sorted(f"R{i}" for i in range(16))
    assert all(r["amount"] == "10.00" and r["channel"] == "" for r in rows)
