"""Security (issue 8 point 5; SPEC 6): output paths, CSV formula text, personal data, crashes.

- **No output path from unchecked input**: customer ids such as ``../../etc/x`` or ``C1/..``
  are rejected by the loader, and ``bill --out`` writes only under its folder, only files named
  after validated ids, even with ``--skip-invalid`` on a book full of such ids.
- **CSV formula text neutralised in every CSV the tool writes** (bill --format csv and its
  summary.csv, overdue-report csv and the --out worklist, repay/defer csv, score csv,
  validate csv, quote csv, train csv, score --features csv) for customers named
  ``=HYPERLINK("x")``, ``+cmd``, ``-2+3``, ``@SUM(A1)``, and for other text that reaches a CSV
  (a transaction id, a folder name, a column name, a row id).
- **Personal data masked everywhere**: every command in every format, plus every file it
  writes, on a book where every customer has a phone and an ID number, shows neither in full
  (stdout, stderr, files) — also in warnings and error messages about those rows.
- **A crash never dumps data**: ``pretty_exceptions_show_locals`` is off, and an internal
  error (simulated by making an engine function raise, with customer data in its locals and
  in its message) prints one plain line, exits 1, and shows neither — in CliRunner and through
  the real entry point; with ``BAITIAO_DEBUG=1`` the traceback is shown but locals never are.
"""

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

from trust_helpers import (
    CUSTOMERS, DATA_COMMANDS, ID_NUMBERS, PHONES, TRANSACTIONS, all_text_under, appended, command_line, copy_book, error_lines,
    invoke, isolated_env, tree, write_book,
)

ROOT = Path(__file__).resolve().parents[1]
C, T = "customers.csv", "transactions.csv"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    isolated_env(monkeypatch, tmp_path)


# =================================================================================================
# No output path built from unchecked input
# =================================================================================================

EVIL_IDS = ["../../etc/x", "C1/..", "..", ".", "/abs", "C1\\..\\x", "C1∕x", "~root", "C1 ", " ", "a" * 65,
            "C1\u200b", "Ｃ１"]


def evil_book(tmp_path: Path) -> Path:
    rows_c, rows_t = [], []
    for k, cid in enumerate(EVIL_IDS):
        q = '"' + cid.replace('"', '""') + '"'
        rows_c.append(f"{q},evil,13800000000,,2026-01-01,3,,")
        rows_t.append(f"TE{k},{q},2026-01-10,purchase,10.00,1,,,x,y")
    return write_book(tmp_path, {C: CUSTOMERS + "\n".join(rows_c) + "\n",
                                 T: TRANSACTIONS + "\n".join(rows_t) + "\n"})


def test_path_like_customer_ids_are_rejected_by_the_loader(tmp_path):
    d = evil_book(tmp_path)
    r = invoke(["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 1
    rejected = [ln for ln in error_lines(r.stderr) if f"{d / C}:" in ln and "customer_id" in ln]
    # "C1 " is "C1" after trimming: a duplicate of the real C1, rejected as such
    assert len(rejected) == len(EVIL_IDS), r.stderr


def test_bill_out_writes_only_inside_its_folder_and_only_validated_names(tmp_path):
    d = evil_book(tmp_path)
    out = tmp_path / "deep" / "out"
    everything_before = tree(tmp_path)
    r = invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--out", str(out), "--skip-invalid",
                "--format", "json"])
    assert r.exit_code == 1
    after = tree(tmp_path)
    new = sorted(set(after) - set(everything_before))
    assert new and all(n.startswith("deep/out/2026-03-03/") for n in new), new
    assert sorted(Path(n).name for n in new) == ["C1.json", "C1.txt", "C2.json", "C2.txt", "summary.csv"]
    assert all(after[k] == v for k, v in everything_before.items())          # nothing else touched
    assert not (tmp_path / "etc").exists() and not Path("/etc/x.json").exists()


def test_json_customer_ids_with_slashes_are_rejected_too(tmp_path):
    d = write_book(tmp_path, {C: None, "customers.json": json.dumps(
        [{"customer_id": "C1", "opened_on": "2026-01-01"}, {"customer_id": "C2", "opened_on": "2026-01-15"},
         {"customer_id": "C3", "opened_on": "2026-01-01", "statement_day": 10},
         {"customer_id": "../x", "opened_on": "2026-01-01"}, {"customer_id": "a/b", "opened_on": "2026-01-01"}])})
    out = tmp_path / "out"
    r = invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--out", str(out)])
    assert r.exit_code == 1 and "'../x'" in r.stderr and "'a/b'" in r.stderr
    assert not out.exists() and not (tmp_path / "x.json").exists()


