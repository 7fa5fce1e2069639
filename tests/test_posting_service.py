"""``services.posting.post`` called as a library (no CLI): the one workflow behind repay and defer.

Built-in config (statement day 3, due = statement + 9, grace 0, fee 0.5% per period).
Customer C1 (opened 2026-01-01):
- T1 500.00 pay-in-full on 2026-01-10 -> billed 2026-02-03, due 02-12
- T2 1200.00 in 12 on 2026-01-20      -> period 1 = 100.00 + 6.00 (1200 x 0.5%), billed 02-03, due 02-12
So the 2026-02-03 statement asks 500.00 + 106.00 = 606.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from baitiao_cli.engine.account import CREDIT, FEE, PRINCIPAL
from baitiao_cli.engine.model import NORMAL, Deferral, Repayment
from baitiao_cli.errors import RefusedError
from baitiao_cli.io.config import load_config
from baitiao_cli.services.posting import post

CUSTOMERS = "customer_id,name,phone,opened_on,statement_day\nC1,张三,13812345678,2026-01-01,3\n"
TRANSACTIONS = ("txn_id,customer_id,date,amount,installments\n"
                "T1,C1,2026-01-10,500.00,1\nT2,C1,2026-01-20,1200.00,12\n")


@pytest.fixture
def lc(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    d = tmp_path / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    return load_config(None, str(d))


def _rep(rid: str, amount: str, on: date = date(2026, 2, 10)) -> Repayment:
    return Repayment(rid, "C1", on, Decimal(amount), NORMAL, "")


def _by_component(posted) -> dict:
    out: dict = {}
    for ln in posted.lines:
        out[ln.component] = out.get(ln.component, 0) + ln.amount_fen
    return out


def test_dry_run_allocates_and_writes_nothing(lc):
    said: list[str] = []
    posted = post(lc, _rep("R1", "700.00"), date(2026, 2, 10), dry_run=True, encoding=None, notify=said.append)
    assert posted.status == "dry_run"
    # 700.00 on 02-10 (before the due date: no late fee) pays the 6.00 fee, the 600.00 principal,
    # and the 94.00 left becomes credit balance: 600 + 6 + 94 = 700.
    assert _by_component(posted) == {FEE: 600, PRINCIPAL: 60000, CREDIT: 9400}
    assert posted.account.credit_balance_fen == 9400
    assert not (Path(lc.data_dir) / "repayments.csv").exists()
    assert said == []


def test_recorded_then_duplicate_then_conflict(lc):
    journal = Path(lc.data_dir) / "repayments.csv"
    first = post(lc, _rep("R1", "606.00"), date(2026, 2, 10), dry_run=False, encoding=None, notify=print)
    assert first.status == "recorded" and first.journal == journal
    text = journal.read_text(encoding="utf-8")
    assert text.splitlines()[1] == "R1,C1,2026-02-10,606.00,normal,"
    again = post(lc, _rep("R1", "606.00"), date(2026, 2, 20), dry_run=False, encoding=None, notify=print)
    assert again.status == "duplicate" and journal.read_text(encoding="utf-8") == text
    with pytest.raises(RefusedError, match="amount"):
        post(lc, _rep("R1", "600.00"), date(2026, 2, 20), dry_run=False, encoding=None, notify=print)
    assert journal.read_text(encoding="utf-8") == text


def test_a_date_after_the_business_date_is_refused(lc):
    with pytest.raises(RefusedError, match="after the business date"):
        post(lc, _rep("R1", "1.00", date(2026, 3, 1)), date(2026, 2, 10), dry_run=True, encoding=None,
             notify=print)


def test_back_dated_posting_says_so_through_notify(lc):
    post(lc, _rep("R1", "10.00", date(2026, 2, 10)), date(2026, 2, 10), dry_run=False, encoding=None,
         notify=print)
    said: list[str] = []
    post(lc, _rep("R2", "10.00", date(2026, 2, 5)), date(2026, 2, 10), dry_run=True, encoding=None,
         notify=said.append)
    assert any("back-dated" in w for w in said), said


def test_deferral_through_the_same_workflow(lc):
    # statement of 2026-02-03 (606.00, due 02-12) deferred 10 days on 02-05: fee 1% of 606.00 = 6.06
    d = Deferral("D1", "C1", date(2026, 2, 3), date(2026, 2, 5), 10)
    posted = post(lc, d, date(2026, 2, 5), dry_run=True, encoding=None, notify=print)
    assert posted.status == "dry_run"
    assert posted.deferral is not None and posted.deferral.fee_fen == 606
    assert posted.deferral.new_due_date == date(2026, 2, 22)
    too_long = Deferral("D2", "C1", date(2026, 2, 3), date(2026, 2, 5), 99)
    with pytest.raises(RefusedError):
        post(lc, too_long, date(2026, 2, 5), dry_run=True, encoding=None, notify=print)
