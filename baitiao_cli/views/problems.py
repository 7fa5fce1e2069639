"""The problems ``validate`` found, for people and scripts: each as a record, grouped by file and
field, and the records rejected only because another was (consequences), counted in one line.
"""

from __future__ import annotations

from typing import NamedTuple

from ..errors import Problem

# A record rejected only because the record it depends on was (its customer, the purchase it refunds):
# a consequence of another problem, not a problem of its own.
_CONSEQUENCE = ("was rejected (", "which was rejected (")


def kind_of(p: Problem) -> str:
    """``error``/``warning`` for a problem of its own; ``consequence`` for a record rejected because
    its customer or the purchase it refunds was."""
    if p.severity == "error" and any(m in p.message for m in _CONSEQUENCE):
        return "consequence"
    return p.severity


class Group(NamedTuple):
    """The problems of one file and field (and kind), in file order: how many, the first of them."""

    file: str
    field: str
    kind: str
    count: int
    first_line: int
    message: str


def grouped(problems: list[Problem]) -> list[Group]:
    """Problems of their own (not consequences) grouped by file, field and kind, in order of first sight."""
    groups: dict = {}
    for p in problems:
        kind = kind_of(p)
        if kind == "consequence":
            continue
        key = (p.file, p.field, kind)
        g = groups.get(key)
        groups[key] = Group(p.file, p.field, kind, 1, p.line, p.message) if g is None else g._replace(count=g.count + 1)
    return list(groups.values())


def consequences(problems: list[Problem]) -> dict[str, int]:
    """Records rejected because their customer or purchase was: a count per file."""
    out: dict = {}
    for p in problems:
        if kind_of(p) == "consequence":
            out[p.file] = out.get(p.file, 0) + 1
    return out
