"""Issue 19, the operator's desk: progress, colour, --top, the pager, completion, examples, docs/cli.md.

A terminal is a pseudo-terminal (``pty``) around a subprocess where it matters (progress, colour by
default, the pager); the rest goes through CliRunner (``trust_helpers.invoke``).
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from baitiao_cli.environment import Display, Environment
from baitiao_cli.render import Table, cell_style, dpd_style, emit, top_rows
from trust_helpers import invoke

ROOT = Path(__file__).resolve().parent.parent
SGR = re.compile(r"\x1b\[[0-9;]*m")          # a colour/style escape sequence
ANY_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
pty = pytest.importorskip("pty")


def _env(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "PAGER", "BAITIAO_PAGER", "LESS",
                                                                 "COLUMNS", "LINES")}
    env.update(PYTHONPATH=str(ROOT), TERM="xterm-256color", **extra)
    return env


MAIN = "import sys; sys.argv[0] = 'baitiao'; from baitiao_cli.cli.app import main; main()"


def run_in_terminal(args: list[str], rows: int = 40, cols: int = 120, stdout_pipe: bool = False,
                    **extra: str) -> tuple[int, str, str]:
    """``baitiao ARGS`` with stdin, stderr (and stdout, unless ``stdout_pipe``) on a pseudo-terminal of
    ``rows`` x ``cols``; returns (exit status, what the terminal showed, what went to the stdout pipe)."""
    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen([sys.executable, "-c", MAIN, *args], cwd=ROOT, stdin=slave,
                            stdout=subprocess.PIPE if stdout_pipe else slave, stderr=slave, env=_env(**extra))
    os.close(slave)
    shown, piped = b"", b""
    fds = [master] + ([proc.stdout.fileno()] if stdout_pipe else [])
    while fds:
        ready, _, _ = select.select(fds, [], [], 0.2)
        for fd in ready:        # read both (a full stdout pipe would block the child)
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            if not data:
                fds.remove(fd)
            elif fd == master:
                shown += data
            else:
                piped += data
        if not ready and proc.poll() is not None:
            break
    piped += proc.stdout.read() if stdout_pipe else b""
    proc.wait(timeout=60)
    os.close(master)
    return proc.returncode, shown.decode("utf-8", "replace"), piped.decode()


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """A generated book of 400 customers: long enough for a bar and a pager."""
    out = tmp_path_factory.mktemp("book")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--customers", "400", "--out", str(out),
                    "--quiet"], check=True, env=_env())
    return out


# --- 2. progress ---------------------------------------------------------------------------------------

def test_progress_is_shown_on_a_terminal_loading_then_per_account(book):
    rc, shown, _ = run_in_terminal(["--no-pager", "overdue-report", "--data-dir", str(book), "--as-of", "2026-11-03",
                                    "--top", "3"])
    assert rc == 0
    text = ANY_ESCAPE.sub("", shown)
    assert "loading and checking the input" in text
    assert re.search(r"accounts .*\d+/400", text), text[:2000]
    assert "OVERDUE REPORT 2026-11-03" in text


@pytest.mark.parametrize("command", [["bill", "--as-of", "2026-11-03"], ["score", "--as-of", "2026-11-03"],
                                     ["validate"], ["remind", "--as-of", "2026-11-10"],
                                     ["review", "--as-of", "2026-11-03"]])
def test_progress_on_a_terminal_for_each_long_command(book, command):
    rc, shown, _ = run_in_terminal(["--no-pager", *command, "--data-dir", str(book)])
    assert rc == 0
    assert "loading and checking the input" in ANY_ESCAPE.sub("", shown)


def test_no_progress_when_stderr_is_not_a_terminal(book):
    p = subprocess.run([sys.executable, "-c", MAIN, "overdue-report", "--data-dir", str(book), "--as-of",
                        "2026-11-03"], cwd=ROOT, capture_output=True, text=True, env=_env())
    assert p.returncode == 0
    assert p.stderr == "" and "\x1b" not in p.stdout
    assert "loading" not in p.stderr


def test_no_progress_for_json_to_a_pipe_even_on_a_terminal(book):
    rc, shown, piped = run_in_terminal(["overdue-report", "--data-dir", str(book), "--as-of", "2026-11-03",
                                        "--format", "json"], stdout_pipe=True)
    assert rc == 0
    assert "loading" not in shown and shown.strip() == ""
    assert "\x1b" not in piped and json.loads(piped)["as_of"] == "2026-11-03"


# --- 3. colour -----------------------------------------------------------------------------------------

def test_colour_on_a_terminal_dpd_and_buckets_from_yellow_to_red():
    rc, shown, _ = run_in_terminal(["--no-pager", "overdue-report", "--as-of", "2026-11-03"])
    assert rc == 0
    assert "\x1b[1;31m236" in shown          # 236 days past due: bold red
    assert re.search(r"\x1b\[33m\s*17", shown)   # 17 days: yellow


@pytest.mark.parametrize("how", [{"NO_COLOR": "1"}, {"args": ["--color", "never"]}, {"after": ["--color", "never"]}])
def test_no_colour_with_NO_COLOR_or_color_never(how):
    args = ["--no-pager", *how.get("args", []), "overdue-report", "--as-of", "2026-11-03", *how.get("after", [])]
    rc, shown, _ = run_in_terminal(args, **{k: v for k, v in how.items() if k == "NO_COLOR"})
    assert rc == 0
    assert "OVERDUE REPORT" in shown
    assert SGR.search(shown) is None, SGR.findall(shown)[:5]


def test_color_always_colours_a_piped_table_but_never_json_or_csv():
    plain = invoke(["overdue-report", "--as-of", "2026-11-03"])
    coloured = invoke(["--color", "always", "overdue-report", "--as-of", "2026-11-03"])
    assert plain.exit_code == coloured.exit_code == 0
    assert SGR.search(plain.stdout) is None and SGR.search(coloured.stdout) is not None
    for fmt in ("json", "csv"):
        a = invoke(["overdue-report", "--as-of", "2026-11-03", "--format", fmt])
        b = invoke(["--color", "always", "overdue-report", "--as-of", "2026-11-03", "--format", fmt, "--top", "2"])
        assert a.stdout == b.stdout and "\x1b" not in b.stdout


def test_color_after_the_command_is_accepted_and_the_output_unchanged_when_piped():
    a = invoke(["bill", "--as-of", "2026-11-03"])
    b = invoke(["bill", "--as-of", "2026-11-03", "--color", "never"])
    assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout


def test_cell_styles_by_meaning():
    assert [dpd_style(d) for d in (0, 1, 30, 31, 61, 91, 181)] == [
        "", "yellow", "yellow", "dark_orange", "orange_red1", "red", "bold red"]
    assert cell_style("bucket", "M1") == "yellow" and cell_style("bucket (DPD)", "M6+ over 180") == "bold red"
    assert cell_style("DPD", "12") == "yellow" and cell_style("逾期天数", "200") == "bold red"
    assert cell_style("action", "freeze") == "red" and cell_style("action", "raise") == "green"
    assert cell_style("name", "M1") == ""


def test_refusals_in_red_on_a_terminal_only():
    rc, shown, _ = run_in_terminal(["quote", "--amount", "3000", "--terms", "6", "--customer", "C000040",
                                    "--date", "2026-11-20"])
    assert rc == 1 and "\x1b[31merror\x1b[0m: customer C000040" in shown
    r = invoke(["quote", "--amount", "3000", "--terms", "6", "--customer", "C000040", "--date", "2026-11-20"])
    assert r.exit_code == 1 and r.stderr.startswith("error: customer C000040")


# --- 3. --top ------------------------------------------------------------------------------------------

def test_top_shows_the_first_rows_and_how_many_more():
    full = invoke(["overdue-report", "--as-of", "2026-11-03"])
    top = invoke(["overdue-report", "--as-of", "2026-11-03", "--top", "2"])
    assert full.exit_code == top.exit_code == 0
    assert "(7 more not shown: --top 2; --format csv lists every row)" in top.stdout
    assert "C000035" in top.stdout and "C000036  " in full.stdout and "C000036  " not in top.stdout.split("Buckets")[0]
    assert top.stdout.split("Buckets")[1] == full.stdout.split("Buckets")[1]     # the summaries stay whole
    same = invoke(["overdue-report", "--as-of", "2026-11-03", "--top", "100"])
    assert same.stdout == full.stdout


def test_top_never_cuts_json_or_csv():
    for fmt in ("json", "csv"):
        a = invoke(["bill", "--as-of", "2026-11-03", "--format", fmt])
        b = invoke(["bill", "--as-of", "2026-11-03", "--format", fmt, "--top", "1"])
        assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout


def test_top_rows_keeps_the_footer_after_the_note():
    t = Table(["a"], [[1], [2], [3]], footer="3 statement(s)")
    (cut,) = top_rows([t], 1)
    assert cut.rows == [[1]] and cut.footer == "(2 more not shown: --top 1; --format csv lists every row)\n3 statement(s)"
    assert top_rows([t], 3) == [t] and top_rows([t], None) == [t]


def test_display_is_reset_after_each_run():
    from baitiao_cli.environment import current

    invoke(["--color", "always", "--no-pager", "overdue-report", "--as-of", "2026-11-03", "--top", "1"])
    assert current().display == Display()


# --- 3. the pager ----------------------------------------------------------------------------------------

PAGER = "sed 's/^/PAGED:/'"


def test_a_table_taller_than_the_terminal_goes_through_the_pager():
    rc, shown, _ = run_in_terminal(["overdue-report", "--as-of", "2026-11-03"], rows=20, PAGER=PAGER)
    assert rc == 0 and shown.count("PAGED:") > 20
    rc, shown, _ = run_in_terminal(["overdue-report", "--as-of", "2026-11-03"], rows=20, PAGER=PAGER,
                                   BAITIAO_PAGER="sed 's/^/OURS:/'")
    assert "OURS:" in shown and "PAGED:" not in shown


def test_no_pager_when_it_fits_with_no_pager_or_when_piped():
    rc, shown, _ = run_in_terminal(["quote", "--amount", "1200", "--terms", "3"], rows=40, PAGER=PAGER)
    assert rc == 0 and "PAGED:" not in shown and "1200" in shown
    rc, shown, _ = run_in_terminal(["--no-pager", "overdue-report", "--as-of", "2026-11-03"], rows=20, PAGER=PAGER)
    assert rc == 0 and "PAGED:" not in shown and "OVERDUE REPORT" in shown
    p = subprocess.run([sys.executable, "-c", MAIN, "overdue-report", "--as-of", "2026-11-03"], cwd=ROOT,
                       capture_output=True, text=True, env=_env(PAGER=PAGER, LINES="5"))
    assert p.returncode == 0 and "PAGED:" not in p.stdout


def test_emit_on_a_test_terminal_without_a_real_one_never_pages(monkeypatch):
    class Tty:
        def __init__(self):
            self.text = ""

        def write(self, s):
            self.text += s

        def flush(self):
            pass

        def isatty(self):
            return True

    monkeypatch.setenv("PAGER", PAGER)
    out = Tty()
    emit("table", json_obj=None, tables=[Table(["n"], [[i] for i in range(200)])],
         env=Environment(stdout=out, width=80, display=Display(color="never")))
    assert "PAGED" not in out.text and out.text.count("\n") > 200 and "\x1b" not in out.text


# --- 6. completion, examples, docs/cli.md ----------------------------------------------------------------

@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script_for_each_shell(monkeypatch, shell):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    r = invoke(["--show-completion", shell])
    assert r.exit_code == 0
    assert "_BAITIAO_COMPLETE" in r.stdout and f"complete_{shell}" in r.stdout


def test_completion_completes_command_names():
    p = subprocess.run([sys.executable, "-c", MAIN], cwd=ROOT, capture_output=True, text=True,
                       env=_env(_BAITIAO_COMPLETE="complete_bash", COMP_WORDS="baitiao overd", COMP_CWORD="1"))
    assert p.returncode == 0 and p.stdout.split() == ["overdue-report"]


def test_help_lists_completion_and_stays_light():
    code = ("import sys; sys.argv = ['baitiao', '--help']\nfrom baitiao_cli.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'tabulate', 'wcwidth', "
            "'pydantic', 'numpy'})))")
    p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=_env())
    assert "--install-completion" in p.stdout and "--color" in p.stdout and "--no-pager" in p.stdout
    assert p.stderr == ""


def _commands() -> list[str]:
    from baitiao_cli.cli.app import app

    return [c.name for c in app.registered_commands]


def _examples(help_text: str) -> list[str]:
    tail = help_text.split("\n  Examples", 1)[1]
    return [ln.strip()[len("baitiao "):] for ln in tail.splitlines() if ln.strip().startswith("baitiao ")]


@pytest.mark.parametrize("command", _commands())
def test_every_help_ends_with_two_or_three_examples_that_run(command, tmp_path, monkeypatch):
    r = invoke([command, "--help"])
    assert r.exit_code == 0
    last = r.stdout.rstrip().splitlines()
    examples = _examples(r.stdout)
    assert last[-1].strip().startswith("baitiao ")                  # the help ends with them
    assert 2 <= len(examples) <= 3
    assert r.stdout.index("Options:") < r.stdout.index("Examples")
    shutil.copytree(ROOT / "sample_data", tmp_path / "sample_data")
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BAITIAO_CONFIG", raising=False)
    for line in examples:
        import shlex

        res = invoke(shlex.split(line))
        assert res.exit_code == 0, (line, res.stdout[-500:], res.stderr[-500:])


def test_docs_cli_md_is_what_the_help_says():
    from benchmarks.cli_reference import TARGET, render

    assert TARGET.read_text(encoding="utf-8") == render(), \
        "docs/cli.md is out of date: run python -m benchmarks.cli_reference"


def test_success_in_green_on_a_terminal(tmp_path):
    shutil.copytree(ROOT / "sample_data", tmp_path / "data")
    rc, shown, _ = run_in_terminal(["repay", "--data-dir", str(tmp_path / "data"), "--customer", "C000040",
                                    "--amount", "700", "--date", "2026-11-20", "--ref", "DESK-1", "--as-of",
                                    "2026-11-20"])
    assert rc == 0 and "\x1b[1;32mRecorded" in shown


def test_no_statement_bar_for_bill_json_to_a_pipe_on_a_terminal(book):
    rc, shown, piped = run_in_terminal(["bill", "--data-dir", str(book), "--as-of", "2026-11-03", "--format", "json"],
                                       stdout_pipe=True)
    assert rc == 0 and shown.strip() == "" and json.loads(piped)["as_of"] == "2026-11-03"
    rc, shown, _ = run_in_terminal(["--no-pager", "bill", "--data-dir", str(book), "--as-of", "2026-11-03",
                                    "--top", "2"])
    assert rc == 0 and re.search(r"statements .*\d+/\d+", ANY_ESCAPE.sub("", shown))
