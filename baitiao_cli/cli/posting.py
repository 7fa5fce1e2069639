"""What the ``repay`` and ``defer`` commands share: their option declarations and option checks.

The posting workflow itself is ``services.posting.post``; its output is ``views.posting``.
"""

from __future__ import annotations

import functools
import inspect
import re
from typing import Annotated, Any, Callable, NamedTuple, Optional

import typer

from ..errors import UsageError
from .common import AsOfOpt, ConfigOpt, DataDirOpt, EncodingOpt, Format, FormatOpt

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


# --- the options every data command ends with, declared once ---------------------------------------

class DataOptions(NamedTuple):
    """--as-of, --data-dir, --config, --format, --encoding as typed on the command line."""

    as_of: Optional[str] = None
    data_dir: Optional[str] = None
    config: Optional[str] = None
    fmt: Format = Format.table
    encoding: Optional[str] = None


_DATA_OPTION_TYPES = {"as_of": AsOfOpt, "data_dir": DataDirOpt, "config": ConfigOpt, "fmt": FormatOpt,
                      "encoding": EncodingOpt}


def with_data_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give ``command(..., opts: DataOptions)`` the options of :class:`DataOptions`, last in its help.

    Typer reads the options from the signature: the returned function declares ``command``'s
    own parameters followed by the five shared ones, and calls ``command`` with them gathered
    into ``opts``.
    """
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "opts"]
    shared = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                annotation=_DATA_OPTION_TYPES[name])
              for name, default in DataOptions._field_defaults.items()]

    @functools.wraps(command)
    def wrapper(**values):
        opts = DataOptions(**{name: values.pop(name) for name in DataOptions._fields})
        return command(**values, opts=opts)

    params = own + shared
    wrapper.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__      # typer must see the signature above, not ``command``'s
    return wrapper
