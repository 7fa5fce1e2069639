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
ReasonOpt = Annotated[Optional[str], typer.Option("--reason", metavar="TEXT", help="Why (kept in the journal).",
                                                  show_default=False)]
DryRunFlag = flag_option("--dry-run", "Check and show the result exactly as a real run would; write nothing.")


# --- option values (malformed: usage error, exit 2) ------------------------------------------------

def ref_option(value: str, option: str = "--ref") -> str:
    if not REF.match(value or ""):
        what = " (the idempotency key)" if option == "--ref" else ""
        raise UsageError(f"{option}: must be 1 to 64 letters, digits, '_' or '-'{what}: {value!r}")
    return value


REASON_MAX = 200


def free_text_option(value: Optional[str], option: str, most: int) -> str:
    """Free text, stripped (as the loader strips it); no control characters, at most ``most`` characters."""
    if value is None:
        return ""
    s = value.strip()
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in s):
        raise UsageError(f"{option}: control characters are not allowed: {value!r}")
    if len(s) > most:
        raise UsageError(f"{option}: at most {most} characters")
    return s


def reason_option(value: Optional[str]) -> str:
    return free_text_option(value, "--reason", REASON_MAX)


def channel_option(value: Optional[str]) -> str:
    return free_text_option(value, "--channel", CHANNEL_MAX)


# --- what the posting commands share --------------------------------------------------------------

def statement_request_options(what: str, date_rule: str) -> tuple[Any, Any, Any, Any]:
    """--statement-date, --date, --ref and --dry-run of a request about one statement (``what``:
    deferral, conversion ...; ``date_rule``: when it may be requested)."""
    return (text_option("--statement-date", "YYYY-MM-DD", f"The statement of the {what}, YYYY-MM-DD."),
            text_option("--date", "YYYY-MM-DD", f"Request date YYYY-MM-DD ({date_rule}; not after --as-of)."),
            text_option("--ref", "REF", f"{what.capitalize()} id, the idempotency key: 1-64 letters, digits, '_' or "
                                        "'-'. The same ref with the same content is answered 'duplicate'."),
            flag_option("--dry-run", f"Check and show the {what} exactly as a real run would; write nothing."))


_COMMANDS = {"Repayment": "repay", "Deferral": "defer", "Conversion": "convert", "Reversal": "reverse"}


def _local_journals(lc: Any, new: Any) -> None:
    """A posting command refuses an object-store data folder (exit 2): its journal is appended locally."""
    from ..io.objstore import require_local

    kind = type(new).__name__
    command = _COMMANDS.get(kind) or ("write-off" if getattr(new, "kind", "") == "write_off" else "waive")
    require_local(lc.data_dir, command)


def post_and_emit(opts: Any, new: Any, dry_run: bool, view: Any) -> Any:
    """Post ``new`` as of --as-of (default: today in billing.timezone), emit ``view(posted)``; the Posted."""
    from ..render import emit, warn
    from ..services import posting
    from .common import date_option, setup, today_in

    given_as_of = date_option(opts.as_of, "--as-of")
    lc = setup(opts.config, opts.data_dir)
    _local_journals(lc, new)
    posted = posting.post(lc, new, given_as_of or today_in(lc.config.billing.timezone), dry_run=dry_run,
                          encoding=opts.encoding, notify=warn)
    emit(opts.fmt.value, **view(posted)._asdict())
    return posted
