"""The application shell: version, help, and the one place errors become exit codes."""

from __future__ import annotations

from typer.testing import CliRunner

from baitiao_cli import __version__
from baitiao_cli.cli.app import app

runner = CliRunner()


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert r.stdout.strip() == f"baitiao {__version__}"


def test_help_lists_every_command():
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for cmd in ("quote", "bill", "repay", "defer", "overdue-report", "score", "train", "validate"):
        assert cmd in r.stdout


def test_unknown_command_and_option_are_usage_errors():
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2
    assert runner.invoke(app, ["bill", "--no-such-option"]).exit_code == 2


def test_bad_as_of_is_a_usage_error_without_traceback():
    r = runner.invoke(app, ["bill", "--as-of", "2026-02-30"])
    assert r.exit_code == 2
    assert "Traceback" not in r.stdout + r.stderr
    assert "2026-02-30" in r.stderr
