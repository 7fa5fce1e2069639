"""The history features by the minimum rule when ``[minimum_payment] enabled`` (SPEC 4.9):
``worst_dpd_12m`` and ``on_time_share`` follow the minimum, like ``current_dpd`` already did.

Config: minimum on (ratio 0.10), statement day 3, due + 9, grace 0.
- C1: 1000.00 billed 02-03 (due 02-12, minimum 100.00); 100.00 paid 02-10: met on time.
  Item rule: 900.00 unpaid since 02-12 -> 19 days past due on 03-03. Minimum rule: nothing late.
- C2: 2000.00 billed 02-03, nothing paid (minimum 200.00 missed; the 03-03 statement carries it at
  100%, also unpaid): on 03-20 overdue from 02-12, 36 days; on-time share 0/1 (03-12 not yet due
  + grace on 03-10, counted on 03-20: 0/2).
- C3: 1000.00 billed 02-03, minimum 100.00 paid 02-20 (8 days late, before the next statement):
  worst DPD 8 (02-20 - 02-12, as the item rule counts a bill paid late), on-time share 0/1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app

CUSTOMERS = """customer_id,name,phone,opened_on,statement_day
C1,a,13812345678,2026-01-01,3
C2,b,13900001111,2026-01-01,3
C3,c,13900002222,2026-01-01,3
"""
TRANSACTIONS = """txn_id,customer_id,date,amount,installments
T1,C1,2026-01-10,1000.00,1
T2,C2,2026-01-10,2000.00,1
T3,C3,2026-01-10,1000.00,1
"""
REPAYMENTS = """repayment_id,customer_id,date,amount,kind,channel
R1,C1,2026-02-10,100.00,normal,app
R3,C3,2026-02-20,100.00,normal,app
"""


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    d = tmp_path / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    (d / "repayments.csv").write_text(REPAYMENTS, encoding="utf-8")
    return d


def features(data: Path, as_of: str, minimum: bool) -> dict:
    cfg = data.parent / "c.toml"
    cfg.write_text("[minimum_payment]\nenabled = true\n" if minimum else "", encoding="utf-8")
    r = CliRunner().invoke(app, ["score", "--data-dir", str(data), "--config", str(cfg), "--as-of", as_of,
                                 "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return {c["customer_id"]: c["features"] for c in json.loads(r.stdout)["customers"]}


def test_minimum_met_is_on_time(data):
    on = features(data, "2026-03-03", True)["C1"]
    assert (on["worst_dpd_12m"], on["on_time_share"], on["current_dpd"]) == (0, "1.0000", 0)
    off = features(data, "2026-03-03", False)["C1"]          # the item rule: 03-03 - 02-12 = 19
    assert (off["worst_dpd_12m"], off["on_time_share"], off["current_dpd"]) == (19, "0.0000", 19)


def test_missed_minimums_count_from_the_first_due_date(data):
    f = features(data, "2026-03-20", True)["C2"]
    assert (f["worst_dpd_12m"], f["current_dpd"], f["on_time_share"]) == (36, 36, "0.0000")
    f = features(data, "2026-03-10", True)["C2"]             # 03-10 - 02-12 = 26
    assert (f["worst_dpd_12m"], f["current_dpd"]) == (26, 26)


def test_minimum_paid_late(data):
    f = features(data, "2026-03-10", True)["C3"]
    assert (f["worst_dpd_12m"], f["on_time_share"], f["current_dpd"]) == (8, "0.0000", 0)
