"""The customers' personal numbers: a phone must be a mainland mobile number, an ID number an
18-character resident ID (GB 11643: a real birth date, the right check digit). Warnings only: the
record is kept (nothing is computed from them; reports show them masked), and a message never
echoes the value. Registered as the ``personal_numbers`` rule of ``io.rules``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

from ..errors import Problem

_PHONE = re.compile(r"(?:\+?86)?1[3-9][0-9]{9}")
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
EXCEL_NUMBER_HINT = ("Excel stored it as a number in scientific notation and its last digits are lost: "
                     "format the column as Text in Excel and enter the numbers again")


def id_check_digit(first17: str) -> str:
    """The GB 11643 check digit of the first 17 digits of an ID number (ISO 7064 MOD 11-2)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def phone_problem(s: str) -> Optional[str]:
    """Why ``s`` is not a mainland mobile number (None if it is or is empty). Never echoes it."""
    t = s.replace(" ", "").replace("-", "")
    if not t or _PHONE.fullmatch(t):
        return None
    if _SCIENTIFIC.fullmatch(t):
        return EXCEL_NUMBER_HINT
    return "not an 11-digit mainland mobile number (1, then 3-9, then 9 digits; +86 allowed); kept as given"


def id_number_problem(s: str) -> Optional[str]:
    """Why ``s`` is not an 18-character resident ID number (GB 11643: 17 digits, a check digit 0-9
    or X, a real birth date); None if it is or is empty. Never echoes it."""
    if not s:
        return None
    t = s.upper()
    if _SCIENTIFIC.fullmatch(t):
        return EXCEL_NUMBER_HINT
    if not _ID18.fullmatch(t):
        return "not an 18-character ID number (17 digits, then a digit or X); kept as given"
    try:
        date(int(t[6:10]), int(t[10:12]), int(t[12:14]))
    except ValueError:
        return "the birth date inside the ID number (characters 7-14) is not a real date; kept as given"
    if id_check_digit(t[:17]) != t[17]:
        return "the check digit (last character) does not match the other 17 (GB 11643): a typo?; kept as given"
    return None


def personal_numbers(load, row, values, cust, line) -> bool:
    """A phone that is no mainland mobile number, an ID number of the wrong form or check digit:
    warnings (the record is kept: reports only show them masked)."""
    for name, why in (("phone", phone_problem), ("id_number", id_number_problem)):
        v = values.get(name)
        problem = why(v) if v else None
        if problem:
            load.add(Problem(load.label, line, name, problem, "warning"))
    return False


def personal_numbers_column(load, values, column, n: int) -> bool:
    return not any(phone_problem(v) for v in values["phone"] if v) and \
        not any(id_number_problem(v) for v in values["id_number"] if v)
