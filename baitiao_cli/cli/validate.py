"""``baitiao validate``: check every input file and report every problem (SPEC 5, 6).

Every problem goes to stderr as ``error: file:line: field: message`` or ``warning: ...``;
stdout gets a summary per dataset (file, records, valid, errors, warnings).
Exit status: 0 no errors (warnings allowed); 1 errors; 2 usage (e.g. unknown --encoding).
"""

from __future__ import annotations

import sys

import typer

from ..errors import Failed
from ..io.loader import DATASETS, load_dataset
from ..render import Table, emit
from .common import ConfigOpt, DataDirOpt, EncodingOpt, FormatOpt, Format, setup

HEADERS = ("dataset", "file", "records", "valid", "errors", "warnings")


def summary(result) -> dict:
    """The JSON summary: ``{"files":[{dataset,file,records,valid,errors,warnings}],"errors","warnings"}``."""
    rows = []
    by_file: dict = {}
    for p in result.problems:
        e, w = by_file.get(p.file, (0, 0))
        by_file[p.file] = (e + 1, w) if p.severity == "error" else (e, w + 1)
    claimed = set()
    for name in DATASETS:
        label = result.labels.get(name, "")
        claimed.add(label)
        e, w = by_file.get(label, (0, 0))
        path = result.files.get(name)
        records = result.counts.get(name, 0)
        rows.append({"dataset": name, "file": str(path) if path is not None else None,
                     "records": records, "valid": records - result.skipped.get(name, 0),
                     "errors": e, "warnings": w})
    errors = sum(1 for p in result.problems if p.severity == "error")
    warnings = len(result.problems) - errors
    return {"files": rows, "errors": errors, "warnings": warnings}


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
    result = load_dataset(lc.data_dir, lc.config, encoding=encoding, skip_invalid=True,
                          whole_accounts=False)
    err = sys.stderr
    for p in result.problems:
        err.write(f"{p.severity}: {p}\n")
    err.flush()
    obj = summary(result)
    rows = [[f["dataset"], f["file"] if f["file"] is not None else "(none)", f["records"], f["valid"],
             f["errors"], f["warnings"]] for f in obj["files"]]
    verdict = "OK" if not obj["errors"] else "INVALID"
    table = Table(headers=HEADERS, rows=rows, title=f"validate {lc.data_dir}",
                  align_right=frozenset({"records", "valid", "errors", "warnings"}),
                  footer=f"{verdict}: {obj['errors']} error(s), {obj['warnings']} warning(s)")
    emit(fmt.value, json_obj=obj, tables=[table], csv_table=table)
    if obj["errors"]:
        raise Failed()   # every problem is already on stderr
