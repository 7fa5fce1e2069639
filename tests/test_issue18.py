"""Issue 18 (output that never lies): one test per finding, on ``sample_data/`` where the issue
reproduced it. The width sweep (every command at 80/100/200 columns) is ``test_output_widths``."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli import environment
from baitiao_cli.cli.app import app

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CONFIG = ROOT / "config.toml"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(*args, data=SAMPLE, env=None, code=0):
    r = CliRunner().invoke(app, [*args, "--data-dir", str(data), "--config", str(CONFIG)], env=env)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.exit_code == code, r.stdout + r.stderr
    return r


def terminal(monkeypatch, width: int) -> None:
    """stdout is a terminal of ``width`` columns (rich tables)."""
    monkeypatch.setattr(environment, "_DEFAULT", environment.Environment(stdout_isatty=True, width=width))


def cells(line: str) -> int:
    from wcwidth import wcswidth

    return wcswidth(line)


# 1. digits, ids and names are never cut on a 100-column terminal; reasons wrap in one column
def test_1_nothing_cut_at_100_columns(monkeypatch):
    terminal(monkeypatch, 100)
    bill = _ANSI.sub("", run("bill", "--as-of", "2026-11-03").stdout)
    for text in ("1071.40", "22354.86", "C000035", "C000040", "2026-11-12"):
        assert text in bill
    assert "…" not in bill
    over = _ANSI.sub("", run("overdue-report", "--as-of", "2026-11-03").stdout)
    for text in ("19984.09", "1756.56", "钟颖蕾", "write_off_review", "inhouse_collector"):
        assert text in over
    assert "…" not in over
    score = _ANSI.sub("", run("score", "--as-of", "2026-11-03").stdout)
    row = [ln for ln in score.splitlines() if "C000001" in ln]
    assert "3000.00" in row[0]
    # the reason folds onto at most 3 lines (it was one word a line: 8 lines a row)
    lines = score.splitlines()
    k1 = lines.index(row[0])
    k2 = next(i for i, ln in enumerate(lines) if "C000002" in ln)
    assert 1 <= k2 - k1 <= 3
    # and what was left out is said
    terminal(monkeypatch, 80)
    narrow = _ANSI.sub("", run("bill", "--as-of", "2026-11-03").stdout)
    assert "(left out to fit 80 columns: phone, statement, available, payments" in narrow
    assert "22354.86" in narrow


# 2. plain tables: every line of a table the same width in terminal cells, with Chinese names
def test_2_plain_table_lines_have_one_display_width():
    out = run("bill", "--as-of", "2026-11-03").stdout.splitlines()
    table = out[1:1 + 2 + 10]                 # title, header, rule, 10 statements
    assert len({cells(ln) for ln in table}) == 1, [cells(ln) for ln in table]
    over = run("overdue-report", "--as-of", "2026-11-03").stdout.splitlines()
    k = next(i for i, ln in enumerate(over) if ln.startswith("customer"))
    assert len({cells(ln) for ln in over[k:k + 2 + 9]}) == 1
    # the class column (损失 …) lines up: every row's "bucket" starts at the same cell
    starts = {cells(ln[:ln.index(" M")]) for ln in over[k + 2:k + 2 + 9]}
    assert len(starts) == 1


# 3. a closed pipe: no message, exit 0 (a real pipe, in a subprocess; with BAITIAO_DEBUG=1 too)
@pytest.mark.parametrize("debug", ["", "1"])
def test_3_closed_pipe_is_quiet(debug):
    import baitiao_cli

    package_root = str(Path(baitiao_cli.__file__).resolve().parent.parent)   # the code under test
    env = {**os.environ, "PYTHONPATH": package_root, "BAITIAO_DEBUG": debug}
    r, w = os.pipe()
    os.close(r)                  # the reader went away before a byte was written (`| head -1` done)
    p = subprocess.Popen([sys.executable, "-c", "from baitiao_cli.cli.app import main; main()",
                          "bill", "--as-of", "2026-11-03", "--format", "json", "--data-dir", str(SAMPLE),
                          "--config", str(CONFIG)], stdout=w, stderr=subprocess.PIPE, env=env, cwd=package_root)
    os.close(w)
    _, err = p.communicate(timeout=120)
    assert err == b""            # was "error: internal error (BrokenPipeError)" and exit 1
    assert p.returncode == 0
    # and through a shell, as a user types it
    cmd = (f"{sys.executable} -c 'from baitiao_cli.cli.app import main; main()' bill --as-of 2026-11-03 "
           f"--format json --data-dir {SAMPLE} --config {CONFIG} | head -1; exit ${{PIPESTATUS[0]}}")
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, env=env, cwd=package_root, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"{\n", b"")


# 4. bill: new (principal and fees of the new items) + carried + late fee = total due
def test_4_bill_new_column_adds_up():
    out = run("bill", "--as-of", "2026-11-03").stdout.splitlines()
    assert out[1].split()[:9] == ["customer", "name", "phone", "statement", "due", "new", "carried", "late", "fee"]
    row = next(ln for ln in out if ln.startswith("C000040")).split()
    new, carried, late, total = row[5], row[6], row[7], row[9]
    # new 1601.47 principal + 131.00 fees = 1732.47 (it showed 1601.47); + 641.22 carried + 7.05 late
    # fee = 2380.74 total due
    assert (new, carried, late, total) == ("1732.47", "641.22", "7.05", "2380.74")


# 5. validate --format json|csv: every problem as a record
def test_5_validate_problems_as_records(tmp_path):
    d = _copy_sample(tmp_path)
    text = (d / "customers.csv").read_text(encoding="utf-8").replace(",2025-10-03,", ",2025-10-32,", 1)
    (d / "customers.csv").write_text(text, encoding="utf-8")
    obj = json.loads(run("validate", "--format", "json", data=d, code=1).stdout)
    bad = [p for p in obj["problems"] if p["kind"] == "error"]
    assert len(bad) == 1 and bad[0]["field"] == "opened_on" and bad[0]["line"] >= 2
    assert set(bad[0]) == {"file", "line", "field", "severity", "kind", "message"}
    rows = list(csv.reader(io.StringIO(run("validate", "--format", "csv", data=d, code=1).stdout)))
    assert rows[0] == ["file", "line", "field", "severity", "kind", "message"]
    assert len(rows) - 1 == len(obj["problems"]) == obj["errors"] + obj["warnings"]


# 6. phone and ID number checks (warnings: the record is kept), the Excel number hint
def test_6_phone_and_id_number_checks(tmp_path):
    d = _copy_sample(tmp_path)
    rows = list(csv.DictReader(io.StringIO((d / "customers.csv").read_text(encoding="utf-8"))))
    rows[0]["id_number"] = "4.30104E+17"
    rows[1]["id_number"] = rows[1]["id_number"][:17] + ("0" if rows[1]["id_number"][17] != "0" else "1")
    rows[2]["phone"] = "1381234567"           # 10 digits
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (d / "customers.csv").write_text(buf.getvalue(), encoding="utf-8")
    r = run("validate", "--format", "json", data=d)          # warnings only: exit 0
    probs = json.loads(r.stdout)["problems"]
    assert [(p["line"], p["field"], p["severity"]) for p in probs] == [
        (2, "id_number", "warning"), (3, "id_number", "warning"), (4, "phone", "warning")]
    assert "scientific notation" in probs[0]["message"] and "Text" in probs[0]["message"]
    assert "check digit" in probs[1]["message"]
    assert "11-digit mainland mobile" in probs[2]["message"]
    assert "4.30104E+17" not in r.stdout + r.stderr and "1381234567" not in r.stdout + r.stderr


def test_6_gb11643_check_digit():
    from baitiao_cli.io.personal import id_check_digit, id_number_problem

    # the standard's example 11010519491231002X: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over
    # 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 -> 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2 -> "X"
    assert id_check_digit("11010519491231002") == "X"
    assert id_number_problem("11010519491231002X") is None
    assert id_number_problem("11010519491231002x") is None
    assert "check digit" in id_number_problem("110105194912310021")
    assert "birth date" in id_number_problem("110105194902310027")
    assert "18-character" in id_number_problem("11010519491231002")


# 7. score --customer: the title first, a real header row, the reasons as a table
def test_7_score_customer_layout():
    lines = run("score", "--as-of", "2026-11-03", "--customer", "C000001").stdout.splitlines()
    assert lines[0].startswith("C000001 ")
    assert lines[1].split() == ["measure", "value"]
    k = lines.index("Reasons (most points lost first)")
    assert lines[k + 1].split() == ["#", "reason"] and lines[k + 3].split()[0] == "1"


# 8. quote --format csv carries the APR and the totals
def test_8_quote_csv_has_apr_and_totals():
    r = run("quote", "--amount", "1000", "--terms", "3", "--date", "2026-03-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    obj = json.loads(run("quote", "--amount", "1000", "--terms", "3", "--date", "2026-03-01", "-f", "json").stdout)
    # 1000.00 at 0.005 a period: fee 5.00 x 3 = 15.00, payable 1015.00
    assert {(x["apr"], x["effective_annual_rate"], x["total_fee"], x["total_payable"], x["fee_rate"]) for x in rows} == {
        (obj["apr"], obj["effective_annual_rate"], "15.00", "1015.00", "0.0050")}


# 9. after a deferral, the items show the deferred due date
def test_9_items_show_the_deferred_due_date():
    out = run("bill", "--as-of", "2026-11-03", "--customer", "C000016").stdout
    assert "TOTAL DUE 713.91 by 2026-11-13 (deferred from 2026-10-29)" in out
    item = next(ln for ln in out.splitlines() if ln.startswith("installment"))
    assert "2026-11-13" in item and "2026-10-29" not in item


# 10. --out with a format it cannot honour is refused (exit 2), nothing written
def test_10_out_refuses_a_format_it_cannot_write(tmp_path):
    target = tmp_path / "w.json"
    r = run("overdue-report", "--as-of", "2026-11-03", "--out", str(target), "--format", "json", code=2)
    assert "written as CSV only" in r.stderr and not target.exists()
    run("overdue-report", "--as-of", "2026-11-03", "--out", str(tmp_path / "w.csv"), "--format", "json")
    assert (tmp_path / "w.csv").read_bytes().startswith(b"\xef\xbb\xbfpriority,")


# 11. one style per kind of value
def test_11_one_style_per_kind_of_value():
    score = run("score", "--as-of", "2026-11-03").stdout
    quote = run("quote", "--amount", "1000", "--terms", "6", "--date", "2026-03-01").stdout
    assert "0.50%" in quote and "0.75%" in score and " 0.0075" not in score     # fee rates: percents
    e_row = next(ln for ln in score.splitlines() if ln.startswith("C000008"))
    assert "0.0000" not in e_row and "0.00%" not in e_row                     # no credit: no fee rate
    assert re.search(r" \d+\.\d\d% ", score) and not re.search(r" \d+\.\d% ", score)  # shares: 2 places
    assert "   1/6  " in quote                                                # periods i/N
    assert "statement_date" not in quote                                      # table headers in words
    csv_score = run("score", "--as-of", "2026-11-03", "--format", "csv").stdout
    head = csv_score.splitlines()[0].split(",")
    first = next(csv.reader(io.StringIO(csv_score.splitlines()[1])))
    assert first[head.index("manual_limit")] in ("true", "false")             # CSV booleans
    assert first[head.index("credit_line_frozen")] in ("true", "false")


# 12. an Excel date column: grouped by field, the consequences in one line, the hint
def test_12_excel_dates_grouped_with_consequences_in_one_line(tmp_path):
    d = _copy_sample(tmp_path)
    rows = list(csv.reader(io.StringIO((d / "customers.csv").read_text(encoding="utf-8"))))
    i = rows[0].index("opened_on")
    for row in rows[1:]:
        y, m, day = row[i].split("-")
        row[i] = f"{y}/{int(m)}/{int(day)}"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (d / "customers.csv").write_text(buf.getvalue(), encoding="utf-8")
    r = run("validate", data=d, code=1)
    err = r.stderr.splitlines()
    assert len(err) == 40 + 1                 # 40 dates, then one line for the 813 that follow
    assert all("Excel rewrote the date" in ln for ln in err[:40])
    assert err[-1].startswith("error: 813 more record(s) rejected only because their customer")
    assert re.search(r"customers\.csv +opened_on +error +40 +2 ", r.stdout)
    obj = json.loads(run("validate", "--format", "json", data=d, code=1).stdout)
    assert sum(c["count"] for c in obj["consequences"]) == 813 and obj["errors"] == 853


# 13. wording: --encoding utf-8 on a GBK file; titles never folded; the README cites no SPEC
def test_13_wording(tmp_path, monkeypatch):
    d = _copy_sample(tmp_path)
    (d / "customers.csv").write_bytes((SAMPLE / "customers.csv").read_text(encoding="utf-8").encode("gbk"))
    r = run("validate", "--encoding", "utf-8", data=d, code=1)
    assert "nor utf-8" not in r.stderr and "pass --encoding gb18030" in r.stderr
    terminal(monkeypatch, 200)
    out = _ANSI.sub("", run("overdue-report", "--as-of", "2026-11-03").stdout)
    assert "Overdue accounts on 2026-11-03, in collection priority order\n" in out
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "SPEC" not in readme and "docs/formats.md" in readme


def _copy_sample(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    for f in SAMPLE.glob("*.csv"):
        (d / f.name).write_bytes(f.read_bytes())
    return d
