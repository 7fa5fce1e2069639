"""The bad-input corpus across every command (issue 8 point 1; SPEC 5, 6).

Three parts:

1. **Loader cases the corpus of ``test_loader_bad.py`` did not have yet** (same base directory,
   ``loader_fixtures``, same checks through ``baitiao validate`` and ``load_dataset``): every
   field of repayments and deferrals, path-like customer ids, numbers in the wrong form in
   every money/integer column, header-only files, and line numbers that stay right through a
   BOM, Windows line endings and GBK text.
2. **Every command that reads the data directory** (``trust_helpers.DATA_COMMANDS``: quote
   --customer, bill, bill --customer, bill --out, repay, repay --dry-run, repay --settle
   --dry-run, defer, defer --dry-run, convert, convert --dry-run, overdue-report, overdue-report --out, score, score
   --customer, validate; train --from-history on a generated book) against a set of
   malformed data directories: exit 1, ``error: <file>:<line>: <field>: ...`` on stderr, no
   traceback, nothing on stdout (validate: its summary), and not a byte written: the data
   directory and the output folder are fingerprinted before and after. A harmless fault (an
   unknown extra column) is a warning: exit 0 and the normal report.
3. **Malformed option values** for every command: exit 2, the option named, no traceback,
   nothing written; **bad configuration** for every command: exit 1 naming the key (or the
   file, for invalid TOML).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from loader_fixtures import CUSTOMERS as L_CUSTOMERS
from loader_fixtures import DEFERRALS as L_DEFERRALS
from loader_fixtures import REPAYMENTS as L_REPAYMENTS
from loader_fixtures import TRANSACTIONS as L_TRANSACTIONS
from loader_fixtures import snapshot, with_row, write_dir
from trust_helpers import (
    CUSTOMERS, DATA_COMMANDS, REPAYMENTS, TRANSACTIONS, appended, command_line, error_lines, invoke,
    isolated_env, tree, write_book,
)

from baitiao_cli.engine.config import Config
from baitiao_cli.errors import DataError
from baitiao_cli.io.loader import load_dataset

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

C, T, R, D = "customers.csv", "transactions.csv", "repayments.csv", "deferrals.csv"
E, W = "error", "warning"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    isolated_env(monkeypatch, tmp_path)


# =================================================================================================
# 1. Loader cases missing from test_loader_bad.py (base: loader_fixtures; appended rows are
#    customers line 4, transactions line 6, repayments line 4, deferrals line 3)
# =================================================================================================

def gap(id_, files, *expected, code=1):
    return pytest.param(files, list(expected), code, id=id_)


def header_only(text: str) -> str:
    return text.split("\n", 1)[0] + "\n"


GAPS = [
    # repayments: every field
    gap("repayment customer_id missing", with_row(R, "R9,,2025-02-12,1.00,,"), (R, 4, "customer_id", "missing required value", E)),
    gap("repayment date missing", with_row(R, "R9,C1,,1.00,,"), (R, 4, "date", "missing required value", E)),
    gap("repayment date slashes", with_row(R, "R9,C1,2025/02/12,1.00,,"), (R, 4, "date", "YYYY-MM-DD form: '2025/02/12'", E)),
    gap("repayment amount missing", with_row(R, "R9,C1,2025-02-12,,,"), (R, 4, "amount", "missing required value", E)),
    gap("repayment amount NaN", with_row(R, "R9,C1,2025-02-12,NaN,,"), (R, 4, "amount", "not a finite number: 'NaN'", E)),
    gap("repayment amount exponent", with_row(R, "R9,C1,2025-02-12,1E2,,"), (R, 4, "amount", "exponent form", E)),
    gap("repayment amount negative", with_row(R, "R9,C1,2025-02-12,-5.00,,"), (R, 4, "amount", "must be positive", E)),
    gap("repayment amount text", with_row(R, "R9,C1,2025-02-12,ten,,"), (R, 4, "amount", "not a decimal amount: 'ten'", E)),
    gap("repayment_id control character", with_row(R, "R\x079,C1,2025-02-12,1.00,,"), (R, 4, "repayment_id", "control character", E)),
    gap("repayment_id too long", with_row(R, "R" * 200 + ",C1,2025-02-12,1.00,,"), (R, 4, "repayment_id", "longer than 128", E)),
    # deferrals: every field
    gap("deferral_id missing", with_row(D, ",C2,2025-04-03,2025-04-05,5"), (D, 3, "deferral_id", "missing required value", E)),
    gap("deferral customer missing", with_row(D, "D2,,2025-04-03,2025-04-05,5"), (D, 3, "customer_id", "missing required value", E)),
    gap("deferral customer path-like", with_row(D, "D2,C2/..,2025-04-03,2025-04-05,5"), (D, 3, "customer_id", "'C2/..'", E)),
    gap("deferral statement_date missing", with_row(D, "D2,C2,,2025-04-05,5"), (D, 3, "statement_date", "missing required value", E)),
    gap("deferral date impossible", with_row(D, "D2,C2,2025-04-03,2025-04-31,5"), (D, 3, "date", "impossible date: '2025-04-31'", E)),
    gap("deferral days negative", with_row(D, "D2,C2,2025-04-03,2025-04-05,-5"), (D, 3, "days", "got -5", E)),
    gap("deferral days text", with_row(D, "D2,C2,2025-04-03,2025-04-05,five"), (D, 3, "days", "not a whole number: 'five'", E)),
    gap("deferral days exponent", with_row(D, "D2,C2,2025-04-03,2025-04-05,1e1"), (D, 3, "days", "not a whole number: '1e1'", E)),
    gap("deferral days NaN", with_row(D, "D2,C2,2025-04-03,2025-04-05,NaN"), (D, 3, "days", "not a whole number: 'NaN'", E)),
    # transactions and customers: forms not covered yet
    gap("installments negative", with_row(T, "T9,C1,2025-01-20,10.00,,-3,,,,"), (T, 6, "installments", "unknown term -3", E)),
    gap("customer id ../../etc/x", with_row(C, "../../etc/x,a,,,2025-01-01,,,"), (C, 4, "customer_id", "'../../etc/x'", E)),
    gap("customer id C1/..", with_row(C, "C1/..,a,,,2025-01-01,,,"), (C, 4, "customer_id", "'C1/..'", E)),
    gap("customer id ..", with_row(C, "..,a,,,2025-01-01,,,"), (C, 4, "customer_id", "'..'", E)),
    gap("monthly_income exponent", with_row(C, "C3,x,,,2025-01-01,,1e4,"), (C, 4, "monthly_income", "exponent form", E)),
    gap("monthly_income NaN", with_row(C, "C3,x,,,2025-01-01,,NaN,"), (C, 4, "monthly_income", "not a finite number", E)),
    gap("monthly_income 3 decimals", with_row(C, "C3,x,,,2025-01-01,,1.001,"), (C, 4, "monthly_income", "more than 2 decimal", E)),
    gap("statement_day exponent", with_row(C, "C3,x,,,2025-01-01,1e1,,"), (C, 4, "statement_day", "not a whole number: '1e1'", E)),
    # whole-file faults and encodings
    gap("header-only files are an empty book", {C: header_only(L_CUSTOMERS), T: header_only(L_TRANSACTIONS),
                                                R: header_only(L_REPAYMENTS), D: header_only(L_DEFERRALS)}, code=0),
    gap("unknown extra column in deferrals warns",
        {D: L_DEFERRALS.replace("days\n", "days,operator\n", 1).replace(",10\n", ",10,wang\n")},
        (D, 1, "operator", "unknown column ignored", W), code=0),
    gap("CRLF keeps line numbers", {T: (L_TRANSACTIONS + "T9,C1,2025-02-30,10.00,,,,,,\n").replace("\n", "\r\n")},
        (T, 6, "date", "impossible date: '2025-02-30'", E)),
    gap("BOM keeps the first column and line numbers", {T: "\ufeff" + L_TRANSACTIONS + "T9,C1,2025-01-20,1e3,,,,,,\n"},
        (T, 6, "amount", "exponent form", E)),
    gap("GBK keeps line numbers", {C: (L_CUSTOMERS + "C3,王五,,,2025-01-01,31,,\n").encode("gbk")},
        (C, 4, "statement_day", "got 31", E)),
    gap("GBK with CRLF", {C: (L_CUSTOMERS + "C3,王五,,,2025-02-30,,,\n").replace("\n", "\r\n").encode("gbk")},
        (C, 4, "opened_on", "impossible date", E)),
    gap("torn last transaction", {T: L_TRANSACTIONS + "T9,C1,2025-01-2"}, (T, 6, "", "incomplete last line (torn write?)", E)),
    gap("torn last customer", {C: L_CUSTOMERS + "C3,王"}, (C, 4, "", "incomplete last line (torn write?)", E)),
    gap("stray quote in a transaction", with_row(T, 'T9,C1,2025-01-20,10.00,,,,,ab"c,'), (T, 6, "", "stray quote", E)),
    gap("JSON Lines deferral with a list", {D: None, "deferrals.jsonl":
        '{"deferral_id":"D1","customer_id":"C2","statement_date":"2025-03-03","date":"2025-03-05","days":[10]}\n'},
        ("deferrals.jsonl", 1, "days", "expected text or a number, got a list", E)),
    gap("JSON amount with 3 decimals", {T: None, "transactions.json":
        '[{"txn_id":"T1","customer_id":"C1","date":"2025-01-10","amount":1000.005}]'},
        ("transactions.json", 1, "amount", "more than 2 decimal places: '1000.005'", E)),
    gap("JSON amount boolean", {T: None, "transactions.json":
        '[{"txn_id":"T1","customer_id":"C1","date":"2025-01-10","amount":true}]'},
        ("transactions.json", 1, "amount", "got true/false", E)),
    gap("JSON Lines duplicate txn_id", {T: None, "transactions.jsonl":
        '{"txn_id":"T1","customer_id":"C1","date":"2025-01-10","amount":"10.00"}\n'
        '{"txn_id":"T1","customer_id":"C1","date":"2025-01-11","amount":"10.00"}\n'},
        ("transactions.jsonl", 2, "txn_id", "duplicate txn_id 'T1' (first on line 1)", E)),
    gap("JSON null customer id", {C: None, "customers.json": '[{"customer_id":null,"opened_on":"2025-01-05"}]'},
        ("customers.json", 1, "customer_id", "missing required value", E),
        (T, 2, "customer_id", "unknown customer 'C1'", E)),
    gap("empty JSON Lines journal warns", {R: None, "repayments.jsonl": ""},
        ("repayments.jsonl", 0, "", "empty file (no header): read as no records", W), code=0),
]


def _expect_problem(err: str, d: Path, name: str, line: int, fld: str, words: str, sev: str) -> None:
    loc = f"{d / name}:{line}" if line else str(d / name)
    prefix = f"{sev}: {loc}:" + (f" {fld}:" if fld else "")
    assert any(ln.startswith(prefix) and words in ln for ln in err.splitlines()), \
        f"expected {prefix} ... {words!r} in:\n{err}"


@pytest.mark.parametrize("files, expected, code", GAPS)
def test_loader_gap_through_validate(tmp_path, files, expected, code):
    d = write_dir(tmp_path, files)
    before = snapshot(d)
    r = invoke(["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == code, r.stderr
    for name, line, fld, words, sev in expected:
        _expect_problem(r.stderr, d, name, line, fld, words, sev)
    summary = json.loads(r.stdout)
    assert summary["errors"] == len(error_lines(r.stderr))
    assert summary["warnings"] == sum(1 for ln in r.stderr.splitlines() if ln.startswith("warning: "))
    assert snapshot(d) == before


@pytest.mark.parametrize("files, expected, code", GAPS)
def test_loader_gap_through_load_dataset(tmp_path, files, expected, code):
    d = write_dir(tmp_path, files)
    if code == 1:
        with pytest.raises(DataError) as e:
            load_dataset(d, Config())
        problems = e.value.problems
    else:
        problems = list(load_dataset(d, Config()).problems)
    for name, line, fld, words, sev in expected:
        assert any(p.file == str(d / name) and p.line == line and p.field == fld and words in p.message
                   and p.severity == sev for p in problems), [str(p) for p in problems]


# =================================================================================================
# 2. Every command that reads the data directory, against malformed data directories
# =================================================================================================

def jsonl_customers(bad_line: str) -> dict:
    """customers.csv as JSON Lines, one more record (line 4) from ``bad_line``."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(CUSTOMERS)))
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows) + bad_line + "\n"
    return {C: None, "customers.jsonl": text}


