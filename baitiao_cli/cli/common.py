"""Options every command shares and the small shell helpers commands use.

Kept light: no rich/tabulate here (see ``baitiao_cli.render``).
"""

from __future__ import annotations

import collections
import enum
import functools
import inspect
import re
from datetime import date
from typing import Annotated, Callable, Optional

import typer

from ..engine.partition import WHOLE, Shard, validate_shard
from ..environment import current, today_in  # noqa: F401 - today_in: commands import the clock from here
from ..errors import UsageError
from ..io.config import LoadedConfig, load_config
from ..io.parse import CUSTOMER_ID, parse_date, parse_int, parse_money


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"


DataDirOpt = Annotated[Optional[str], typer.Option(
    "--data-dir", metavar="DIR", help="Folder with customers/transactions/repayments/deferrals files, or "
                       "s3://bucket/prefix for the commands that only read (default: data.dir of the config).",
    show_default=False)]
ConfigOpt = Annotated[Optional[str], typer.Option(
    "--config", metavar="PATH", help="Config file (default: $BAITIAO_CONFIG, else ./config.toml, else built-in).",
    show_default=False)]
FormatOpt = Annotated[Format, typer.Option(
    "--format", "-f", help="Output: table for people, json or csv for scripts.")]
AsOfOpt = Annotated[Optional[str], typer.Option(
    "--as-of", metavar="YYYY-MM-DD", help="Business date YYYY-MM-DD (default: today in billing.timezone).",
    show_default=False)]
EncodingOpt = Annotated[Optional[str], typer.Option(
    "--encoding", metavar="ENC", help="Encoding of CSV inputs (default: detect UTF-8, UTF-8-BOM, GB18030).",
    show_default=False)]
SkipInvalidOpt = Annotated[bool, typer.Option(
    "--skip-invalid", help="Proceed with the valid records, list what was skipped and exit 1.")]

# Splitting a batch run (bill, overdue-report; docs/scale.md): "shard" for hosts, "job" for processes.
ShardOpt = Annotated[Optional[str], typer.Option(
    "--shard", metavar="K/N",
    help="Only the customers of shard K of N (a stable hash of the customer id): N hosts running "
         "shards 1..N between them produce the whole run. The input is still validated in full.",
    show_default=False)]
JobsOpt = Annotated[int, typer.Option(
    "--jobs", "-j", metavar="N",
    help="Compute in N local processes and merge; the output is byte-identical to --jobs 1.")]
MAX_JOBS = 256
ClusterOpt = Annotated[Optional[str], typer.Option(
    "--cluster", metavar="ADDRESS|local:N",
    help="Compute as Dask tasks, one per part of the book, on the cluster whose scheduler is at ADDRESS "
         "(tcp://host:8786; the data folder at the same path on every worker, or s3://) or on N local worker processes "
         "(local:N); the output is byte-identical to one process. Needs pip install 'baitiao[cluster]'.",
    show_default=False)]
PartitionsOpt = Annotated[Optional[int], typer.Option(
    "--partitions", metavar="N",
    help="With --cluster: cut the book into N parts, one task each (default: one per worker thread); "
         "more parts, less memory per task.", show_default=False)]


