"""One typed error hierarchy and one exit-status enum (contract: 0 ok, 1 bad data/refused, 2 usage).

The CLI maps these to exit codes in exactly one place (``baitiao_cli.cli.app``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1      # bad data, bad config, or a refused operation
    USAGE = 2      # wrong options or arguments


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input file: rendered as ``file:line: field: message``."""

    file: str
    line: int          # 1-based physical line (CSV/JSONL) or record number (JSON array); 0 = whole file
    field: str
    message: str
    severity: str = "error"   # error | warning

    def __str__(self) -> str:
        loc = f"{self.file}:{self.line}" if self.line else self.file
        fld = f" {self.field}:" if self.field else ""
        return f"{loc}:{fld} {self.message}"


class BaitiaoError(Exception):
    """Base of every expected error. ``exit_status`` decides the process exit code."""

    exit_status = ExitStatus.ERROR


class DataError(BaitiaoError):
    """Input files are invalid. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], message: str = "invalid input"):
        self.problems = list(problems)
        n = sum(1 for p in self.problems if p.severity == "error")
        super().__init__(f"{message}: {n} problem(s)")


class ConfigError(BaitiaoError):
    """The configuration file is missing, unreadable or has a bad/unknown key."""


class RefusedError(BaitiaoError):
    """A valid request the rules refuse (APR above cap, settle short, deferral not allowed...)."""


class UsageError(BaitiaoError):
    """Options that do not make sense together; exit 2 like a command-line parse error."""

    exit_status = ExitStatus.USAGE


class SkippedRecords(BaitiaoError):
    """Raised *after* the output is written: ``--skip-invalid`` let invalid records through.

    The CLI lists every skipped problem on stderr, then ``error: N invalid record(s) skipped;
    <outcome>``, and exits 1. ``outcome`` says what the output covers.
    """

    def __init__(self, problems: list[Problem], outcome: str):
        self.problems = list(problems)
        self.outcome = outcome
        super().__init__(f"{len(self.problems)} invalid record(s) skipped; {outcome}")


class Failed(BaitiaoError):
    """The command wrote its full answer (stdout and stderr) and only the exit status is left: 1."""

    def __init__(self) -> None:
        super().__init__("")
