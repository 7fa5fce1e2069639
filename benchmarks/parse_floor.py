#!/usr/bin/env python3
"""The *parse floor* of a data directory: the least any tool must do to read the book.

Reads the four CSV files (customers, transactions, repayments, deferrals) with
``csv.reader`` and parses every date with ``date.fromisoformat`` and every amount with
``Decimal`` -- nothing else: no validation, no records, no grouping. ``benchmarks/run.py``
reports each command's wall time as a multiple of this.

    python benchmarks/parse_floor.py DATA_DIR      # prints rows and seconds as JSON
"""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

# file -> (date columns, amount columns); an empty optional amount is skipped
COLUMNS = {
    "customers": (("opened_on",), ("monthly_income", "credit_limit")),
    "transactions": (("date",), ("amount",)),
    "repayments": (("date",), ("amount",)),
    "deferrals": (("statement_date", "date"), ()),
}


def parse_file(path: Path, date_cols: tuple, amount_cols: tuple) -> int:
    fromiso = date.fromisoformat
    n = 0
    with open(path, encoding="utf-8-sig", newline="") as f:
        rdr = csv.reader(f)
        header = next(rdr)
        di = [header.index(c) for c in date_cols]
        ai = [header.index(c) for c in amount_cols]
        for row in rdr:
            n += 1
            for i in di:
                fromiso(row[i])
            for i in ai:
                s = row[i]
                if s:
                    Decimal(s)
    return n


def parse_floor(data_dir: str | Path) -> dict:
    """Parse every file of ``data_dir``; return rows per file and the seconds it took."""
    d = Path(data_dir)
    t0 = time.perf_counter()
    rows = {name: parse_file(d / f"{name}.csv", dc, ac) for name, (dc, ac) in COLUMNS.items()
            if (d / f"{name}.csv").exists()}
    return {"rows": rows, "seconds": time.perf_counter() - t0}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: parse_floor.py DATA_DIR")
    print(json.dumps(parse_floor(sys.argv[1])))