class ColorMode(str, enum.Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _set_color(value: Optional[ColorMode]) -> Optional[ColorMode]:
    if value is not None:
        current().show(color=value.value)
    return value


def _set_top(value: Optional[str]) -> Optional[str]:
    """``--top N``: a whole number >= 1 (else a usage error, exit 2), kept for the table output."""
    if value is not None:
        if not value.strip().isdigit() or int(value) < 1:
            raise typer.BadParameter(f"a whole number of rows, 1 or more, got {value!r}")
        current().show(top=int(value))
    return value


ColorOpt = Annotated[Optional[ColorMode], typer.Option(
    "--color", help="Colour in tables: auto (a terminal, unless NO_COLOR is set), always, never. "
                    "JSON and CSV never get colour.", callback=_set_color, show_default=False)]
TopOpt = Annotated[Optional[str], typer.Option(
    "--top", metavar="N", help="Tables: show only the first N rows of the list, and how many more there are "
                               "(JSON and CSV list every row).", callback=_set_top, show_default=False)]
_SHARD = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


def setup(config: Optional[str], data_dir: Optional[str]) -> LoadedConfig:
    """Read the config (ConfigError on problems) and resolve the data directory."""
    return load_config(config, data_dir)


def load_input(lc: LoadedConfig, encoding: Optional[str], skip_invalid: bool):
    """Load and validate the data directory; print its warnings on stderr.

    Returns ``(LoadResult, rejected)``: ``rejected`` lists the errors ``--skip-invalid``
    let through (the caller reports them and exits 1 after doing its work). Without
    ``--skip-invalid`` an invalid input raises DataError (exit 1).
    """
    from ..render import warn
    from ..services.validation import load_checked

    return load_checked(lc, encoding, skip_invalid, warn)


def date_option(value: Optional[str], name: str) -> Optional[date]:
    """Parse a date option; a malformed one is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as e:
        raise UsageError(f"{name}: {e}") from None


def as_of_date(value: Optional[str], lc: LoadedConfig) -> date:
    return date_option(value, "--as-of") or current().today(lc.config.billing.timezone)


def money_option(value: str, name: str):
    try:
        return parse_money(value)
    except ValueError as e:
        raise UsageError(f"{name}: {e}") from None


def int_option(value: str, name: str) -> int:
    """A whole-number option typed as text (``--days``, ``--terms``); malformed: usage error."""
    try:
        return parse_int(value)
    except ValueError as e:
        raise UsageError(f"{name}: {e}") from None


def customer_option(value: Optional[str], name: str = "--customer") -> str:
    """The one check of a customer id typed on the command line (usage error, exit 2)."""
    if not CUSTOMER_ID.match(value or ""):
        raise UsageError(f"{name}: not a customer id ([A-Za-z0-9_-], 1 to 64 characters): {value!r}")
    return value


def parse_shard(value: Optional[str]) -> Shard:
    """``"K/N"`` -> ``Shard(K, N)``; None -> the whole book. A malformed value is a usage error (exit 2)."""
    if value is None:
        return WHOLE
    m = _SHARD.fullmatch(value)
    if m is None:
        raise UsageError(f"--shard: expected K/N with whole numbers, 1 <= K <= N (e.g. 2/4), got {value!r}")
    k, n = int(m.group(1)), int(m.group(2))
    try:
        return validate_shard(k, n)
    except ValueError as e:
        raise UsageError(f"--shard {value}: {e}") from None


def cluster_option(cluster: Optional[str], partitions: Optional[int], jobs: int = 1):
    """The ``services.cluster.ClusterSpec`` of ``--cluster``/``--partitions`` (None without
    ``--cluster``); malformed values and ``--jobs`` with ``--cluster`` are usage errors (exit 2)."""
    if cluster is None:
        if partitions is not None:
            raise UsageError("--partitions goes with --cluster")
        return None
    if jobs != 1:
        raise UsageError("--jobs and --cluster do not go together: --cluster runs the parts on the cluster's workers")
    from ..services.cluster import parse_cluster     # no dask import: that happens when the run starts

    try:
        return parse_cluster(cluster, partitions)
    except ValueError as e:
        raise UsageError(f"--cluster: {e}" if not str(e).startswith("--") else str(e)) from None


def check_jobs(jobs: int) -> int:
    if not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs: must be between 1 and {MAX_JOBS}, got {jobs}")
    return jobs


# --- the options a command ends with, declared once ------------------------------------------------
# A command declares its own options and takes the shared ones it ends with as one NamedTuple
# (``opts``); ``trailing_options`` builds the signature typer reads (own options first, then the
# shared ones in the NamedTuple's order, so --help lists them as before).

OPTION_TYPES = {"as_of": AsOfOpt, "data_dir": DataDirOpt, "config": ConfigOpt, "fmt": FormatOpt,
                "encoding": EncodingOpt, "skip_invalid": SkipInvalidOpt, "shard": ShardOpt, "jobs": JobsOpt,
                "cluster": ClusterOpt, "partitions": PartitionsOpt}
OPTION_DEFAULTS = {"as_of": None, "data_dir": None, "config": None, "fmt": Format.table, "encoding": None,
                   "skip_invalid": False, "shard": None, "jobs": 1, "cluster": None, "partitions": None}


def _options(name: str, fields: str) -> type:
    """A NamedTuple of the shared options ``fields`` (in --help order) with their defaults."""
    names = fields.split()
    return collections.namedtuple(name, names, defaults=[OPTION_DEFAULTS[n] for n in names])


InputOptions = _options("InputOptions", "data_dir config fmt encoding")          # quote
DataOptions = _options("DataOptions", "as_of data_dir config fmt encoding")       # repay, defer, train


class BookOptions(_options("BookOptions", "data_dir config fmt encoding skip_invalid cluster partitions")):
    """The options of a run over the whole book (``score``, ``review``)."""

    __slots__ = ()

    def cluster_spec(self):
        """``--cluster`` checked (usage errors, exit 2): a ``services.cluster.ClusterSpec`` or None."""
        return cluster_option(self.cluster, self.partitions)


class BatchOptions(_options("BatchOptions", "data_dir config fmt encoding skip_invalid shard jobs cluster partitions")):
    """The options every batch run (``bill``, ``overdue-report``) takes after its own, in this order."""

    __slots__ = ()

    def split(self) -> Shard:
        """The shard of ``--shard`` after checking it and ``--jobs`` (usage errors, exit 2)."""
        shard = parse_shard(self.shard)
        check_jobs(self.jobs)
        self.cluster_spec()
        return shard

    def cluster_spec(self):
        """``--cluster`` checked (usage errors, exit 2): a ``services.cluster.ClusterSpec`` or None."""
        return cluster_option(self.cluster, self.partitions, self.jobs)

    def setup(self, as_of: Optional[str]) -> tuple[LoadedConfig, date]:
        """The config (and data folder) and the business date of ``--as-of``."""
        lc = setup(self.config, self.data_dir)
        return lc, as_of_date(as_of, lc)


def trailing_options(options: type, keyword: str = "opts", busy: Optional[bool] = None,
                     ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Make ``command(<own options>, *, <keyword>: options)`` a typer command whose options are its
    own followed by the fields of the NamedTuple ``options`` (declared in ``OPTION_TYPES``).
    ``busy`` (default: the listings, ``LISTINGS``): show the run's progress on a terminal's stderr."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != keyword]
        shared = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default,
                                    annotation=OPTION_TYPES[name])
                  for name, default in options._field_defaults.items()]

        display = [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=kind)
                   for name, kind in (("top", TopOpt), ("color", ColorOpt))
                   if name == "color" or options in LISTINGS]   # (their callbacks set the display)

        @functools.wraps(command)
        def wrapper(**values):
            for p in display:
                values.pop(p.name)
            gathered = options(**{name: values.pop(name) for name in options._fields})
            if not (busy if busy is not None else options in LISTINGS):
                return command(**values, **{keyword: gathered})
            from ..render import activity

            with activity(quiet=machine_to_pipe(gathered.fmt)):
                return command(**values, **{keyword: gathered})

        params = own + shared + display
        wrapper.__signature__ = inspect.Signature(params, return_annotation=None)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        del wrapper.__wrapped__      # typer must see the signature above, not ``command``'s
        return wrapper

    return decorate


def machine_to_pipe(fmt: Format) -> bool:
    """JSON or CSV going to a pipe or a file: no progress, no colour, no pager."""
    return fmt is not Format.table and not current().stdout_isatty


def busy(command: Callable[..., None]) -> Callable[..., None]:
    """A command (with a ``fmt`` option) that shows its progress on a terminal's stderr while it runs."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from ..render import activity

        with activity(quiet=machine_to_pipe(kwargs.get("fmt", Format.table))):
            return command(*args, **kwargs)

    return wrapper


LISTINGS = (BatchOptions, BookOptions)   # commands whose first table is a list: they take --top
batch_command = trailing_options(BatchOptions, "run")
with_data_options = trailing_options(DataOptions)