@pytest.mark.parametrize("value", ["../x", "C1/..", "/etc/passwd", "..", "C1\x00"])
def test_customer_and_ref_options_never_reach_a_path(tmp_path, value):
    d = write_book(tmp_path)
    before = tree(tmp_path)
    for args in (["bill", "--as-of", "2026-03-05", "--customer", value, "--out", str(tmp_path / "out")],
                 ["repay", "--customer", "C1", "--amount", "1.00", "--date", "2026-03-05", "--ref", value,
                  "--as-of", "2026-03-05"],
                 ["defer", "--customer", value, "--statement-date", "2026-03-03", "--days", "5",
                  "--date", "2026-03-05", "--ref", "D1", "--as-of", "2026-03-05"]):
        r = invoke([args[0], "--data-dir", str(d), *args[1:]])
        assert r.exit_code == 2, (args, r.stderr)
    assert tree(tmp_path) == before


# =================================================================================================
# CSV formula text neutralised in every CSV the tool writes
# =================================================================================================

FORMULA_NAMES = ['=HYPERLINK("x")', "+cmd", "-2+3", "@SUM(A1)"]
NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def assert_excel_safe(text: str, where: str) -> list[str]:
    """Every cell that starts like a formula is a plain number; returns all cells."""
    cells = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    for c in cells:
        if c[:1] in ("=", "+", "-", "@", "\t", "\r"):
            assert NUMBER_TEXT.fullmatch(c), f"{where}: formula-like cell {c!r}"
    return cells


def formula_book(tmp_path: Path) -> Path:
    rows = CUSTOMERS.replace("张三", '"=HYPERLINK(""x"")"').replace("王五", "+cmd").replace("李四", "-2+3")
    rows += "C4,@SUM(A1),13600003333,110006199505055678,2026-01-01,3,,\n"
    # text that reaches CSV cells through ids: a transaction id (repay's allocation lines)
    txns = TRANSACTIONS + "=T5,C4,2026-01-12,purchase,50.00,1,,,=cmd(),@evil\n"
    return write_book(tmp_path, {C: rows, T: txns}, name="=data")


CSV_RUNS = {
    "bill": ["bill", "--as-of", "2026-03-03"],
    "bill --customer": ["bill", "--as-of", "2026-03-05", "--customer", "C4"],
    "overdue-report": ["overdue-report", "--as-of", "2026-03-25"],
    "repay": ["repay", "--customer", "C4", "--amount", "70.00", "--date", "2026-03-05", "--ref", "N1",
              "--as-of", "2026-03-05", "--dry-run"],
    "defer": ["defer", "--customer", "C1", "--statement-date", "2026-03-03", "--days", "5", "--date", "2026-03-05",
              "--ref", "D1", "--as-of", "2026-03-05", "--dry-run"],
    "score": ["score", "--as-of", "2026-03-05"],
    "score --customer": ["score", "--as-of", "2026-03-05", "--customer", "C4"],
    "quote --customer": ["quote", "--customer", "C1", "--amount", "100.00", "--terms", "3", "--date", "2026-03-05"],
    "validate": ["validate"],
}


def test_validate_csv_problem_records_are_excel_safe(tmp_path):
    d = formula_book(tmp_path)
    (d / "customers.csv").write_text((d / "customers.csv").read_text(encoding="utf-8")
                                     + "C5,=x,13600004444,,2026-13-01,3,,\n", encoding="utf-8")
    r = invoke(["validate", "--data-dir", str(d.relative_to(tmp_path)), "--format", "csv"])
    assert r.exit_code == 1, r.stderr
    cells = assert_excel_safe(r.stdout, "validate")
    assert "'=data/customers.csv" in cells and "'=x" not in cells      # (a name is never in a problem)


