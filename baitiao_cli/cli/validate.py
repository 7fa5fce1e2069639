"""``baitiao validate``: check every input file and report every problem (SPEC 5, 6).

Every problem goes to stderr as ``error: file:line: field: message`` or ``warning: ...``;
stdout gets a summary per dataset (file, records, valid, errors, warnings).
Exit status: 0 no errors (warnings allowed); 1 errors; 2 usage (e.g. unknown --encoding).
"""

from __future__ import annotations

from ..environment import current
from ..errors import Failed
from ..render import Table, emit
from ..services.validation import Validation, validate
from .common import ConfigOpt, DataDirOpt, EncodingOpt, FormatOpt, Format, setup

HEADERS = ("dataset", "file", "records", "valid", "errors", "warnings")


def summary_json(v: Validation) -> dict:
    """The JSON summary: ``{"files":[{dataset,file,records,valid,errors,warnings}],"errors","warnings"}``."""
    return {"files": [f._asdict() for f in v.files], "errors": v.errors, "warnings": v.warnings}


def summary_table(v: Validation, data_dir) -> Table:
    rows = [[f.dataset, f.file if f.file is not None else "(none)", f.records, f.valid, f.errors, f.warnings]
            for f in v.files]
    verdict = "OK" if not v.errors else "INVALID"
    return Table(headers=HEADERS, rows=rows, title=f"validate {data_dir}",
                 align_right=frozenset({"records", "valid", "errors", "warnings"}),
                 footer=f"{verdict}: {v.errors} error(s), {v.warnings} warning(s)")


def command(
    data_dir: DataDirOpt = None,
    config: ConfigOpt = None,
    encoding: EncodingOpt = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Check every input file and list every problem (file:line: field: message).

    Exit status: 0 no errors (warnings allowed); 1 errors found; 2 usage error.
    """
    lc = setup(config, data_dir)
    found = validate(lc, encoding)
    err = current().stderr
    for p in found.problems:
        err.write(f"{p.severity}: {p}\n")
    err.flush()
    table = summary_table(found, lc.data_dir)
    emit(fmt.value, json_obj=summary_json(found), tables=[table], csv_table=table)
    if found.errors:
        raise Failed()   # every problem is already on stderr
