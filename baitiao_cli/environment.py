"""What the outside world gives a run: the output streams, whether they are terminals, the clock.

The CLI passes an ``Environment`` down to the output layer (``render.emit``/``warn``, the
progress bar) instead of each piece reading ``sys.stdout``/``sys.stderr`` or the wall clock
itself; a test builds one with its own streams and date. ``current()`` is the default: it
reads ``sys.*`` at the moment of each call (so a test runner that swaps the streams is seen).
"""

from __future__ import annotations

import os
import sys
from datetime import date, datetime, timedelta, timezone
from typing import Callable, NamedTuple, Optional, TextIO

from .errors import UsageError


def today_in(tz_name: str) -> date:
    """Today's date in the configured timezone: the only wall-clock read in the tool."""
    try:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(tz_name)).date()
    except Exception:  # noqa: BLE001 - no tz database: fall back to a fixed offset
        if tz_name in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Hong_Kong", "PRC"):
            return datetime.now(timezone(timedelta(hours=8))).date()
        raise UsageError(f"unknown timezone {tz_name!r} in billing.timezone") from None


COLOR_MODES = ("auto", "always", "never")


class Display(NamedTuple):
    """How a person's output is shown (docs/formats.md §5): colour (``--color``), the pager
    (``--no-pager``), the rows of the first table (``--top``). Never changes JSON or CSV."""

    color: str = "auto"          # auto: on a terminal unless NO_COLOR is set; always; never
    pager: bool = True           # a table taller than the terminal goes through $BAITIAO_PAGER/$PAGER/less
    top: Optional[int] = None    # show only the first N rows of the first table (None: all)


class Environment:
    """Streams, terminal flags and clock of one run; each left out is read from ``sys`` when used."""

    def __init__(self, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, *,
                 stdout_isatty: Optional[bool] = None, stderr_isatty: Optional[bool] = None,
                 today: Optional[Callable[[str], date]] = None, width: Optional[int] = None,
                 display: Optional[Display] = None):
        self._stdout, self._stderr = stdout, stderr
        self._width = width
        self._stdout_isatty, self._stderr_isatty = stdout_isatty, stderr_isatty
        self._today = today
        self.display = display or Display()

    def show(self, **changes) -> None:
        """Set display options for this run (the command line's ``--color``, ``--no-pager``, ``--top``)."""
        self.display = self.display._replace(**changes)

    def colour(self, isatty: bool) -> bool:
        """Whether output to a stream (a terminal or not) gets colour: ``--color always|never`` decide;
        ``auto``: a terminal, ``NO_COLOR`` unset or empty (no-color.org), ``TERM`` not ``dumb``."""
        mode = self.display.color
        if mode != "auto":
            return mode == "always"
        return isatty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"

    def pager_command(self) -> Optional[str]:
        """The pager for a long table on a terminal: ``$BAITIAO_PAGER``, else ``$PAGER``, else ``less``;
        None with ``--no-pager`` or when it is set empty or to ``cat``."""
        if not self.display.pager:
            return None
        cmd = os.environ.get("BAITIAO_PAGER", os.environ.get("PAGER", "less")).strip()
        return None if cmd in ("", "cat") else cmd

    @property
    def stdout(self) -> TextIO:
        return self._stdout if self._stdout is not None else sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr if self._stderr is not None else sys.stderr

    @property
    def stdout_isatty(self) -> bool:
        return self._stdout_isatty if self._stdout_isatty is not None else self.stdout.isatty()

    @property
    def stderr_isatty(self) -> bool:
        return self._stderr_isatty if self._stderr_isatty is not None else self.stderr.isatty()

    @property
    def width(self) -> Optional[int]:
        """The width tables must fit, in terminal cells: given, else ``COLUMNS`` when set (a
        positive number), else None: a terminal's own width (rich measures it), no limit when piped."""
        if self._width is not None:
            return self._width
        text = os.environ.get("COLUMNS", "")
        return int(text) if text.isdigit() and int(text) > 0 else None

    def today(self, tz_name: str) -> date:
        """Today in ``tz_name`` (``billing.timezone``)."""
        return (self._today or today_in)(tz_name)


_DEFAULT = Environment()


def current() -> Environment:
    """The environment of this process (``sys`` streams, the wall clock)."""
    return _DEFAULT