@pytest.mark.parametrize("command", list(CSV_RUNS))
def test_csv_output_of_every_command_is_excel_safe(tmp_path, command):
    d = formula_book(tmp_path)
    args = CSV_RUNS[command]
    r = invoke([args[0], "--data-dir", str(d.relative_to(tmp_path)), *args[1:], "--format", "csv"])
    assert r.exit_code == 0, r.stderr
    cells = assert_excel_safe(r.stdout, command)
    shown = {"bill": FORMULA_NAMES[:2] + ["@SUM(A1)"], "bill --customer": ["@SUM(A1)"],
             "overdue-report": ["+cmd", "-2+3", "@SUM(A1)"], "repay": ["=T5"], "score": FORMULA_NAMES,
             "score --customer": ["@SUM(A1)"]}.get(command, [])
    # (validate: its CSV lists problems since issue 18, and this book has none: the file name it
    # shows is checked with a problem in test_validate_csv_problem_records_are_excel_safe)
    for text in shown:
        assert "'" + text in cells, (text, r.stdout)


def test_files_written_for_excel_are_safe(tmp_path):
    d = formula_book(tmp_path)
    out = tmp_path / "out"
    r = invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--out", str(out / "st")])
    assert r.exit_code == 0, r.stderr
    summary = (out / "st" / "2026-03-03" / "summary.csv").read_text(encoding="utf-8")
    cells = assert_excel_safe(summary, "summary.csv")
    assert {"'=HYPERLINK(\"x\")", "'+cmd", "'@SUM(A1)"} <= set(cells)
    r = invoke(["overdue-report", "--data-dir", str(d), "--as-of", "2026-03-25", "--out", str(out / "w.csv")])
    assert r.exit_code == 0, r.stderr
    cells = assert_excel_safe((out / "w.csv").read_text(encoding="utf-8"), "worklist")
    assert {"'+cmd", "'-2+3", "'@SUM(A1)"} <= set(cells)


def test_train_and_score_features_csv_are_safe(tmp_path):
    """A labelled table names the columns and the row ids: both reach CSV output."""
    table = tmp_path / "t.csv"
    lines = ["id,=SUM(A1),+city,bad"]
    for i in range(200):
        lines.append(f"{'=x' if i % 2 else '@y'}{i},{(i * 37) % 100},{'-ab'[i % 3]},{int(i % 5 == 0)}")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = tmp_path / "m.json"
    r = invoke(["train", "--features", str(table), "--target", "bad", "--out", str(model), "--as-of", "2026-03-05",
                "--format", "csv"])
    assert r.exit_code == 0, r.stderr
    cells = assert_excel_safe(r.stdout, "train csv")
    assert "'=sum(a1)" in cells or "'=SUM(A1)" in cells
    r = invoke(["score", "--model", str(model), "--features", str(table), "--format", "csv"])
    assert r.exit_code == 0, r.stderr
    cells = assert_excel_safe(r.stdout, "score --features csv")
    assert "'=x1" in cells and "'@y0" in cells


# =================================================================================================
# Personal data masked in every report, file and message
# =================================================================================================

def leaks(text: str) -> list[str]:
    return [x for x in (*PHONES, *ID_NUMBERS) if x in text]


