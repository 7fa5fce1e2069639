"""The options of printed and customer-facing output (issue 19): ``--lang``, ``--html``, ``--letters``.

Kept light: typer and the standard library only (``baitiao --help`` stays fast).
"""

from __future__ import annotations

import enum
from typing import Annotated, Optional

import typer


class Lang(str, enum.Enum):
    zh = "zh"
    en = "en"


LangOpt = Annotated[Optional[Lang], typer.Option(
    "--lang", help="Language of the words people read: zh or en (default: [display] lang of the config, else zh "
                   "for statement files and notices, en for tables and the worklist). JSON never changes.",
    show_default=False)]
HtmlOpt = Annotated[bool, typer.Option(
    "--html", help="With --out: also write DIR/<statement-date>/<customer>.html, a self-contained printable "
                   "statement (A4).")]
LettersOpt = Annotated[bool, typer.Option(
    "--letters", help="With --out DIR: write the worklist to DIR/<as-of>/worklist.csv and a collection notice "
                      "(催收通知) DIR/<as-of>/<customer>.notice.html per account at the legal stage.")]


def lang_of(option: Optional[Lang], lc, customer_facing: bool) -> str:
    """``--lang``, else ``[display] lang``, else zh for customer-facing files and en for operators."""
    from ..views.labels import resolve

    return resolve(option.value if option is not None else None, lc.config.display.lang, customer_facing)