# name -> (files, (file, line, field, words)): each breaks the valid book in one way.
MALFORMED = {
    "impossible date": (appended(T, "T9,C1,2026-02-30,purchase,10.00,1,,,x,y"), (T, 5, "date", "impossible date")),
    "amount in exponent form": (appended(T, "T9,C1,2026-02-20,purchase,1e3,1,,,x,y"), (T, 5, "amount", "exponent form")),
    "NaN amount": (appended(R, "R9,C1,2026-02-12,NaN,normal,app"), (R, 3, "amount", "not a finite number")),
    "too many decimals": (appended(R, "R9,C1,2026-02-12,1.005,normal,app"), (R, 3, "amount", "more than 2 decimal")),
    "duplicate id": (appended(C, "C1,again,,,2026-01-01,3,,"), (C, 5, "customer_id", "duplicate customer_id 'C1'")),
    "dangling customer": (appended(R, "R9,C7,2026-02-12,1.00,normal,app"), (R, 3, "customer_id", "unknown customer 'C7'")),
    "dangling refund": (appended(T, "T9,C1,2026-02-20,refund,10.00,,,T77,x,y"), (T, 5, "ref_txn_id", "unknown purchase 'T77'")),
    "out of range": (appended(D, "D9,C1,2026-03-03,2026-03-04,99"), (D, 2, "days", "between 1 and 30")),
    "wrong type (JSON Lines)": (jsonl_customers('{"customer_id": "C4", "opened_on": "2026-01-01", "statement_day": true}'),
                                ("customers.jsonl", 4, "statement_day", "got true/false")),
    "misspelt required column": ({R: REPAYMENTS.replace("amount", "amuont", 1)}, (R, 1, "amount", "required column is missing")),
    "empty file": ({C: ""}, (C, 0, "", "empty file")),
    "torn last line": ({R: REPAYMENTS + "R9,C1,2026-02-1"}, (R, 3, "", "torn write")),
    "GBK file with a bad value": ({C: (CUSTOMERS + "C4,赵六,,,2026-01-01,31,,\n").encode("gbk")}, (C, 5, "statement_day", "got 31")),
    "BOM + CRLF with a bad value": ({T: ("\ufeff" + TRANSACTIONS + "T9,C1,2026-02-20,purchase,-5.00,1,,,x,y\n").replace("\n", "\r\n")},
                                    (T, 5, "amount", "must be positive")),
    "stray quote": (appended(T, 'T9,C1,2026-02-20,purchase,10.00,1,,,ab"c,y'), (T, 5, "", "stray quote")),
}


