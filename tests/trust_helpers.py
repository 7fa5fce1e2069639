"""Shared by the trust tests (issue 8): a small data directory on which every command that
reads data succeeds, the command lines that exercise each of them, and helpers to run the
CLI and to fingerprint files.

The book (built-in config: statement day 3, due = statement + 9, late fee 0.05 %/day):
- C1 (day 3, manual limit 5000.00): T1 1200.00 in 12 on 2026-01-10 (100.00 + 6.00 a period);
  R1 106.00 on 2026-02-10 pays period 1.  Statement 2026-03-03: period 2, 106.00, due 03-12.
- C2 (day 3): T2 500.00 pay-in-full on 2026-01-20, never paid: overdue from 2026-02-13.
- C3 (day 10): T3 300.00 in 3 at 1 % on 2026-02-01.
Every customer has a phone and an ID number: no output may show either in full.

Line numbers (header = line 1): an appended customer is line 5, transaction line 5,
repayment line 3, deferral line 2.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Optional

from typer.testing import CliRunner

from baitiao_cli.cli.app import app

CUSTOMERS = (
    "customer_id,name,phone,id_number,opened_on,statement_day,monthly_income,credit_limit\n"
    "C1,张三,13812345678,110003199001011234,2026-01-01,3,8000.00,5000.00\n"
    "C2,王五,13900001111,110008199202022345,2026-01-15,3,,\n"
    "C3,李四,13700002222,44000419880303345X,2026-01-01,10,,\n"
)
TRANSACTIONS = (
    "txn_id,customer_id,date,type,amount,installments,fee_rate,ref_txn_id,merchant,category\n"
    "T1,C1,2026-01-10,purchase,1200.00,12,,,京东,online\n"
    "T2,C2,2026-01-20,purchase,500.00,1,,,shop,online\n"
    "T3,C3,2026-02-01,purchase,300.00,3,0.01,,shop,online\n"
)
REPAYMENTS = (
    "repayment_id,customer_id,date,amount,kind,channel\n"
    "R1,C1,2026-02-10,106.00,normal,app\n"
)
DEFERRALS = "deferral_id,customer_id,statement_date,date,days\n"
FILES = {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS, "repayments.csv": REPAYMENTS,
         "deferrals.csv": DEFERRALS}

PHONES = ("13812345678", "13900001111", "13700002222")
ID_NUMBERS = ("110003199001011234", "110008199202022345", "44000419880303345X")

# Every command (and mode) that reads the data directory, as run on the book above: each exits 0
# on the clean book (test_trust_corpus checks it). "{out}" is an empty folder for output files.
DATA_COMMANDS: dict[str, list[str]] = {
    "quote --customer": ["quote", "--customer", "C1", "--amount", "100.00", "--terms", "3", "--date", "2026-03-05"],
    "bill": ["bill", "--as-of", "2026-03-03"],
    "bill --customer": ["bill", "--as-of", "2026-03-05", "--customer", "C1"],
    "bill --out": ["bill", "--as-of", "2026-03-03", "--out", "{out}/statements"],
    "repay": ["repay", "--customer", "C1", "--amount", "106.00", "--date", "2026-03-05", "--ref", "NEW-1",
              "--as-of", "2026-03-05"],
    "repay --dry-run": ["repay", "--customer", "C1", "--amount", "106.00", "--date", "2026-03-05", "--ref", "NEW-1",
                        "--as-of", "2026-03-05", "--dry-run"],
    "repay --settle --dry-run": ["repay", "--customer", "C1", "--amount", "2000.00", "--date", "2026-03-05",
                                 "--ref", "NEW-2", "--as-of", "2026-03-05", "--settle", "--dry-run"],
    "defer": ["defer", "--customer", "C1", "--statement-date", "2026-03-03", "--days", "5", "--date", "2026-03-05",
              "--ref", "DEF-1", "--as-of", "2026-03-05"],
    "defer --dry-run": ["defer", "--customer", "C1", "--statement-date", "2026-03-03", "--days", "5",
                        "--date", "2026-03-05", "--ref", "DEF-1", "--as-of", "2026-03-05", "--dry-run"],
    # C2's 500.00 billed 02-03 (due 02-12), converted on 02-05 (before it was overdue), back-dated
    "convert": ["convert", "--customer", "C2", "--statement-date", "2026-02-03", "--amount", "100.00", "--terms", "3",
                "--date", "2026-02-05", "--ref", "CNV-1", "--as-of", "2026-03-05"],
    "convert --dry-run": ["convert", "--customer", "C2", "--statement-date", "2026-02-03", "--amount", "100.00",
                          "--terms", "3", "--date", "2026-02-05", "--ref", "CNV-1", "--as-of", "2026-03-05",
                          "--dry-run"],
    # corrections (SPEC 4.11, 4.15): R1 bounced; C2 overdue since 02-13 (late fee 21 x 0.25 = 5.25 by
    # 03-05); C2 is 181 days past due on 2026-08-12
    "reverse": ["reverse", "--target", "R1", "--date", "2026-03-05", "--ref", "REV-1", "--reason", "bounced",
                "--as-of", "2026-03-05"],
    "reverse --dry-run": ["reverse", "--target", "R1", "--date", "2026-03-05", "--ref", "REV-1", "--as-of",
                          "2026-03-05", "--dry-run"],
    "waive": ["waive", "--customer", "C2", "--component", "late_fee", "--amount", "1.00", "--date", "2026-03-05",
              "--ref", "WV-1", "--reason", "goodwill", "--as-of", "2026-03-05"],
    "waive --dry-run": ["waive", "--customer", "C2", "--component", "late_fee", "--amount", "1.00", "--date",
                        "2026-03-05", "--ref", "WV-1", "--reason", "goodwill", "--as-of", "2026-03-05", "--dry-run"],
    "write-off": ["write-off", "--customer", "C2", "--date", "2026-08-12", "--ref", "WO-1", "--as-of", "2026-08-12"],
    "write-off --dry-run": ["write-off", "--customer", "C2", "--date", "2026-08-12", "--ref", "WO-1", "--as-of",
                            "2026-08-12", "--dry-run"],
    "balance": ["balance", "--customer", "C1", "--as-of", "2026-03-05"],
    "review": ["review", "--as-of", "2026-03-05"],
    "review --apply": ["review", "--as-of", "2026-03-05", "--apply", "--ref", "RV-1"],
    "overdue-report": ["overdue-report", "--as-of", "2026-03-05"],
    "overdue-report --out": ["overdue-report", "--as-of", "2026-03-05", "--out", "{out}/worklist.csv"],
    "score": ["score", "--as-of", "2026-03-05"],
    "score --customer": ["score", "--as-of", "2026-03-05", "--customer", "C1"],
    "validate": ["validate"],
    # C1 (106.00) and C2 (500.00 + 19 x 0.25 = 504.75) owe on the 03-03 statement, due 03-12
    "remind": ["remind", "--as-of", "2026-03-10"],
    "remind --out": ["remind", "--as-of", "2026-03-10", "--out", "{out}/sms.csv"],
}

# The commands with --skip-invalid (SPEC 6).
SKIP_INVALID_COMMANDS = ("bill", "bill --out", "overdue-report", "overdue-report --out", "score", "review", "remind",
                         "remind --out")


def write_book(root: Path, files: Optional[dict] = None, name: str = "data") -> Path:
    """The book above in ``root/name``, then ``files`` (name -> text/bytes; None deletes)."""
    d = root / name
    d.mkdir(parents=True, exist_ok=True)
    content: dict = dict(FILES)
    content.update(files or {})
    for fname, value in content.items():
        p = d / fname
        if value is None:
            if p.exists():
                p.unlink()
        elif isinstance(value, str):
            p.write_bytes(value.encode("utf-8"))
        else:
            p.write_bytes(value)
    return d


def appended(fname: str, row: str) -> dict:
    """The book's file ``fname`` with one more line."""
    return {fname: FILES[fname] + row + "\n"}


