"""A small valid data directory and helpers to break it one way at a time (loader tests).

Line numbers of the base files (header = line 1):
customers    2 C1, 3 C2                      -> an appended row is line 4
transactions 2 T1 (C1 purchase 1000.00/3), 3 T2 (refund 200.00 of T1), 4 T3, 5 T4
                                              -> an appended row is line 6
repayments   2 R1, 3 R2                      -> an appended row is line 4
deferrals    2 D1                            -> an appended row is line 3
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional, Union

CUSTOMERS = (
    "customer_id,name,phone,id_number,opened_on,statement_day,monthly_income,credit_limit\n"
    "C1,张三,13812345678,110003199001011234,2025-01-05,3,8000.00,\n"
    "C2,李四,13900001111,,2025-02-01,,12000,5000\n"
)
TRANSACTIONS = (
    "txn_id,customer_id,date,amount,type,installments,fee_rate,ref_txn_id,merchant,category\n"
    "T1,C1,2025-01-10,1000.00,purchase,3,,,京东,online\n"
    "T2,C1,2025-01-15,200.00,refund,,,T1,京东,online\n"
    "T3,C2,2025-02-10,99.9,,1,,,shop,offline_retail\n"
    "T4,C2,2025-02-11,1200.00,purchase,12,0.005,,edu,education\n"
)
REPAYMENTS = (
    "repayment_id,customer_id,date,amount,kind,channel\n"
    "R1,C1,2025-02-12,106.00,normal,app\n"
    "R2,C2,2025-03-12,50.00,,bank\n"
)
DEFERRALS = (
    "deferral_id,customer_id,statement_date,date,days\n"
    "D1,C2,2025-03-03,2025-03-05,10\n"
)
BASE = {"customers.csv": CUSTOMERS, "transactions.csv": TRANSACTIONS,
        "repayments.csv": REPAYMENTS, "deferrals.csv": DEFERRALS}

Content = Union[str, bytes, None]


def write_dir(root: Path, files: Optional[dict] = None, *, base: bool = True) -> Path:
    """A data directory: the base files, then ``files`` (name -> text/bytes, None = delete)."""
    d = root / "data"
    d.mkdir(parents=True, exist_ok=True)
    content: dict = dict(BASE) if base else {}
    for name, value in (files or {}).items():
        content[name] = value
    for name, value in content.items():
        p = d / name
        if value is None:
            if p.exists():
                p.unlink()
            continue
        if isinstance(value, str):
            p.write_bytes(value.encode("utf-8"))
        else:
            p.write_bytes(value)
    return d


def with_row(name: str, row: str) -> dict:
    """The base file ``name`` with one more row (a line of CSV text, no newline)."""
    return {name: BASE[name] + row + "\n"}


def as_jsonl(csv_text: str) -> str:
    """CSV text (no quoting) as JSON Lines with every value a string."""
    lines = csv_text.strip("\n").split("\n")
    header = lines[0].split(",")
    return "".join(json.dumps(dict(zip(header, line.split(","))), ensure_ascii=False) + "\n"
                   for line in lines[1:])


def as_json_array(csv_text: str, numbers: tuple = ()) -> str:
    """CSV text as a JSON array, one object per line, the named columns as JSON numbers."""
    lines = csv_text.strip("\n").split("\n")
    header = lines[0].split(",")
    objs = []
    for line in lines[1:]:
        parts = []
        for k, v in zip(header, line.split(",")):
            if k in numbers and v:
                parts.append(f"{json.dumps(k)}: {v}")
            else:
                parts.append(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}")
        objs.append("  {" + ", ".join(parts) + "}")
    return "[\n" + ",\n".join(objs) + "\n]\n"


def snapshot(d: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}