@pytest.mark.parametrize("command", list(DATA_COMMANDS))
def test_every_command_succeeds_on_the_clean_book(tmp_path, command):
    """The control: each command line of the matrix works on the valid book, so the refusals
    below are caused by the malformed data alone."""
    d = write_book(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    r = invoke(command_line(command, d, out))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)
    assert r.stderr == "" or all(ln.startswith("warning: ") for ln in r.stderr.splitlines()), r.stderr


@pytest.mark.parametrize("command", list(DATA_COMMANDS))
@pytest.mark.parametrize("fault", list(MALFORMED))
def test_malformed_data_is_refused_by_every_command(tmp_path, fault, command):
    files, (name, line, fld, words) = MALFORMED[fault]
    d = write_book(tmp_path, files)
    out = tmp_path / "out"
    out.mkdir()
    before = tree(d)
    r = invoke(command_line(command, d, out))
    assert r.exit_code == 1, (r.stdout, r.stderr)
    _expect_problem(r.stderr, d, name, line, fld, words, "error")
    if command == "validate":
        summary = json.loads(r.stdout)                 # validate's report is its summary
        assert summary["errors"] == len(error_lines(r.stderr)) > 0
    else:
        assert r.stdout == ""
    assert tree(d) == before                           # not a byte of the data directory changed
    assert list(out.rglob("*")) == []                  # nothing written, not even a folder


