"""``baitiao validate``: check every input file and report every problem (SPEC 5, 6).

stderr: every problem of its own as ``error: file:line: field: message`` (or ``warning: ...``),
then one line for the records rejected only because their customer (or the purchase they
refund) was rejected. stdout: a summary per dataset and the problems grouped by file and field
(table); every problem as a record (``--format json``: ``problems``; ``--format csv``: one row
each). Exit status: 0 no errors (warnings allowed); 1 errors; 2 usage (e.g. unknown --encoding).
"""

from __future__ import annotations

from ..environment import current
from ..errors import Failed
from ..render import Table, emit
from ..services.validation import Validation, validate
from ..views.problems import consequences, grouped, kind_of
from .common import ConfigOpt, DataDirOpt, EncodingOpt, FormatOpt, Format, busy, setup

HEADERS = ("dataset", "file", "records", "valid", "errors", "warnings")
PROBLEM_HEADERS = ("file", "line", "field", "severity", "kind", "message")


def problem_records(v: Validation) -> list[dict]:
    """Every problem as a record: ``{file, line, field, severity, kind, message}`` (line 0: the
    whole file; kind: error | warning | consequence)."""
    return [{"file": p.file, "line": p.line, "field": p.field, "severity": p.severity, "kind": kind_of(p),
             "message": p.message} for p in v.problems]


def summary_json(v: Validation) -> dict:
    """``{"files":[{dataset,file,records,valid,errors,warnings}],"errors","warnings","problems":[…],
    "groups":[{file,field,kind,count,first_line,message}],"consequences":[{file,count}]}``."""
    return {"files": [f._asdict() for f in v.files], "errors": v.errors, "warnings": v.warnings,
            "problems": problem_records(v),
            "groups": [g._asdict() for g in grouped(v.problems)],
            "consequences": [{"file": f, "count": n} for f, n in consequences(v.problems).items()]}


def summary_table(v: Validation, data_dir) -> Table:
    rows = [[f.dataset, f.file if f.file is not None else "(none)", f.records, f.valid, f.errors, f.warnings]
            for f in v.files]
    verdict = "OK" if not v.errors else "INVALID"
    return Table(headers=HEADERS, rows=rows, title=f"validate {data_dir}",
                 align_right=frozenset({"records", "valid", "errors", "warnings"}),
                 footer=f"{verdict}: {v.errors} error(s), {v.warnings} warning(s)")


def consequence_line(v: Validation) -> str:
    """One line for every record rejected because its customer or purchase was ("" when none)."""
    by_file = consequences(v.problems)
    if not by_file:
        return ""
    n = sum(by_file.values())
    return (f"{n} more record(s) rejected only because their customer (or the purchase they refund) was "
            f"rejected: " + ", ".join(f"{f} {k}" for f, k in by_file.items())
            + "; they follow from the problems above (--format json or csv lists each)")


def groups_table(v: Validation) -> Table:
    return Table(headers=("file", "field", "kind", "count", "first line", "first problem"),
                 rows=[[g.file, g.field or "-", g.kind, g.count, g.first_line or "-", g.message]
                       for g in grouped(v.problems)],
                 title="Problems by file and field", align_right=frozenset({"count", "first line"}),
                 wrap="first problem", footer=consequence_line(v))


@busy
def command(
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    encoding: EncodingOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Check every input file and list every problem (file:line: field: message).

    Exit status: 0 no errors (warnings allowed); 1 errors found; 2 usage error.

    Examples (on the bundled sample_data, through ./config.toml):

    \b
      baitiao validate
      baitiao validate --format json
      baitiao validate --data-dir sample_data --encoding gb18030
    """
    lc = setup(config, data_dir)
    found = validate(lc, encoding)
    err = current().stderr
    for p in found.problems:
        if kind_of(p) != "consequence":
            err.write(f"{p.severity}: {p}\n")
    if consequences(found.problems):
        err.write(f"error: {consequence_line(found)}\n")
    err.flush()
    tables = ([groups_table(found)] if found.problems else []) + [summary_table(found, lc.data_dir)]
    records = Table(headers=PROBLEM_HEADERS, rows=[list(r.values()) for r in problem_records(found)])
    emit(fmt.value, json_obj=summary_json(found), tables=tables, csv_table=records)
    if found.errors:
        raise Failed()   # every problem is already on stderr