def _run_everything(d: Path, out: Path, fmt: str) -> str:
    """Every command on ``d`` in ``fmt``; returns stdout + stderr of all of them."""
    blob = []
    for name in DATA_COMMANDS:
        r = invoke(command_line(name, d, out, fmt=fmt))
        blob.append(r.stdout + r.stderr)
    for extra in (["quote", "--amount", "100.00", "--terms", "3", "--terms", "12", "--date", "2026-03-05"],
                  ["bill", "--data-dir", str(d), "--as-of", "2026-03-03", "--skip-invalid"],
                  ["overdue-report", "--data-dir", str(d), "--as-of", "2026-03-05", "--compare", "2026-02-20",
                   "--skip-invalid"],
                  ["score", "--data-dir", str(d), "--as-of", "2026-03-05", "--psi-against", "2026-02-20"]):
        r = invoke([*extra, "--format", fmt])
        blob.append(r.stdout + r.stderr)
    return "\n".join(blob)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_no_phone_or_id_number_in_any_output_or_file(tmp_path, fmt):
    d = write_book(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    blob = _run_everything(d, out, fmt)
    assert "138****5678" in blob or fmt == "csv"          # the masked form is what reports show
    assert leaks(blob) == []
    assert leaks(all_text_under(out)) == []               # statements, summary.csv, worklist


def test_no_phone_or_id_number_from_train_from_history(tmp_path):
    from benchmarks.generate import generate  # noqa: PLC0415

    d = tmp_path / "book"
    generate(d, customers=150, seed=3)
    with open(d / "customers.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    secrets = [r["phone"] for r in rows] + [r["id_number"] for r in rows]
    out = tmp_path / "out"
    out.mkdir()
    blob = ""
    for fmt in ("table", "json", "csv"):
        r = invoke(["train", "--from-history", "--data-dir", str(d), "--observation-date", "2025-11-01", "--as-of",
                    "2026-11-25", "--out", str(out / f"m-{fmt}.json"), "--save-table", str(out / f"t-{fmt}.csv"),
                    "--format", fmt])
        assert r.exit_code == 0, r.stderr
        blob += r.stdout + r.stderr
    files = all_text_under(out)
    assert [s for s in secrets if s in blob or s in files] == []


# Faulty rows of customers who have a phone and an ID number: the messages about them must not
# echo either (the row's other fields are named, not the personal data).
PII_FAULTS = {
    "bad opened_on": appended(C, "C4,赵六,13600009999,110007199909099999,2026-02-30,3,,"),
    "bad statement_day": appended(C, "C4,赵六,13600009999,110007199909099999,2026-01-01,99,,"),
    "duplicate id": appended(C, "C1,赵六,13600009999,110007199909099999,2026-01-01,3,,"),
    "too many fields": appended(C, "C4,赵六,13600009999,110007199909099999,2026-01-01,3,,,,extra"),
    "too few fields": appended(C, "C4,赵六,13600009999,110007199909099999"),
    "unterminated quote": appended(C, 'C4,"赵六,13600009999,110007199909099999,2026-01-01,3,,'),
    "torn last customer": {C: CUSTOMERS + "C4,赵六,13600009999,110007199909099"},
    "phone as a JSON list": {C: None, "customers.jsonl": "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in csv.DictReader(io.StringIO(CUSTOMERS)))
        + '{"customer_id": "C4", "opened_on": "2026-01-01", "phone": ["13600009999"], '
          '"id_number": {"v": "110007199909099999"}}\n'},
    "duplicate JSON key": {C: None, "customers.jsonl": "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in csv.DictReader(io.StringIO(CUSTOMERS)))
        + '{"customer_id": "C4", "opened_on": "2026-01-01", "phone": "13600009999", "phone": "1", '
          '"id_number": "110007199909099999"}\n'},
    "JSON line cut": {C: None, "customers.jsonl": "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in csv.DictReader(io.StringIO(CUSTOMERS)))
        + '{"customer_id": "C4", "opened_on": "2026-01-01", "phone": "13600009999", "id_number": "1100071999'},
}
BAD_ROW_SECRETS = ("13600009999", "110007199909099999")


@pytest.mark.parametrize("fault", list(PII_FAULTS))
def test_messages_about_a_bad_row_never_echo_its_phone_or_id_number(tmp_path, fault):
    d = write_book(tmp_path, PII_FAULTS[fault])
    out = tmp_path / "out"
    out.mkdir()
    for name in ("validate", "bill", "repay", "overdue-report --out", "score"):
        r = invoke(command_line(name, d, out))
        assert r.exit_code == 1, (name, r.stderr)
        assert error_lines(r.stderr)
        text = r.stdout + r.stderr
        assert [s for s in (*BAD_ROW_SECRETS, *PHONES, *ID_NUMBERS) if s in text] == [], text
        r = invoke([*command_line(name, d, out), "--skip-invalid"]) if name in ("bill", "score") else r
        assert [s for s in (*BAD_ROW_SECRETS, *PHONES, *ID_NUMBERS) if s in r.stdout + r.stderr] == []


@pytest.mark.parametrize("row", ['C4,赵"六,13600009999,110007199909099999,2026-01-01,3,,',
                                 'C4,赵六,13600009999,110007199909099999,2026-01-01,3,,x"y'])
def test_a_stray_quote_in_a_customer_row_does_not_echo_personal_data(tmp_path, row):
    d = write_book(tmp_path, appended(C, row))
    r = invoke(["validate", "--data-dir", str(d)])
    assert r.exit_code == 1 and f"{d / C}:5:" in r.stderr and "stray quote" in r.stderr
    assert [s for s in BAD_ROW_SECRETS if s in r.stderr] == [], r.stderr


def test_a_harmless_warning_keeps_personal_data_masked(tmp_path):
    d = write_book(tmp_path, {C: CUSTOMERS.replace("credit_limit\n", "credit_limit,wechat\n", 1)
                              .replace(",5000.00\n", ",5000.00,13812345678\n").replace(",,\n", ",,,\n")})
    for k, name in enumerate(DATA_COMMANDS):
        each = copy_book(d, tmp_path / f"copy{k}" / "data")          # repay and defer change the book
        out = tmp_path / f"copy{k}" / "out"
        out.mkdir()
        r = invoke(command_line(name, each, out))
        assert r.exit_code == 0, (name, r.stderr)
        assert "wechat: unknown column ignored" in r.stderr
        assert leaks(r.stdout + r.stderr) == []
        assert leaks(all_text_under(out)) == []


# =================================================================================================
# A crash never dumps customer data
# =================================================================================================

def test_pretty_exceptions_are_off_and_never_show_locals():
    from baitiao_cli.cli.app import app

    assert app.pretty_exceptions_show_locals is False
    assert app.pretty_exceptions_enable is False


def _boom(*_args, **_kwargs):
    phone, id_number = PHONES[0], ID_NUMBERS[0]          # locals full of personal data
    secret = ID_NUMBERS[1]
    assert secret
    raise RuntimeError(f"cannot handle {phone} {id_number}")


# command -> (module, attribute) of an engine function it calls after loading the data
CRASH_POINTS = {
    "quote": ("baitiao_cli.engine.quote", "build_quote"),
    "quote --customer": ("baitiao_cli.engine.quote", "build_quote"),
    "bill": ("baitiao_cli.views.statement", "summary_row"),
    "bill --out": ("baitiao_cli.views.statement", "summary_row"),
    "bill --customer": ("baitiao_cli.views.statement", "summary_row"),
    "repay": ("baitiao_cli.engine.ledger", "post_repayment"),
    "defer": ("baitiao_cli.engine.ledger", "post_deferral"),
    "overdue-report": ("baitiao_cli.engine.ledger", "overdue_status"),
    "score": ("baitiao_cli.engine.features", "customer_features"),
    "train --features": ("baitiao_cli.engine.train.fit", "train"),
    "train --from-history": ("baitiao_cli.engine.features", "customer_features"),
    "validate": ("baitiao_cli.io.loader", "check_refunds"),
}
TRAIN_TABLE = "id,x,bad\n" + "".join(f"{i},{(i * 37) % 100},{int(i % 5 == 0)}\n" for i in range(200))


def crash_args(command: str, tmp_path: Path) -> list[str]:
    d = tmp_path / "data"
    if command == "quote":
        return ["quote", "--amount", "100.00", "--terms", "3", "--date", "2026-03-05"]
    if command.startswith("train"):
        (tmp_path / "t.csv").write_text(TRAIN_TABLE, encoding="utf-8")
        if command == "train --features":
            return ["train", "--features", str(tmp_path / "t.csv"), "--target", "bad", "--out",
                    str(tmp_path / "out" / "m.json"), "--as-of", "2026-03-05"]
        return ["train", "--from-history", "--data-dir", str(d), "--observation-date", "2026-01-31", "--as-of",
                "2026-03-05", "--out", str(tmp_path / "out" / "m.json")]
    return command_line(command, d, tmp_path / "out", fmt=None)


INTERNAL = "error: internal error (RuntimeError); rerun with BAITIAO_DEBUG=1 to see the details\n"


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("command", list(CRASH_POINTS))
def test_an_internal_error_prints_one_plain_line_and_no_data(tmp_path, monkeypatch, command, fmt):
    import importlib

    d = write_book(tmp_path)
    (tmp_path / "out").mkdir()
    module, attr = CRASH_POINTS[command]
    monkeypatch.setattr(importlib.import_module(module), attr, _boom)
    before = tree(d)
    r = invoke([*crash_args(command, tmp_path), "--format", fmt])
    assert r.exit_code == 1
    assert r.stderr.endswith(INTERNAL) and error_lines(r.stderr) == [INTERNAL.strip()], r.stderr
    assert leaks(r.stderr) == [] and "cannot handle" not in r.stderr     # neither the message nor locals
    assert r.stdout == ""
    assert tree(d) == before and list((tmp_path / "out").rglob("*")) == []


CRASHING_MAIN = r"""
import importlib, sys
sys.path.insert(0, sys.argv[1])
from trust_helpers import ID_NUMBERS, PHONES
def boom(*a, **k):
    phone, id_number = PHONES[0], ID_NUMBERS[0]
    secret = ID_NUMBERS[1]
    raise RuntimeError(f"cannot handle {phone} {id_number}")
mod, attr = sys.argv[2], sys.argv[3]
setattr(importlib.import_module(mod), attr, boom)
from baitiao_cli.cli.app import main
sys.argv = ["baitiao", *sys.argv[4:]]
main()
"""


@pytest.mark.parametrize("command", ["bill --out", "repay", "overdue-report", "score"])
def test_the_real_entry_point_prints_one_line_and_debug_never_shows_locals(tmp_path, command):
    write_book(tmp_path)
    (tmp_path / "out").mkdir()
    module, attr = CRASH_POINTS[command]
    env = {k: v for k, v in os.environ.items() if k not in ("BAITIAO_CONFIG", "BAITIAO_DEBUG")}
    env["PYTHONPATH"] = str(ROOT)
    argv = [sys.executable, "-c", CRASHING_MAIN, str(ROOT / "tests"), module, attr, *crash_args(command, tmp_path)]
    p = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == INTERNAL, p.stderr
    p = subprocess.run(argv, cwd=tmp_path, env={**env, "BAITIAO_DEBUG": "1"}, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 1 and "Traceback" in p.stderr and "RuntimeError" in p.stderr
    assert ID_NUMBERS[1] not in p.stderr                 # a local that is not in the message: never shown


# =================================================================================================
# Text from the data never drives the operator's terminal (rich markup, escape sequences)
# =================================================================================================

MARKUP_NAMES = ("[/bold]", "[link=https://evil.example]click[/link]", "a\x1b[2Jb\x9b31m")


def markup_book(tmp_path: Path) -> Path:
    rows = (CUSTOMERS.replace("张三", MARKUP_NAMES[0]).replace("王五", MARKUP_NAMES[1])
            .replace("李四", MARKUP_NAMES[2]))
    return write_book(tmp_path, {C: rows}, name="[x]data")


def run_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the real CLI with stdout on a pseudo-terminal (the rich table path)."""
    import pty

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("BAITIAO_CONFIG", "BAITIAO_DEBUG")}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="250", TERM="xterm-256color")
    p = subprocess.Popen([sys.executable, "-c", "from baitiao_cli.cli.app import main; import sys; "
                          "sys.argv = ['baitiao', *sys.argv[1:]]; main()", *args],
                         cwd=cwd, env=env, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    err = p.stderr.read().decode("utf-8", errors="replace")
    p.wait(timeout=60)
    return p.returncode, b"".join(chunks).decode("utf-8", errors="replace"), err


TERMINAL_RUNS = {
    "bill": (["bill", "--as-of", "2026-03-03"], MARKUP_NAMES[:2]),
    "bill --customer": (["bill", "--as-of", "2026-03-05", "--customer", "C1"], MARKUP_NAMES[:1]),
    "overdue-report": (["overdue-report", "--as-of", "2026-03-05"], MARKUP_NAMES[1:]),
    "score": (["score", "--as-of", "2026-03-05"], MARKUP_NAMES),
    "score --customer": (["score", "--as-of", "2026-03-05", "--customer", "C3"], MARKUP_NAMES[2:]),
    "repay --dry-run": (["repay", "--customer", "C2", "--amount", "1.00", "--date", "2026-03-05", "--ref", "N1",
                         "--as-of", "2026-03-05", "--dry-run"], MARKUP_NAMES[1:2]),
    "validate": (["validate"], ()),
}


@pytest.mark.parametrize("command", list(TERMINAL_RUNS))
def test_names_are_shown_literally_on_a_terminal(tmp_path, command):
    d = markup_book(tmp_path)
    args, names = TERMINAL_RUNS[command]
    code, out, err = run_on_a_terminal([args[0], "--data-dir", d.name, *args[1:]], tmp_path)
    assert code == 0, err                         # "[/bold]" used to crash the rich table (MarkupError)
    assert "internal error" not in err and "Traceback" not in err
    flat = re.sub(r"\x1b\[[0-9;]*m", "", out)     # rich's own colours
    for name in names:
        shown = name.replace("\x1b", "\\x1b").replace("\x9b", "\\x9b")
        assert shown in flat, (name, flat)        # literally, markup not interpreted
    assert "\x1b[2J" not in out and "\x9b" not in out and "\x1b]8;" not in out   # no clear screen, no link
    if command == "validate":
        assert "[x]data" in flat


def test_names_are_shown_literally_when_piped(tmp_path):
    d = markup_book(tmp_path)
    r = invoke(["score", "--data-dir", str(d), "--as-of", "2026-03-05"])
    assert r.exit_code == 0
    assert "a\\x1b[2Jb\\x9b31m" in r.stdout and "\x1b" not in r.stdout
    assert "[link=https://evil.example]click[/link]" in r.stdout
