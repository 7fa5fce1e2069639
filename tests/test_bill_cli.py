"""``baitiao bill`` through the CLI: batch, --customer, formats, --out atomic and repeatable,
invalid input, --skip-invalid.

The data (default config: statement day 3, due + 9, late fee 0.05%/day, fee 0.5%/period):
- C1 (day 3, limit 5000): T1 1200.00 in 12 (100.00 + 6.00 a period) on 2026-01-10; T2 80.00 on 02-10;
  R1 106.00 on 02-10 pays T1 1/12. Statement 2026-03-03: new T1 2/12 106.00 + T2 80.00 = 186.00;
  available 5000 - (100 + 80 + 10 x 100 unbilled) = 3820.00.
- C2 (day 3): T3 500.00 on 2026-01-20, never paid. 02-03: 500.00 due 02-12. 03-03: carried 500.00,
  late fee 02-13..03-03 = 19 days x 500 x 0.0005 = 4.75 -> total due 504.75.
- C3 (day 10): T4 300.00 in 3 at 1% (100.00 + 3.00) on 2026-02-01; R2 103.00 on 02-19.
  Statement 2026-03-10: T4 2/3 103.00.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app
from baitiao_cli.views.statement import SUMMARY_HEADERS

CUSTOMERS = """customer_id,name,phone,id_number,opened_on,statement_day,monthly_income,credit_limit
C1,张三,13812345678,110003199001011234,2026-01-01,3,8000.00,5000.00
C2,"=HYPERLINK(""x"")",13900001111,,2026-01-15,3,,
C3,李四,13700002222,,2026-01-01,10,,
"""
TRANSACTIONS = """txn_id,customer_id,date,type,amount,installments,fee_rate,ref_txn_id,merchant,category
T1,C1,2026-01-10,purchase,1200.00,12,,,京东,online
T2,C1,2026-02-10,purchase,80.00,1,,,超市,offline_retail
T3,C2,2026-01-20,purchase,500.00,1,,,shop,online
T4,C3,2026-02-01,purchase,300.00,3,0.01,,shop,online
"""
REPAYMENTS = """repayment_id,customer_id,date,amount,kind,channel
R1,C1,2026-02-10,106.00,normal,app
R2,C3,2026-02-19,103.00,normal,app
"""
DEFERRALS = "deferral_id,customer_id,statement_date,date,days\n"

STATEMENT_KEYS = ["customer_id", "statement_date", "due_date", "total_due", "minimum_due", "items"]
ITEM_KEYS = ["kind", "txn_id", "period", "principal", "fee", "amount"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (d / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    (d / "repayments.csv").write_text(REPAYMENTS, encoding="utf-8")
    (d / "deferrals.csv").write_text(DEFERRALS, encoding="utf-8")
    return d


def bill(data: Path, *args: str):
    result = CliRunner().invoke(app, ["bill", "--data-dir", str(data), *args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def bill_json(data: Path, *args: str) -> dict:
    r = bill(data, *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""
    return json.loads(r.stdout)


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- batch and --customer -------------------------------------------------------------------------

def test_batch_json_matches_the_contract_and_the_hand_worked_numbers(data):
    obj = bill_json(data, "--as-of", "2026-03-03")
    sts = obj["statements"]
    assert [s["customer_id"] for s in sts] == ["C1", "C2"]          # C3's statement day is the 10th
    for s in sts:
        assert list(s)[:6] == STATEMENT_KEYS
        for it in s["items"]:
            assert list(it)[:6] == ITEM_KEYS
    c1, c2 = sts
    assert (c1["statement_date"], c1["due_date"], c1["total_due"]) == ("2026-03-03", "2026-03-12", "186.00")
    assert [(i["kind"], i["txn_id"], i["period"], i["periods"], i["principal"], i["fee"], i["amount"], i["carried"])
            for i in c1["items"]] == [("installment", "T1", 2, 12, "100.00", "6.00", "106.00", False),
                                      ("purchase", "T2", 1, 1, "80.00", "0.00", "80.00", False)]
    assert c1["payments"] == "106.00" and c1["phone"] == "138****5678" and c1["name"] == "张三"
    assert (c1["credit_limit"], c1["available_credit"]) == ("5000.00", "3820.00")
    assert [(u["statement_date"], u["period"]) for u in c1["upcoming"]] == \
        [("2026-04-03", 3), ("2026-05-03", 4), ("2026-06-03", 5)]
    assert c2["total_due"] == "504.75" and c2["late_fee_posted"] == "4.75"
    assert [(i["txn_id"], i["carried"], i["outstanding"]) for i in c2["items"]] == [("T3", True, "500.00")]
    assert c2["credit_limit"] is None and c2["available_credit"] is None


def test_customer_gives_the_latest_statement_on_or_before_as_of(data):
    obj = bill_json(data, "--as-of", "2026-03-20", "--customer", "C3")
    [s] = obj["statements"]
    assert (s["statement_date"], s["due_date"], s["total_due"]) == ("2026-03-10", "2026-03-19", "103.00")
    assert [(i["txn_id"], i["period"], i["periods"]) for i in s["items"]] == [("T4", 2, 3)]
    assert s["payments"] == "103.00"


def test_a_day_without_statements_is_an_empty_batch(data):
    assert bill_json(data, "--as-of", "2026-03-29")["statements"] == []


def test_unknown_and_malformed_customer(data):
    r = bill(data, "--as-of", "2026-03-03", "--customer", "C9")
    assert r.exit_code == 1 and "unknown customer" in r.stderr
    r = bill(data, "--as-of", "2026-03-03", "--customer", "../etc")
    assert r.exit_code == 2


def test_csv_is_the_summary_and_excel_safe(data):
    r = bill(data, "--as-of", "2026-03-03", "--format", "csv")
    assert r.exit_code == 0 and r.stderr == ""
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert tuple(rows[0]) == SUMMARY_HEADERS
    assert [row[0] for row in rows[1:]] == ["C1", "C2"]
    assert rows[2][1] == "'=HYPERLINK(\"x\")"                        # formula neutralised
    assert "13812345678" not in r.stdout and "138****5678" in r.stdout
    assert rows[1][SUMMARY_HEADERS.index("total_due")] == "186.00"


def test_table_output(data):
    r = bill(data, "--as-of", "2026-03-03", "--format", "table")
    assert r.exit_code == 0 and r.stderr == ""
    assert "2 statement(s) · total due 690.75" in r.stdout           # 186.00 + 504.75
    assert "13812345678" not in r.stdout
    r = bill(data, "--as-of", "2026-03-03", "--customer", "C1", "--format", "table")
    assert r.exit_code == 0
    assert "TOTAL DUE 186.00 by 2026-03-12" in r.stdout and "Credit limit 5000.00 · available 3820.00" in r.stdout
    assert "2/12" in r.stdout and "138****5678" in r.stdout


# --- --out ----------------------------------------------------------------------------------------

def test_out_writes_statement_files_and_a_rerun_gives_identical_bytes(data, tmp_path):
    out = tmp_path / "out"
    # the .txt statement in English (--lang en; the built-in default for statement files is zh: docs/printing.md)
    r = bill(data, "--as-of", "2026-03-03", "--out", str(out), "--format", "json", "--lang", "en")
    assert r.exit_code == 0 and r.stderr == ""
    first = files_under(out)
    assert sorted(first) == ["2026-03-03/C1.json", "2026-03-03/C1.txt", "2026-03-03/C2.json", "2026-03-03/C2.txt",
                             "2026-03-03/summary.csv"]
    c1 = json.loads(first["2026-03-03/C1.json"])
    assert c1 == json.loads(r.stdout)["statements"][0]
    text = first["2026-03-03/C1.txt"].decode()
    assert "TOTAL DUE: 186.00" in text and "138****5678" in text and "13812345678" not in text
    summary = first["2026-03-03/summary.csv"]
    assert summary.startswith("\ufeff".encode()) and b"\r\n" in summary   # Excel: BOM + CRLF
    r = bill(data, "--as-of", "2026-03-03", "--out", str(out), "--lang", "en")
    assert r.exit_code == 0
    assert files_under(out) == first


def test_out_with_invalid_input_writes_nothing(data, tmp_path):
    (data / "transactions.csv").write_text(TRANSACTIONS + "T5,C1,2026-02-30,purchase,10.00,1,,,x,y\n", encoding="utf-8")
    out = tmp_path / "out"
    r = bill(data, "--as-of", "2026-03-03", "--out", str(out))
    assert r.exit_code == 1
    assert "transactions.csv:6" in r.stderr and "date" in r.stderr
    assert r.stdout == ""
    assert not out.exists() or files_under(out) == {}


def test_skip_invalid_writes_the_valid_accounts_lists_the_skipped_and_exits_1(data, tmp_path):
    (data / "transactions.csv").write_text(TRANSACTIONS + "T5,C1,2026-02-30,purchase,10.00,1,,,x,y\n", encoding="utf-8")
    out = tmp_path / "out"
    r = bill(data, "--as-of", "2026-03-03", "--out", str(out), "--skip-invalid", "--format", "json")
    assert r.exit_code == 1
    assert "transactions.csv:6" in r.stderr and "skipped" in r.stderr
    # C1's own transaction is invalid: C1 is skipped whole (never billed from part of its records)
    assert "account C1 skipped" in r.stderr
    assert [s["customer_id"] for s in json.loads(r.stdout)["statements"]] == ["C2"]
    assert "2026-03-03/C2.json" in files_under(out) and "2026-03-03/C1.json" not in files_under(out)


def test_a_failing_write_leaves_no_partial_or_temporary_file(data, tmp_path, monkeypatch):
    out = tmp_path / "out"
    real_replace = os.replace
    calls = {"n": 0}

    def crashing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device", str(dst))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crashing_replace)
    r = bill(data, "--as-of", "2026-03-03", "--out", str(out))
    assert r.exit_code == 1 and "No space left on device" in r.stderr
    written = files_under(out)
    assert sorted(written) == ["2026-03-03/C1.json", "2026-03-03/C1.txt"]   # complete files only
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    # a re-run completes and gives what a clean run gives
    monkeypatch.setattr(os, "replace", real_replace)
    assert bill(data, "--as-of", "2026-03-03", "--out", str(out)).exit_code == 0
    clean = tmp_path / "clean"
    bill(data, "--as-of", "2026-03-03", "--out", str(clean))
    assert files_under(out) == files_under(clean)


def test_customer_out_writes_that_statement_without_a_summary(data, tmp_path):
    out = tmp_path / "out"
    r = bill(data, "--as-of", "2026-03-20", "--customer", "C3", "--out", str(out))
    assert r.exit_code == 0
    assert sorted(files_under(out)) == ["2026-03-10/C3.json", "2026-03-10/C3.txt"]


def test_out_must_be_a_folder(data, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    r = bill(data, "--as-of", "2026-03-03", "--out", str(f))
    assert r.exit_code == 2


def test_no_progress_bar_when_stderr_is_not_a_terminal(data):
    r = bill(data, "--as-of", "2026-03-03")
    assert r.exit_code == 0 and r.stderr == ""


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import sys

    from baitiao_cli.cli import bill as bill_mod

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert bill_mod._progress(100) is None
    monkeypatch.setattr(sys, "stderr", Tty())
    bar = bill_mod._progress(100)
    assert bar is not None and type(bar).__name__ == "Progress"


def test_customer_without_a_statement_yet(data):
    r = bill(data, "--as-of", "2026-01-02", "--customer", "C1", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["statements"] == []
    assert "no statement on or before 2026-01-02" in r.stderr


KILLER = r"""
import os, signal, sys
real = os.replace
calls = [0]
def replace(src, dst):
    calls[0] += 1
    if calls[0] == 3:                      # the third file: its temp file is complete, never renamed
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst)
os.replace = replace
from baitiao_cli.cli.app import main
sys.argv = ["baitiao", "bill", "--data-dir", sys.argv[1], "--as-of", "2026-03-03", "--out", sys.argv[2]]
main()
"""


def test_a_killed_run_leaves_no_partial_file_and_a_rerun_cleans_up(data, tmp_path):
    import signal
    import subprocess
    import sys

    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-c", KILLER, str(data), str(out)], capture_output=True)
    assert p.returncode == -signal.SIGKILL
    folder = out / "2026-03-03"
    names = sorted(os.listdir(folder))
    assert names[1:] == ["C1.json", "C1.txt"] and len(names) == 3
    assert names[0].startswith(".C2.json.") and names[0].endswith(".tmp")     # never a partial C2.json
    clean = tmp_path / "clean"
    assert bill(data, "--as-of", "2026-03-03", "--out", str(clean)).exit_code == 0
    assert (folder / "C1.json").read_bytes() == (clean / "2026-03-03" / "C1.json").read_bytes()
    # a re-run completes, removes the leftover and gives exactly what a clean run gives
    assert bill(data, "--as-of", "2026-03-03", "--out", str(out)).exit_code == 0
    assert files_under(out) == files_under(clean)
    assert not [n for n in os.listdir(folder) if n.endswith(".tmp")]
