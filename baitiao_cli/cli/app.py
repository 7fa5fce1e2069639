"""The ``baitiao`` Typer application and the one place errors become exit codes.

Exit status (contract, SPEC 5): 0 success; 1 bad data or a refused operation; 2 usage error.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Optional

import typer
from typer.core import TyperGroup

from ..environment import Display, current
from ..errors import BaitiaoError, DataError, ExitStatus, Failed, SkippedRecords
from ._fastparams import install as _install_plain_coercion
from .common import ColorMode

_install_plain_coercion()   # typer 0.2x would import pydantic to coerce option values: ~80 ms

MAX_PROBLEMS_SHOWN = 200


def report_error(exc: BaitiaoError) -> None:
    """Write an expected error to stderr in plain words: every problem, one per line."""
    from ..render import tag

    err = current().stderr
    if isinstance(exc, DataError):
        errors = [p for p in exc.problems if p.severity == "error"]
        for p in exc.problems[:MAX_PROBLEMS_SHOWN]:
            err.write(f"{p.severity}: {p}\n")
        if len(exc.problems) > MAX_PROBLEMS_SHOWN:
            err.write(f"... and {len(exc.problems) - MAX_PROBLEMS_SHOWN} more problem(s): "
                      "'baitiao validate' lists every one\n")
        err.write(f"{tag('error')}: {len(errors)} problem(s) in the input; nothing was computed or written\n")
    elif isinstance(exc, SkippedRecords):
        for p in exc.problems:
            err.write(f"{tag('error')}: {p}\n")
        err.write(f"{tag('error')}: {exc}\n")
    elif not isinstance(exc, Failed):
        err.write(f"{tag('error')}: {exc}\n")


def quiet_closed_pipe() -> None:
    """The reader of stdout went away (``| head -1``): stop quietly, as coreutils do. Whatever is
    still buffered is dropped (stdout now points at /dev/null), so nothing complains at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):   # not a real file (a test's stream): nothing to flush
        pass


class BaitiaoGroup(TyperGroup):
    """Maps the typed errors to exit codes for every command, in one place."""

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except BaitiaoError as exc:
            report_error(exc)
            raise typer.Exit(int(exc.exit_status)) from None
        except BrokenPipeError:
            quiet_closed_pipe()
            raise typer.Exit(int(ExitStatus.OK)) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug: never dump customer data in a traceback
            if os.environ.get("BAITIAO_DEBUG"):
                raise
            if exc.__class__.__module__.startswith("click") or exc.__class__.__module__.startswith("typer"):
                raise
            current().stderr.write(f"error: internal error ({type(exc).__name__}); "
                                   "rerun with BAITIAO_DEBUG=1 to see the details\n")
            raise typer.Exit(int(ExitStatus.ERROR)) from None
        finally:
            current().display = Display()     # --color/--no-pager/--top last for one run only


app = typer.Typer(
    cls=BaitiaoGroup,
    name="baitiao",
    help="Billing and risk engine for a Baitiao-style buy-now-pay-later credit product.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _show_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"baitiao {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit.", is_eager=True,
                                 callback=_show_version),
    color: Optional[ColorMode] = typer.Option(
        None, "--color", help="Colour in tables and messages: auto (on a terminal, unless NO_COLOR is set), "
                              "always, never. Also after the command.", show_default=False),
    no_pager: bool = typer.Option(False, "--no-pager", help="Never send a long table through the pager "
                                  "($BAITIAO_PAGER, $PAGER or less; only on a terminal)."),
) -> None:
    """Billing and risk engine for a Baitiao-style buy-now-pay-later credit product.

    Exit status: 0 success; 1 bad data or a refused operation; 2 usage error.
    """
    current().display = Display(color=color.value if color is not None else "auto", pager=not no_pager)