@pytest.mark.parametrize("command", list(DATA_COMMANDS))
def test_an_unknown_extra_column_is_a_harmless_warning(tmp_path, command):
    d = write_book(tmp_path, {T: TRANSACTIONS.replace("category\n", "category,note\n", 1)
                              .replace("online\n", "online,vip\n")})
    out = tmp_path / "out"
    out.mkdir()
    r = invoke(command_line(command, d, out))
    assert r.exit_code == 0, r.stderr
    assert f"warning: {d / T}:1: note: unknown column ignored" in r.stderr
    assert error_lines(r.stderr) == []
    assert json.loads(r.stdout)                        # the normal report


# --- train --from-history reads the data directory too (it needs a bigger book) ----------------

@pytest.fixture(scope="module")
def history_book(tmp_path_factory) -> Path:
    from benchmarks.generate import generate

    d = tmp_path_factory.mktemp("history") / "data"
    generate(d, customers=150, seed=3)
    return d


def _train_history(d: Path, out: Path):
    return invoke(["train", "--from-history", "--data-dir", str(d), "--observation-date", "2025-11-01",
                   "--as-of", "2026-11-25", "--out", str(out / "model.json"), "--save-table", str(out / "table.csv"),
                   "--format", "json"])


def test_train_from_history_succeeds_on_the_clean_book(tmp_path, history_book):
    out = tmp_path / "out"
    out.mkdir()
    r = _train_history(history_book, out)
    assert r.exit_code == 0, r.stderr
    assert sorted(tree(out)) == ["model.json", "table.csv"]


@pytest.mark.parametrize("fault", ["impossible date", "dangling customer", "torn last line", "duplicate id"])
def test_train_from_history_refuses_malformed_data(tmp_path, history_book, fault):
    d = tmp_path / "data"
    import shutil

    shutil.copytree(history_book, d)
    rows = {
        "impossible date": (T, "T9,C000001,2026-02-30,purchase,10.00,1,,,x,y", "date"),
        "dangling customer": (R, "R9,C7,2026-02-12,1.00,normal,app", "customer_id"),
        "torn last line": (R, "R9,C000001,2026-02-1", ""),
        "duplicate id": (C, "C000001,again,,,2026-01-01,3,,", "customer_id"),
    }
    name, row, fld = rows[fault]
    text = (d / name).read_text(encoding="utf-8")
    line = text.count("\n") + 1
    (d / name).write_text(text + row + ("" if fault == "torn last line" else "\n"), encoding="utf-8")
    before = tree(d)
    out = tmp_path / "out"
    out.mkdir()
    r = _train_history(d, out)
    assert r.exit_code == 1 and r.stdout == ""
    prefix = f"error: {d / name}:{line}:" + (f" {fld}:" if fld else "")
    assert any(ln.startswith(prefix) for ln in r.stderr.splitlines()), r.stderr
    assert tree(d) == before and list(out.rglob("*")) == []


# =================================================================================================
# 3. Malformed option values (exit 2) and bad configuration (exit 1) for every command
# =================================================================================================

