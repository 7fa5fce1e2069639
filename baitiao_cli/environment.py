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
from typing import Callable, Optional, TextIO

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


class Environment:
    """Streams, terminal flags and clock of one run; each left out is read from ``sys`` when used."""

    def __init__(self, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, *,
                 stdout_isatty: Optional[bool] = None, stderr_isatty: Optional[bool] = None,
                 today: Optional[Callable[[str], date]] = None, width: Optional[int] = None):
        self._stdout, self._stderr = stdout, stderr
        self._width = width
        self._stdout_isatty, self._stderr_isatty = stdout_isatty, stderr_isatty
        self._today = today

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
