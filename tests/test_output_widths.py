"""Issue 18: every command's tables at 80, 100 and 200 columns, rich (a terminal of that width) and
plain (piped, ``COLUMNS`` set): every money value of the command's JSON appears in full, no cell
is cut (no ellipsis), and every line of a plain table has the same display width in terminal
cells (wide CJK characters count 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baitiao_cli import environment, render
from baitiao_cli.cli.app import app
from baitiao_cli.environment import Environment
from baitiao_cli.render import display_width

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
CONFIG = ROOT / "config.toml"
WIDTHS = (80, 100, 200)

# command line, then the JSON keys whose money values the table must show in full
RUNS = {
    "quote": (["quote", "--amount", "12345.67", "--terms", "3", "--terms", "12", "--date", "2026-01-10"],
              ("principal", "fee", "total", "total_fee", "total_payable")),
    "bill": (["bill", "--as-of", "2026-11-03"], ("total_due", "minimum_due")),
    "bill --customer": (["bill", "--as-of", "2026-11-03", "--customer", "C000035"],
                        ("total_due", "principal", "fee", "amount")),
    "overdue-report": (["overdue-report", "--as-of", "2026-11-03"], ("overdue_amount", "late_fee")),
    "score": (["score", "--as-of", "2026-11-03"], ("credit_limit",)),
    "score --customer": (["score", "--as-of", "2026-11-03", "--customer", "C000001"],
                         ("credit_limit", "available_credit", "unpaid_principal")),
    "repay": (["repay", "--customer", "C000040", "--amount", "100", "--date", "2026-11-20", "--ref", "X",
               "--dry-run", "--as-of", "2026-11-20"], ("amount",)),
    "validate": (["validate"], ()),
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")


def money_values(obj, keys) -> set:
    out: set = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in keys and isinstance(v, str) and _MONEY.fullmatch(v):
                out.add(v)
            out |= money_values(v, keys)
    elif isinstance(obj, list):
        for v in obj:
            out |= money_values(v, keys)
    return out


def invoke(args, env_vars=None):
    r = CliRunner().invoke(app, [*args, "--data-dir", str(SAMPLE), "--config", str(CONFIG)], env=env_vars)
    assert "Traceback" not in r.stdout + r.stderr
    assert r.exit_code == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def json_money():
    return {name: money_values(json.loads(invoke([*args, "--format", "json"])), keys)
            for name, (args, keys) in RUNS.items()}


def shown_in_full(text: str, value: str) -> bool:
    return re.search(r"(?<![0-9.])" + re.escape(value) + r"(?![0-9])", text) is not None


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(RUNS))
def test_plain_tables_fit_show_every_amount_and_align(name, width, json_money, monkeypatch):
    drawn = []
    real = render._plain_table

    def recording(t, w=None):
        out = real(t, w)
        drawn.append((t, out))
        return out

    monkeypatch.setattr(render, "_plain_table", recording)
    text = invoke(RUNS[name][0], {"COLUMNS": str(width)})
    assert "…" not in text
    missing = [v for v in json_money[name] if not shown_in_full(text, v)]
    assert missing == []
    assert drawn
    for t, out in drawn:
        lines = out.splitlines()
        start = len(t.lead) + (1 if t.title else 0)
        end = len(lines) - (1 if t.footer else 0)
        end -= 1 if lines[end - 1].startswith("(left out to fit") else 0
        body = lines[start:end]
        assert len(body) >= 2 + len(t.rows)
        widths = {display_width(ln) for ln in body}
        assert len(widths) == 1, (t.title, body)
    if name in ("bill", "overdue-report", "score"):
        main_t, main_out = drawn[0] if name != "overdue-report" else drawn[0]
        first_body = main_out.splitlines()[len(main_t.lead) + 1]
        assert display_width(first_body) <= width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(RUNS))
def test_rich_tables_at_a_terminal_width_show_every_amount(name, width, json_money, monkeypatch):
    monkeypatch.setattr(environment, "_DEFAULT", Environment(stdout_isatty=True, width=width))
    text = _ANSI.sub("", invoke(RUNS[name][0]))
    assert "…" not in text
    missing = [v for v in json_money[name] if not shown_in_full(text, v)]
    assert missing == []
    if name in ("bill", "overdue-report", "score"):
        table_lines = [ln for ln in text.splitlines() if ln[:1] in "┏┃┡│└"]
        assert table_lines and max(display_width(ln) for ln in table_lines) <= width