QUOTE = ["quote", "--amount", "100.00", "--terms", "3", "--date", "2026-03-05"]
FEATURES = "id,income,city,bad\n" + "".join(f"{i},{1000 + 37 * i % 900},{'ab'[i % 2]},{int(i % 7 == 0)}\n"
                                           for i in range(120))


def _train_features(tmp: Path) -> list[str]:
    f = tmp / "features.csv"
    if not f.exists():
        f.write_text(FEATURES, encoding="utf-8")
    return ["train", "--features", str(f), "--target", "bad", "--out", str(tmp / "out" / "m.json"), "--as-of",
            "2026-03-05"]


def _train_history_args(tmp: Path) -> list[str]:
    return ["train", "--from-history", "--data-dir", str(tmp / "data"), "--observation-date", "2026-01-31",
            "--as-of", "2026-03-05", "--out", str(tmp / "out" / "m.json")]


def base_args(command: str, tmp: Path) -> list[str]:
    d = tmp / "data"
    if command == "quote":
        return list(QUOTE)
    if command == "train --features":
        return _train_features(tmp)
    if command == "train --from-history":
        return _train_history_args(tmp)
    return command_line(command, d, tmp / "out", fmt=None)


def with_option(args: list[str], option: str, value: str) -> list[str]:
    a = list(args)
    if option in a:
        a[a.index(option) + 1] = value
    else:
        a += [option, value]
    return a


BAD_DATES = ["2026-02-30", "2026-13-01", "26-3-5", "2026/03/05", "20260305", "today", ""]
BAD_AMOUNTS = ["1e3", "-5", "0", "0.00", "1.001", "NaN", "inf", "abc", "1,000", "¥100", "+100", ""]
BAD_IDS = ["../x", "C1/..", "..", "C 1", "C1;rm", "", "C" * 65]

OPTION_CASES = (
    [(c, "--format", "xml") for c in [*DATA_COMMANDS, "quote", "train --features", "train --from-history"]]
    + [(c, "--as-of", v) for c in ["bill", "bill --out", "repay", "defer", "convert", "overdue-report", "score",
                                    "train --features", "train --from-history", "reverse", "waive", "write-off",
                                    "review", "review --apply", "balance", "remind"]
       for v in BAD_DATES]
    + [(c, "--date", v) for c in ["quote", "quote --customer", "repay", "repay --dry-run", "defer", "convert",
                                  "reverse", "waive", "write-off --dry-run"]
       for v in BAD_DATES]
    + [(c, "--statement-date", v) for c in ["defer", "convert"] for v in BAD_DATES]
    + [("overdue-report", "--compare", v) for v in BAD_DATES]
    + [("overdue-report", "--compare", "2026-03-06")]                       # not before --as-of
    + [("score", "--psi-against", v) for v in BAD_DATES]
    + [("train --from-history", "--observation-date", v) for v in BAD_DATES]
    + [(c, "--amount", v) for c in ["quote", "quote --customer", "repay", "repay --settle --dry-run", "convert",
                                    "waive"]
       for v in BAD_AMOUNTS]
    + [(c, "--terms", v) for c in ["quote", "convert"] for v in ["x", "3.5", "1e1", ""]]
    + [(c, "--scenario", v) for c in ["quote", "quote --customer"] for v in ["nope", ""]]   # none configured
    + [(c, "--fee-rate", v) for c in ["quote", "convert"] for v in ["x", "-0.1", "1e-3", "NaN", "0.5%", ""]]
    + [("defer", "--days", v) for v in ["x", "1.5", "1e1", ""]]
    + [(c, "--customer", v) for c in ["quote --customer", "bill --customer", "repay", "defer", "convert",
                                      "score --customer", "waive", "write-off"]
       for v in BAD_IDS]
    + [(c, "--ref", v) for c in ["repay", "defer", "convert", "reverse", "waive", "write-off"]
       for v in ["../x", "", "R 1", "R" * 65]]
    + [("reverse", "--target", v) for v in ["../x", "", "R 1", "R" * 65]]
    + [("review --apply", "--ref", v) for v in ["../x", "", "R 1", "R" * 65]]
    + [("review", "--customer", v) for v in BAD_IDS]
    + [("balance", "--customer", v) for v in BAD_IDS]
    + [("waive", "--component", v) for v in ["", "principal", "late-fee", "x"]]
    + [(c, "--reason", v) for c in ["reverse", "waive", "write-off"] for v in ["a\x01b", "x" * 201]]
    + [("waive", "--reason", v) for v in ["", "   "]]
    + [("repay", "--channel", v) for v in ["a\x01b", "x" * 65]]
    + [(c, "--encoding", "klingon") for c in [*DATA_COMMANDS, "train --features"]]
    + [(c, "--shard", v) for c in ["bill", "bill --out", "overdue-report", "remind"]
       for v in ["0/2", "3/2", "x", "1/0", "", "-1/2"]]
    + [(c, "--jobs", v) for c in ["bill", "overdue-report", "remind"] for v in ["0", "-1", "x", "", "1.5"]]
    + [(c, "--lang", v) for c in ["bill", "bill --customer", "bill --out", "overdue-report"]
       for v in ["fr", "ZH", "", "zh-CN"]]
    + [(c, "--days", v) for c in ["remind", "remind --out"] for v in ["x", "-1", "1.5", "1e1", "", "367"]]
    + [("train --features", o, v) for o, vs in {"--test-share": ["x", "-0.1", "1", "2", "nan", "inf"],
                                                 "--folds": ["x", "1", "0", "-3", "2.5"],
                                                 "--monotone": ["x=sideways", "x", "=up", "x=up=down"],
                                                 "--seed": ["x", "1.5"], "--max-bins": ["x", "0", "1"],
                                                 "--l2": ["x", "-1", "nan", "inf"],
                                                 "--min-iv": ["x", "-1", "nan", "inf"],
                                                 "--min-bin-share": ["x", "0.5", "-0.1", "nan"]}.items() for v in vs]
    + [("overdue-report --out", "--out", "{tmp}"), ("bill --out", "--out", "{tmp}/data/customers.csv")]
    + [("remind --out", "--out", v) for v in ["{tmp}", "{tmp}/out/sms.json", "", "{tmp}/data/customers.csv"]]
    + [("remind", "--out-unmasked", v) for v in ["{tmp}", "{tmp}/out/sms.xlsx"]]
    + [(c, "--data-dir", v) for c in [*DATA_COMMANDS, "quote", "train --features", "train --from-history"]
       for v in ["gs://bucket/book", "ftp://host/book", "s3://", "s3://Not_A_Bucket/book"]]   # issue 16: s3:// only
    + [(c, "--data-dir", "s3://baitiao-books/book")                 # journals and --out need a local folder
       for c in ["repay", "repay --dry-run", "defer", "convert", "reverse", "waive", "write-off", "review --apply"]]
    + [("bill --out", "--out", "s3://baitiao-books/out"), ("overdue-report --out", "--out", "s3://baitiao-books/w.csv"),
       ("remind --out", "--out", "s3://baitiao-books/sms.csv")]
    + [(c, "--top", v) for c in ["bill", "overdue-report", "score", "review", "remind"]     # issue 19
       for v in ["0", "-1", "x", "", "1.5", "1e3"]]
    + [(c, "--color", v) for c in ["bill", "quote", "repay", "balance", "train --from-history"]
       for v in ["rainbow", "", "ALWAYS"]]
)


