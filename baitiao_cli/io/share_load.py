"""Share loading: a worker process of ``--jobs`` checks and keeps only its customers' records.

``io.loader.load_share`` reads every customer, then only the transactions and repayments of
the customers this worker keeps, through the column driver alone (``io.columns``); anything
that is not clean -- a chunk the column driver refuses, a row of an unknown customer, a
duplicate id, any problem but a header warning every worker gives alike -- raises
``Unclean``, and the caller loads the whole input the ordinary way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import compress

from ..errors import Problem
from .columns import item_chunks, line_chunks
from .readers import RawFile
from .rows import FileLoad, LoadedFile


class Unclean(Exception):
    """A share load met something only the full load may judge and word."""


@dataclass
class Share:
    """Load only the records of some customers, for a worker process of ``--jobs``.

    ``mine`` maps the id of every accepted customer to its Customer when its records are
    this worker's to check and keep, else to False. Ids are checked for duplicates over *all* rows (a duplicate
    may sit in the rows of two customers of different workers), split between the workers
    by the ids' own hash: this one checks the ids with ``hash(id) % ids_mod == ids_rem``
    (forked workers share the hash seed).
    """

    mine: dict
    ids_mod: int = 1
    ids_rem: int = 0
    seen: set = field(default_factory=set)


# What resolve_columns says about a header (never about a row): the same in every worker of a
# share load, so a share load may carry them (every other problem makes it give up).
HEADER_WARNINGS = ("unknown column appears twice; ignored", "column has no name; ignored",
                   "unknown column ignored", "unknown key ignored")


def header_warning(p: Problem) -> bool:
    """A warning about the header only (an extra column...): harmless to a share load."""
    return p.severity == "warning" and p.message.startswith(HEADER_WARNINGS)


def index_refunded(loaded: LoadedFile) -> None:
    """Fill ``loaded.first`` (id -> line) for the purchases the refunds name, which is all
    ``check_refunds`` reads of it: a share load does not keep ``first`` while loading."""
    refs = {loaded.records[k].ref_txn_id for k in loaded.refund_at}
    if refs:
        loaded.first.update((r.txn_id, line) for r, line in zip(loaded.records, loaded.lines) if r.txn_id in refs)


def _chunks(raw: RawFile):
    """``(rows, lines)`` of each chunk of a file, raising Unclean where the row driver would be needed."""
    if raw.stream is not None:                       # plain CSV: one record per line
        for _lines, line0, rows in line_chunks(raw):
            if rows is None:
                raise Unclean("csv")
            yield rows, range(line0, line0 + len(rows))
        return
    for chunk in item_chunks(raw):                   # quoted CSV, JSON, JSON Lines
        lines, rows, oks = zip(*chunk)
        if not all(oks):
            raise Unclean("row")
        yield list(rows), lines


def _check_ids(share: Share, rows: list, i_id: int) -> None:
    """Every worker checks its hash share of the ids of every row for duplicates."""
    ids = [row[i_id] for row in rows]
    if share.ids_mod > 1:
        mod, rem = share.ids_mod, share.ids_rem
        ids = [i for i in ids if hash(i) % mod == rem]
    seen = share.seen
    before = len(seen)
    seen.update(ids)
    if len(seen) != before + len(ids):
        raise Unclean("duplicate id")


def run_share(load: FileLoad, raw: RawFile, bulk, share: Share) -> tuple:
    """The column driver for a share: only this worker's rows reach ``bulk``; any doubt raises Unclean.

    Every row is owned by exactly one worker: the one whose ``share.mine`` says True for the
    row's customer_id cell (a cell naming no accepted customer makes every worker give up).
    (Cutting the two cells out of the raw lines with a regular expression, to parse only the
    worker's own lines, measured slower than parsing every line with ``csv.reader``.)
    """
    if bulk is None:
        raise Unclean("no fast path")
    i_cid, ncols = load.i_cid, load.ncols
    mine = share.mine.__getitem__
    n, line = -1, 0
    for rows, lines in _chunks(raw):
        k = len(rows)
        if set(map(len, rows)) != {ncols}:
            raise Unclean("row width")
        try:
            flags = list(map(mine, [row[i_cid] for row in rows]))
        except KeyError:
            raise Unclean("unknown customer") from None
        _check_ids(share, rows, load.i_id)
        seqs = range(n + 1, n + 1 + k)
        if all(flags):
            load.custs = flags
            ok = bulk(rows, lines, seqs, load)
        elif any(flags):
            load.custs = list(compress(flags, flags))
            ok = bulk(list(compress(rows, flags)), list(compress(lines, flags)), list(compress(seqs, flags)), load)
        else:
            ok = True
        load.custs = None
        if not ok:
            raise Unclean("fast path refused a chunk")
        n += k
        line = lines[-1]
    return n, line, False
