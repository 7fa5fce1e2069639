"""What the ``repay`` and ``defer`` commands share: their option declarations and option checks.

The posting workflow itself is ``services.posting.post``; its output is ``views.posting``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Optional

import typer

from ..errors import UsageError

# --ref: the idempotency key. Stricter than what the loader accepts in a journal (1-128
# characters without control characters): what a script or an operator types, safe in any
# file, log line or shell, and the same rule as customer ids.
REF = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
CHANNEL_MAX = 64



def text_option(name: str, metavar: str, help: str) -> Any:
    """A required option whose text the command parses and checks itself."""
    return Annotated[str, typer.Option(name, metavar=metavar, help=help, show_default=False)]


def flag_option(name: str, help: str) -> Any:
    return Annotated[bool, typer.Option(name, help=help)]


CustomerOpt = text_option("--customer", "ID", "Customer id.")


# --- option values (malformed: usage error, exit 2) ------------------------------------------------

def ref_option(value: str) -> str:
    if not REF.match(value or ""):
        raise UsageError(f"--ref: must be 1 to 64 letters, digits, '_' or '-' (the idempotency key): {value!r}")
    return value


def channel_option(value: Optional[str]) -> str:
    """Free text, stripped (as the loader strips it); no control characters, at most 64 characters."""
    if value is None:
        return ""
    s = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in s):
        raise UsageError(f"--channel: control characters are not allowed: {value!r}")
    if len(s) > CHANNEL_MAX:
        raise UsageError(f"--channel: at most {CHANNEL_MAX} characters")
    return s
