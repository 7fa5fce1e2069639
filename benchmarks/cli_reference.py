"""``docs/cli.md``: the reference of every command and option, generated from ``--help``.

Usage::

    python -m benchmarks.cli_reference          # rewrite docs/cli.md
    python -m benchmarks.cli_reference --check  # exit 1 if docs/cli.md is not up to date

The text is exactly what ``baitiao --help`` and ``baitiao COMMAND --help`` print at 100 columns
(the help of each option, then the examples), so the reference never drifts from the code:
``tests/test_cli_reference.py`` fails when the committed file differs from what this prints.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"
WIDTH = 100

HEAD = """# baitiao command reference

Generated from the help of each command by `python -m benchmarks.cli_reference` (do not edit by
hand: `tests/test_cli_reference.py` checks that this file is what the help says). Every command
also prints this with `baitiao COMMAND --help`; the examples run on the bundled `sample_data/`
through `./config.toml`.

Options every table-printing run understands, given before the command: `--color auto|always|never`
(and `NO_COLOR`), `--no-pager`; see `docs/formats.md` §5.
"""


def _help(group, name: str | None) -> str:
    import click

    cmd = group if name is None else group.get_command(click.Context(group), name)
    parent = click.Context(group, info_name="baitiao", terminal_width=WIDTH, max_content_width=WIDTH,
                           **group.context_settings)
    ctx = parent if name is None else click.Context(cmd, info_name=name, parent=parent,
                                                    terminal_width=WIDTH, max_content_width=WIDTH)
    return cmd.get_help(ctx)


def render() -> str:
    """The text of docs/cli.md."""
    os.environ.pop("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", None)   # the options as users see them
    import typer.main

    from baitiao_cli.cli.app import app

    group = typer.main.get_command(app)
    parts = [HEAD, "## baitiao\n\n```text\n" + _help(group, None) + "\n```\n"]
    for name in group.list_commands(None):
        parts.append(f"## baitiao {name}\n\n```text\n" + _help(group, name) + "\n```\n")
    return "\n".join(parts)


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        same = TARGET.exists() and TARGET.read_text(encoding="utf-8") == text
        if not same:
            sys.stderr.write(f"{TARGET} is out of date: run python -m benchmarks.cli_reference\n")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
