"""``baitiao validate`` through the CLI: summary formats, exit codes, every problem listed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from baitiao_cli.cli.app import app

from loader_fixtures import CUSTOMERS, DEFERRALS, REPAYMENTS, TRANSACTIONS, snapshot, write_dir

FILE_KEYS = ["dataset", "file", "records", "valid", "errors", "warnings"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No ./config.toml and no $BAITIAO_CONFIG: built-in defaults unless a test writes one."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    return tmp_path


def run(*args: str):
    result = CliRunner().invoke(app, ["validate", *args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_valid_directory_json_summary(tmp_path):
    d = write_dir(tmp_path)
    r = run("--data-dir", str(d), "--format", "json")
    assert r.exit_code == 0
    assert r.stderr == ""
    obj = json.loads(r.stdout)
    # (issue 18 added problems, groups and consequences after the three summary keys)
    assert list(obj) == ["files", "errors", "warnings", "problems", "groups", "consequences"]
    assert obj["errors"] == 0 and obj["warnings"] == 0
    assert obj["problems"] == [] and obj["groups"] == [] and obj["consequences"] == []
    assert [list(f) for f in obj["files"]] == [FILE_KEYS] * 4
    assert [(f["dataset"], f["file"], f["records"], f["valid"]) for f in obj["files"]] == [
        ("customers", str(d / "customers.csv"), 2, 2), ("transactions", str(d / "transactions.csv"), 4, 4),
        ("repayments", str(d / "repayments.csv"), 2, 2), ("deferrals", str(d / "deferrals.csv"), 1, 1)]


def test_valid_directory_table(tmp_path):
    d = write_dir(tmp_path)
    r = run("--data-dir", str(d))
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == f"validate {d}"
    assert lines[1].split() == FILE_KEYS
    assert lines[3].split() == ["customers", str(d / "customers.csv"), "2", "2", "0", "0"]
    assert lines[-1] == "OK: 0 error(s), 0 warning(s)"


def test_csv_has_every_problem_as_a_record(tmp_path):
    # (issue 18: --format csv was the per-file summary, which stays in the JSON and the table)
    d = write_dir(tmp_path, {"deferrals.csv": None, "customers.csv": CUSTOMERS.replace("phone", "mobile", 1)})
    r = run("--data-dir", str(d), "-f", "csv")
    assert r.exit_code == 0
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows == [["file", "line", "field", "severity", "kind", "message"],
                    [str(d / "customers.csv"), "1", "mobile", "warning", "warning", "unknown column ignored"]]


def test_errors_exit_1_and_every_problem_is_listed(tmp_path):
    """No cap: validate lists all 250 problems (other commands cap their error report)."""
    bad = "".join(f"X{i},C1,2025-01-20,0,,,,,,\n" for i in range(250))
    d = write_dir(tmp_path, {"transactions.csv": TRANSACTIONS + bad})
    r = run("--data-dir", str(d), "--format", "json")
    assert r.exit_code == 1
    err = r.stderr.splitlines()
    assert len(err) == 250
    assert err[0] == (f"error: {d / 'transactions.csv'}:6: amount: amount must be greater than zero: '0'")
    assert err[-1].startswith(f"error: {d / 'transactions.csv'}:255: amount:")
    obj = json.loads(r.stdout)
    assert obj["errors"] == 250
    tx = obj["files"][1]
    assert (tx["records"], tx["valid"], tx["errors"], tx["warnings"]) == (254, 4, 250, 0)


def test_warnings_only_exit_0(tmp_path):
    d = write_dir(tmp_path, {"customers.csv": CUSTOMERS.replace("phone", "mobile", 1)})
    r = run("--data-dir", str(d))
    assert r.exit_code == 0
    assert r.stderr == f"warning: {d / 'customers.csv'}:1: mobile: unknown column ignored\n"
    assert r.stdout.splitlines()[-1] == "OK: 0 error(s), 1 warning(s)"


def test_errors_and_warnings_counted_per_file(tmp_path):
    d = write_dir(tmp_path, {
        "customers.csv": CUSTOMERS.replace("phone", "mobile", 1),
        "repayments.csv": REPAYMENTS + "R3,C9,2025-02-12,1.00,,\n",
        "deferrals.csv": DEFERRALS + "D2,C2,2025-04-03,2025-04-05,99\n"})
    obj = json.loads(run("--data-dir", str(d), "-f", "json").stdout)
    assert [(f["errors"], f["warnings"]) for f in obj["files"]] == [(0, 1), (0, 0), (1, 0), (1, 0)]
    assert (obj["errors"], obj["warnings"]) == (2, 1)


def test_missing_required_file(tmp_path):
    d = write_dir(tmp_path, {"transactions.csv": None})
    r = run("--data-dir", str(d), "-f", "json")
    assert r.exit_code == 1
    assert f"error: {d / 'transactions.*'}: missing required file" in r.stderr
    tx = json.loads(r.stdout)["files"][1]
    assert tx["file"] is None and tx["errors"] == 1


def test_missing_data_dir(tmp_path):
    r = run("--data-dir", str(tmp_path / "nowhere"))
    assert r.exit_code == 1
    assert f"error: {tmp_path / 'nowhere'}: data directory not found" in r.stderr


def test_gbk_detected_and_encoding_option(tmp_path):
    d = write_dir(tmp_path, {"customers.csv": CUSTOMERS.encode("gbk")})
    assert run("--data-dir", str(d)).exit_code == 0
    assert run("--data-dir", str(d), "--encoding", "gbk").exit_code == 0
    r = run("--data-dir", str(d), "--encoding", "utf-8")       # forbids the GB18030 fallback
    assert r.exit_code == 1
    # (issue 18: this said "not valid UTF-8 nor utf-8")
    assert f"error: {d / 'customers.csv'}:2: not valid UTF-8 (bad byte(s)" in r.stderr
    assert "it reads as GBK/GB18030 (an Excel export): pass --encoding gb18030" in r.stderr
    assert "nor utf-8" not in r.stderr


def test_unknown_encoding_is_a_usage_error(tmp_path):
    d = write_dir(tmp_path)
    r = run("--data-dir", str(d), "--encoding", "no-such-codec")
    assert r.exit_code == 2
    assert "unknown encoding 'no-such-codec'" in r.stderr


def test_bad_format_is_a_usage_error(tmp_path):
    r = run("--data-dir", str(write_dir(tmp_path)), "--format", "xml")
    assert r.exit_code == 2


def test_data_dir_from_config_and_config_limits(tmp_path):
    """data.dir is relative to the config file; deferral.max_days from the config is applied."""
    write_dir(tmp_path / "srv", {"deferrals.csv": DEFERRALS.replace(",10\n", ",45\n")})
    cfg = tmp_path / "srv" / "config.toml"
    cfg.write_text('[data]\ndir = "data"\n', encoding="utf-8")
    r = run("--config", str(cfg))
    assert r.exit_code == 1
    assert "days must be between 1 and 30 (deferral.max_days), got 45" in r.stderr
    cfg.write_text('[data]\ndir = "data"\n[deferral]\nmax_days = 60\n', encoding="utf-8")
    assert run("--config", str(cfg)).exit_code == 0


def test_config_toml_in_current_directory(tmp_path):
    write_dir(tmp_path)
    (tmp_path / "config.toml").write_text('[data]\ndir = "data"\n', encoding="utf-8")
    r = run("-f", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["files"][0]["file"] == "data/customers.csv"


def test_bad_config_exit_1(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[billing]\nstatment_day = 3\n", encoding="utf-8")
    r = run("--data-dir", str(write_dir(tmp_path)), "--config", str(cfg))
    assert r.exit_code == 1
    assert "unknown config key billing.statment_day" in r.stderr


def test_validate_writes_nothing(tmp_path):
    d = write_dir(tmp_path, {"repayments.csv": REPAYMENTS + "R3,C1,2025-02"})
    before = snapshot(d)
    assert run("--data-dir", str(d)).exit_code == 1
    assert snapshot(d) == before


def test_help_lists_the_options():
    r = CliRunner().invoke(app, ["validate", "--help"])
    assert r.exit_code == 0
    for opt in ("--data-dir", "--config", "--encoding", "--format"):
        assert opt in r.stdout


def test_registered_in_main_help():
    r = CliRunner().invoke(app, ["--help"])
    assert "validate" in r.stdout