@pytest.mark.parametrize("command, option, value", OPTION_CASES,
                         ids=[f"{c} {o} {v!r}"[:80] for c, o, v in OPTION_CASES])
def test_malformed_option_value_is_a_usage_error(tmp_path, command, option, value):
    d = write_book(tmp_path)
    (tmp_path / "out").mkdir()
    value = value.replace("{tmp}", str(tmp_path))
    args = with_option(base_args(command, tmp_path), option, value)
    before_data, before_out = tree(d), tree(tmp_path / "out")
    r = invoke(args)
    assert r.exit_code == 2, (args, r.stdout, r.stderr)
    assert r.stdout == ""
    assert option in r.stderr or option.lstrip("-") in r.stderr, r.stderr
    assert tree(d) == before_data and tree(tmp_path / "out") == before_out


def test_the_matrix_covers_every_command():
    from baitiao_cli.cli.app import app

    registered = {c.name for c in app.registered_commands}
    covered = {c.split()[0] for c, _, _ in OPTION_CASES}
    assert registered == covered == {"quote", "bill", "repay", "defer", "convert", "overdue-report", "score", "train",
                                     "validate", "reverse", "waive", "write-off", "review", "balance", "remind"}
    assert {c.split()[0] for c in DATA_COMMANDS} == registered - {"train"}   # train --from-history: its own test


CONFIGS = {
    "unknown key": ("[billing]\nstatment_day = 3\n", "billing.statment_day"),
    "unknown section": ("[bogus]\nx = 1\n", "[bogus]"),
    "bad value": ('[billing]\ndue_days = "nine"\n', "billing.due_days"),
    "bad rate": ('[pricing]\nfee_rates = { "3" = "abc" }\n', "pricing.fee_rates.3"),
    "negative rate": ('[late_fee]\ndaily_rate = "-0.1"\n', "late_fee.daily_rate"),
    "bad scoring key": ("[scoring]\nbase_scor = 600\n", "scoring.base_scor"),
    "bad overdue value": ("[overdue]\nfreeze_from_day = \"x\"\n", "overdue.freeze_from_day"),
    "invalid TOML": ("[billing\ndue_days = 9\n", "not valid TOML"),
    "bad display lang": ('[display]\nlang = "fr"\n', "display.lang"),
}
CONFIG_COMMANDS = [*DATA_COMMANDS, "quote", "train --features", "train --from-history"]


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
@pytest.mark.parametrize("fault", list(CONFIGS))
def test_bad_config_is_refused_naming_the_key(tmp_path, command, fault):
    text, named = CONFIGS[fault]
    d = write_book(tmp_path)
    (tmp_path / "out").mkdir()
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    before = tree(d)
    r = invoke([*base_args(command, tmp_path), "--config", str(cfg)])
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stdout == ""
    [line] = error_lines(r.stderr)
    assert str(cfg) in line and named in line, line
    assert tree(d) == before and list((tmp_path / "out").rglob("*")) == []


