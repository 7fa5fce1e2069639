"""Options every command shares and the small shell helpers commands use.

Kept light: no rich/tabulate here (see ``baitiao_cli.render``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Optional

import typer


from ..errors import UsageError
from ..io.config import LoadedConfig, load_config
from ..io.parse import CUSTOMER_ID, parse_date, parse_money


class Format(str, enum.Enum):
    table = "table"
    json = "json"
    csv = "csv"


DataDirOpt = Annotated[Optional[str], typer.Option(
    "--data-dir", metavar="DIR", help="Folder with customers/transactions/repayments/deferrals files "
                       "(default: data.dir of the config).", show_default=False)]
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


def setup(config: Optional[str], data_dir: Optional[str]) -> LoadedConfig:
    """Read the config (ConfigError on problems) and resolve the data directory."""
    return load_config(config, data_dir)


def load_input(lc: LoadedConfig, encoding: Optional[str], skip_invalid: bool):
    """Load and validate the data directory; print its warnings on stderr.

    Returns ``(LoadResult, rejected)``: ``rejected`` lists the errors ``--skip-invalid``
    let through (the caller reports them and exits 1 after doing its work). Without
    ``--skip-invalid`` an invalid input raises DataError (exit 1).
    """
    from ..io.loader import load_dataset
    from ..render import warn

    result = load_dataset(lc.data_dir, lc.config, encoding=encoding, skip_invalid=skip_invalid)
    for p in result.problems:
        if p.severity != "error":
            warn(str(p))
    return result, [p for p in result.problems if p.severity == "error"]


def today_in(tz_name: str) -> date:
    """Today's date in the configured timezone: the only wall-clock read in the tool."""
    try:
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo(tz_name)).date()
    except Exception:  # noqa: BLE001 - no tz database: fall back to a fixed offset
        if tz_name in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Hong_Kong", "PRC"):
            return datetime.now(timezone(timedelta(hours=8))).date()
        raise UsageError(f"unknown timezone {tz_name!r} in billing.timezone") from None


def date_option(value: Optional[str], name: str) -> Optional[date]:
    """Parse a date option; a malformed one is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return parse_date(value)
    except ValueError as e:
        raise UsageError(f"{name}: {e}") from None


def as_of_date(value: Optional[str], lc: LoadedConfig) -> date:
    return date_option(value, "--as-of") or today_in(lc.config.billing.timezone)


def money_option(value: str, name: str):
    try:
        return parse_money(value)
    except ValueError as e:
        raise UsageError(f"{name}: {e}") from None


def customer_option(value: Optional[str], name: str = "--customer") -> str:
    """The one check of a customer id typed on the command line (usage error, exit 2)."""
    if not CUSTOMER_ID.match(value or ""):
        raise UsageError(f"{name}: not a customer id ([A-Za-z0-9_-], 1 to 64 characters): {value!r}")
    return value