# --- command registration: one line per command module -------------------------------------
# (each module defines ``command``; keep module-level imports light: no rich/tabulate)
# from . import quote as _quote;  app.command("quote")(_quote.command)
from . import quote as _quote;  app.command("quote")(_quote.command)  # noqa: E402,E702
from . import bill as _bill;  app.command("bill")(_bill.command)  # noqa: E402,E702
from . import repay as _repay;  app.command("repay")(_repay.command)  # noqa: E402,E702
from . import defer as _defer;  app.command("defer")(_defer.command)  # noqa: E402,E702
from . import convert as _convert;  app.command("convert")(_convert.command)  # noqa: E402,E702
from . import balance as _balance;  app.command("balance")(_balance.command)  # noqa: E402,E702
from . import reverse as _reverse;  app.command("reverse")(_reverse.command)  # noqa: E402,E702
from . import waive as _waive;  app.command("waive")(_waive.command)  # noqa: E402,E702
from . import write_off as _write_off;  app.command("write-off")(_write_off.command)  # noqa: E402,E702
from . import review as _review;  app.command("review")(_review.command)  # noqa: E402,E702
from . import overdue_report as _overdue_report;  app.command("overdue-report")(_overdue_report.command)  # noqa: E402,E702
from . import score as _score;  app.command("score")(_score.command)  # noqa: E402,E702
from . import train as _train;  app.command("train")(_train.command)  # noqa: E402,E702
from . import validate as _validate;  app.command("validate")(_validate.command)  # noqa: E402,E702
from . import remind as _remind;  app.command("remind")(_remind.command)  # noqa: E402,E702
# ---------------------------------------------------------------------------------------------

EXAMPLES_HEADING = "Examples"


def _examples_last() -> None:
    """A command's docstring ends with its examples ("Examples ..." and a ``\\b`` block): they become
    the help's epilog, so ``baitiao COMMAND --help`` ends with them, after the options."""
    import inspect

    for info in app.registered_commands:
        doc = inspect.getdoc(info.callback) or ""
        head, sep, tail = doc.partition("\n\n" + EXAMPLES_HEADING)
        if sep and info.epilog is None:
            info.help, info.epilog = head, EXAMPLES_HEADING + tail
        elif info.epilog is None:      # (a command at the 80-line limit keeps them in its module's EXAMPLES)
            info.epilog = getattr(sys.modules.get(getattr(info.callback, "__module__", "")), "EXAMPLES", None)


_examples_last()


class Terminated(BaseException):
    """SIGTERM arrived: unwinds the stack so that ``finally``/``except BaseException`` blocks run
    (a half-written ``--out`` temporary file is removed, the journal lock is released)."""


_MAIN_PID: Optional[int] = None
_AT_FORK = False


def _on_sigterm(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    if os.getpid() != _MAIN_PID:
        # a forked worker (``--jobs``): die exactly as the default action would
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated()


def _reset_sigterm_in_child() -> None:
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError):  # pragma: no cover - not the main thread of the child
        pass


def _install_sigterm() -> bool:
    """SIGTERM (what ``timeout``, systemd and cron supervisors send) becomes an exception in this
    process only, so nothing is left half-done; forked workers keep the default action."""
    global _MAIN_PID, _AT_FORK
    if not hasattr(signal, "SIGTERM"):  # pragma: no cover
        return False
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return False          # someone (an embedding program) has its own handler: keep it
        _MAIN_PID = os.getpid()
        signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):  # not the main thread: leave the default
        return False
    if not _AT_FORK and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_reset_sigterm_in_child)
        _AT_FORK = True
    return True


def main() -> None:
    """Console-script entry point."""
    installed = _install_sigterm()
    try:
        app()
    except BrokenPipeError:             # (BAITIAO_DEBUG=1 lets it through invoke; or at click's exit)
        quiet_closed_pipe()
        raise SystemExit(0) from None
    except Terminated:
        sys.stderr.write("error: terminated (SIGTERM) before the end: files already written are complete, "
                         "the one being written was discarded, nothing was appended half-way\n")
        sys.stderr.flush()
        # die by the signal, as the default action would have: the parent sees "killed by SIGTERM"
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM) from None  # pragma: no cover - the kill did not end us
    finally:
        if installed and os.getpid() == _MAIN_PID:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