@pytest.mark.parametrize("command", CONFIG_COMMANDS)
def test_config_found_through_the_environment_or_the_current_folder_is_checked_too(tmp_path, monkeypatch, command):
    d = write_book(tmp_path)
    (tmp_path / "out").mkdir()
    cfg = tmp_path / "config.toml"                   # ./config.toml (the tests run in tmp_path)
    cfg.write_text("[billing]\ngrace_dayz = 3\n", encoding="utf-8")
    r = invoke(base_args(command, tmp_path))
    assert r.exit_code == 1 and "billing.grace_dayz" in r.stderr and r.stdout == ""
    env_cfg = tmp_path / "env.toml"
    env_cfg.write_text("[deferral]\nmax_days = -1\n", encoding="utf-8")
    monkeypatch.setenv("BAITIAO_CONFIG", str(env_cfg))
    r = invoke(base_args(command, tmp_path))
    assert r.exit_code == 1 and "deferral.max_days" in r.stderr and r.stdout == ""
    assert list((tmp_path / "out").rglob("*")) == [] and tree(d)


# =================================================================================================
# 4. --skip-invalid and validate (SPEC 6): every skipped record listed with a count
# =================================================================================================

# One fault in every file; customer C4 is rejected, so its purchase T4 is skipped with it.
SKIPPY = {
    C: CUSTOMERS + "C4,赵六,13600003333,,2026-02-30,3,,\n",                      # line 5: opened_on
    T: TRANSACTIONS + "T4,C4,2026-02-10,purchase,80.00,1,,,x,y\n"                # line 5: customer C4 rejected
                      "T9,C2,2026-02-20,purchase,1e3,1,,,x,y\n",                 # line 6: amount
    R: REPAYMENTS + "R9,C7,2026-02-12,1.00,normal,app\n",                      # line 3: unknown customer
    D: "deferral_id,customer_id,statement_date,date,days\nD9,C3,2026-03-10,2026-03-11,99\n",   # line 2: days
}
SKIPPED = [(C, 5, "opened_on"), (T, 5, "customer_id"), (T, 6, "amount"), (R, 3, "customer_id"), (D, 2, "days")]


@pytest.mark.parametrize("command", ["bill", "bill --out", "overdue-report", "overdue-report --out", "score",
                                     "remind", "remind --out"])
def test_skip_invalid_proceeds_lists_every_skipped_record_with_a_count_and_exits_1(tmp_path, command):
    d = write_book(tmp_path, SKIPPY)
    out = tmp_path / "out"
    out.mkdir()
    before = tree(d)
    refused = invoke(command_line(command, d, out))
    assert refused.exit_code == 1 and refused.stdout == "" and list(out.rglob("*")) == []
    r = invoke([*command_line(command, d, out), "--skip-invalid"])
    assert r.exit_code == 1
    errors = error_lines(r.stderr)
    listed = errors[:-1]
    for name, line, fld in SKIPPED:
        assert sum(ln.startswith(f"error: {d / name}:{line}: {fld}:") for ln in listed) == 1, r.stderr
    assert len(listed) == len(SKIPPED)
    assert errors[-1].startswith(f"error: {len(SKIPPED)} invalid record(s) skipped")
    doc = json.loads(r.stdout)                        # the report of the valid records
    ids = {x["customer_id"] for x in doc.get("statements", doc.get("accounts", doc.get("customers", [])))}
    # C1 has no faulty record: it is in the report; C4 was rejected: it is not; C2 and C3 each
    # lost one of their own records, so their whole accounts are skipped (and said so).
    assert not ids & {"C2", "C3", "C4"}
    for c in ("C2", "C3"):
        assert f"account {c} skipped" in r.stderr
    if "accounts" in doc:                             # overdue accounts only; the book is now C1 alone
        assert doc["summary"]["accounts_total"] == 1
    else:
        assert "C1" in ids
    if command == "bill --out":
        written = set(tree(out))
        assert {"statements/2026-03-03/C1.json", "statements/2026-03-03/C1.txt",
                "statements/2026-03-03/summary.csv"} <= written
        assert not [w for w in written if "C4" in w]
    if command == "overdue-report --out":
        rows = (out / "worklist.csv").read_text(encoding="utf-8-sig").splitlines()
        assert [row.split(",")[1] for row in rows[1:]] == [a["customer_id"] for a in doc["accounts"]]
    assert tree(d) == before