def command_line(name: str, data: Path, out: Path, config: Optional[Path] = None,
                 fmt: Optional[str] = "json") -> list[str]:
    args = [a.replace("{out}", str(out)) for a in DATA_COMMANDS[name]]
    line = [args[0], "--data-dir", str(data), *args[1:]]
    if config is not None:
        line += ["--config", str(config)]
    if fmt is not None:
        line += ["--format", fmt]
    return line


def invoke(args: list[str], **kw):
    """Run the CLI in-process; never a traceback, never an exception other than SystemExit."""
    r = CliRunner().invoke(app, args, **kw)
    assert "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    return r


def ok_json(r) -> dict:
    """The JSON object of a run that succeeded (exit 0, no traceback)."""
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return json.loads(r.stdout)


def refused(r, reason: str) -> None:
    """A refusal: exit 1, the reason on stderr, nothing on stdout, no traceback."""
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert reason in r.stderr, r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative name -> sha256 of its bytes); {} when it does not exist."""
    if not root.exists():
        return {}
    if root.is_file():
        return {root.name: hashlib.sha256(root.read_bytes()).hexdigest()}
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def all_text_under(root: Path) -> str:
    """The text of every file under ``root`` (for leak checks), decoded leniently."""
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out.append(p.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(out)


def copy_book(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def error_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("error: ")]


def json_or_none(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


def isolated_env(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    monkeypatch.delenv("BAITIAO_DEBUG", raising=False)
