"""A journal whose last line lacks its newline was torn mid-write: reported, never applied,
even when the fragment happens to parse (issue 4: "never silently dropped or applied")."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.engine.config import Config
from baitiao_cli.errors import DataError
from baitiao_cli.io.loader import load_dataset


def _book(d: Path, repayments: bytes, deferrals: bytes | None = None) -> Path:
    (d / "customers.csv").write_text("customer_id,opened_on\nC1,2026-01-01\n")
    (d / "transactions.csv").write_text("txn_id,customer_id,date,amount\nT1,C1,2026-01-05,100.00\n")
    (d / "repayments.csv").write_bytes(repayments)
    if deferrals is not None:
        (d / "deferrals.csv").write_bytes(deferrals)
    return d


HEAD = b"repayment_id,customer_id,date,amount,kind,channel\nR0,C1,2026-02-10,10.00,normal,app\n"


@pytest.mark.parametrize("tail", [b"R1,C1,2026-02-10,10.00,normal,ap",   # parses, but cut short
                                  b"R1,C1,2026-02-10,1",                  # too few fields
                                  b"R1,C1,2026-02-10,10.00,normal,"])     # parses, channel empty
def test_torn_last_repayment_is_reported_with_its_line(tmp_path, tail):
    _book(tmp_path, HEAD + tail)
    with pytest.raises(DataError) as e:
        load_dataset(tmp_path, Config())
    msgs = [str(p) for p in e.value.problems]
    assert any("repayments.csv:3:" in m and "torn write" in m for m in msgs), msgs


def test_torn_last_repayment_is_never_applied_even_with_skip_invalid(tmp_path):
    _book(tmp_path, HEAD + b"R1,C1,2026-02-10,10.00,normal,ap")
    res = load_dataset(tmp_path, Config(), skip_invalid=True, whole_accounts=False)
    assert [r.repayment_id for r in res.dataset.repayments] == ["R0"]
    # and the commands never report C1 from part of its journal: the whole account is skipped
    res = load_dataset(tmp_path, Config(), skip_invalid=True)
    assert res.dataset.customers == () and res.dataset.repayments == ()
    assert any("account C1 skipped" in str(p) for p in res.problems)


def test_torn_deferral_and_validate_exit_code(tmp_path):
    _book(tmp_path, HEAD, b"deferral_id,customer_id,statement_date,date,days\nD1,C1,2026-02-03,2026-02-05,5")
    r = CliRunner().invoke(app, ["validate", "--data-dir", str(tmp_path)])
    assert r.exit_code == 1
    assert "deferrals.csv:2:" in r.stderr and "torn write" in r.stderr
    assert "Traceback" not in r.stdout + r.stderr


def test_whole_journal_is_fine(tmp_path):
    _book(tmp_path, HEAD)
    res = load_dataset(tmp_path, Config())
    assert [r.repayment_id for r in res.dataset.repayments] == ["R0"]