def test_skip_invalid_on_clean_data_is_a_clean_run(tmp_path):
    d = write_book(tmp_path)
    for command in ("bill", "overdue-report", "score"):
        plain = invoke(command_line(command, d, tmp_path))
        skip = invoke([*command_line(command, d, tmp_path), "--skip-invalid"])
        assert (skip.exit_code, skip.stdout, skip.stderr) == (0, plain.stdout, "")


@pytest.mark.parametrize("command", ["bill --out", "overdue-report"])
def test_skip_invalid_never_reports_an_account_from_part_of_its_records(tmp_path, command):
    # C2's payment of its whole bill has 3 decimals: rejected. Reporting C2 without it would bill
    # 500.00 + late fee already paid, and send C2 to the collectors.
    d = write_book(tmp_path, {R: REPAYMENTS + "R9,C2,2026-02-12,500.001,normal,app\n"})
    out = tmp_path / "out"
    out.mkdir()
    r = invoke([*command_line(command, d, out, fmt="json"), "--skip-invalid",
                *(["--as-of", "2026-03-03"] if command == "bill --out" else [])])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    ids = {x["customer_id"] for x in doc.get("statements", doc.get("accounts", []))}
    assert "C2" not in ids
    assert not list(out.rglob("C2.*"))


def test_validate_lists_every_problem_with_a_count(tmp_path):
    bad = "".join(f"T{k},C1,2026-02-30,purchase,1e3,1,,,x,y\n" for k in range(100, 230))   # 2 problems a row
    d = write_book(tmp_path, {T: TRANSACTIONS + bad, R: REPAYMENTS.replace("channel", "channel,operator")
                              .replace(",app\n", ",app,wang\n")})
    r = invoke(["validate", "--data-dir", str(d), "--format", "json"])
    assert r.exit_code == 1
    errors = error_lines(r.stderr)
    warnings = [ln for ln in r.stderr.splitlines() if ln.startswith("warning: ")]
    assert len(errors) == 260 and len(warnings) == 1                      # every one, no cap
    for k in range(130):
        assert sum(f"{d / T}:{k + 5}: " in ln for ln in errors) == 2
    summary = json.loads(r.stdout)
    assert (summary["errors"], summary["warnings"]) == (260, 1)
    t = invoke(["validate", "--data-dir", str(d)])
    assert t.exit_code == 1 and "INVALID: 260 error(s), 1 warning(s)" in t.stdout
    # another command shows the first 200, says how many more, and points to validate
    b = invoke(["bill", "--data-dir", str(d), "--as-of", "2026-03-03"])
    assert b.exit_code == 1 and b.stdout == ""
    assert "... and 61 more problem(s): 'baitiao validate' lists every one" in b.stderr
    assert b.stderr.rstrip().endswith("error: 260 problem(s) in the input; nothing was computed or written")


def test_validate_exits_0_on_warnings_only(tmp_path):
    d = write_book(tmp_path, {R: REPAYMENTS.replace("channel", "channel,operator").replace(",app\n", ",app,wang\n"),
                              "deferrals.csv": ""})
    r = invoke(["validate", "--data-dir", str(d)])
    assert r.exit_code == 0
    assert error_lines(r.stderr) == [] and len(r.stderr.splitlines()) == 2
    assert "OK: 0 error(s), 2 warning(s)" in r.stdout


@pytest.mark.parametrize("field", ["name"])
def test_a_lone_surrogate_in_json_text_is_refused_at_load_time(tmp_path, field):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(CUSTOMERS)))
    rows[0][field] = rows[0][field] + "\ud800"
    text = "".join(json.dumps(r) + "\n" for r in rows)           # ensure_ascii: written as \ud800
    d = write_book(tmp_path, {C: None, "customers.jsonl": text})
    r = invoke(["validate", "--data-dir", str(d)])
    assert r.exit_code == 1
    assert any(ln.startswith(f"error: {d / 'customers.jsonl'}:1: {field}:") for ln in r.stderr.splitlines())


def test_a_lone_surrogate_never_leaves_a_partial_output(tmp_path):
    """The loader refuses it: every command fails cleanly, exit 1, nothing written."""
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(CUSTOMERS)))
    rows[1]["name"] += "\ud800"                                   # C2: billed on 03-03 and overdue
    d = write_book(tmp_path, {C: None, "customers.jsonl": "".join(json.dumps(r) + "\n" for r in rows)})
    out = tmp_path / "out"
    out.mkdir()
    for command in ("bill --out", "overdue-report --out"):
        r = invoke(command_line(command, d, out, fmt="csv"))
        assert r.exit_code == 1 and "Traceback" not in r.stderr
        assert f"{d / 'customers.jsonl'}:2: name: not valid text" in r.stderr
        assert list(out.rglob("*.csv")) == [] and list(out.rglob("*.json")) == []
