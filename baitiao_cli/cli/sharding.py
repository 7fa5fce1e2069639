"""Splitting a batch run: ``--shard K/N`` across hosts, ``--jobs N`` across local processes.

Shared by ``bill`` and ``overdue-report`` (see docs/scale.md):

- ``--shard K/N`` keeps the customers of shard K of N (``engine.partition``: CRC-32 of the
  customer id, the same on every host). Every shard still loads and validates the whole
  input, so a shard refuses exactly when the single run would; only the replay and the
  output are split. N hosts running shards 1..N between them produce the single run's output.
- ``--jobs N`` cuts the run (or the shard) into N local parts computed by N worker
  processes and merges their results in the parent, byte for byte as the single-process
  run writes them. Each forked worker loads and checks its own share of the input
  (``run_shares``, ``io.loader.load_share``) and returns plain, already-rendered rows; if
  any share is not clean (any problem, even a warning, but one about a header), the parent
  loads the whole input itself, which words every problem, and forks workers that inherit
  it (``run_parts``).
  Where ``fork`` is not available (Windows) the parts run one after the other in the
  parent after a whole load: same output, no speed-up.

Also here: the exact, faster indent-2 JSON encoder both commands render with, and the
streaming writer of a ``{"...": ..., "<list>": [...]}`` document from pre-rendered items,
so that merged and single runs produce the same bytes without building one huge string.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
import re
from contextlib import contextmanager
from typing import Annotated, Any, Callable, Iterable, Iterator, Optional, Sequence, TextIO, TypeVar

import typer

from ..engine.partition import WHOLE, Part, validate_part
from ..errors import UsageError

R = TypeVar("R")

MAX_JOBS = 256

ShardOpt = Annotated[Optional[str], typer.Option(
    "--shard", metavar="K/N",
    help="Only the customers of shard K of N (a stable hash of the customer id): N hosts running "
         "shards 1..N between them produce the whole run. The input is still validated in full.",
    show_default=False)]
JobsOpt = Annotated[int, typer.Option(
    "--jobs", "-j", metavar="N",
    help="Compute in N local processes and merge; the output is byte-identical to --jobs 1.")]

_SHARD = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


def parse_shard(value: Optional[str]) -> Part:
    """``"K/N"`` -> ``Part(K, N)``; None -> the whole book. A malformed value is a usage error (exit 2)."""
    if value is None:
        return WHOLE
    m = _SHARD.fullmatch(value)
    if m is None:
        raise UsageError(f"--shard: expected K/N with whole numbers, 1 <= K <= N (e.g. 2/4), got {value!r}")
    k, n = int(m.group(1)), int(m.group(2))
    try:
        return validate_part(k, n)
    except ValueError as e:
        raise UsageError(f"--shard {value}: {e}") from None


def check_jobs(jobs: int) -> int:
    if not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"--jobs: must be between 1 and {MAX_JOBS}, got {jobs}")
    return jobs


def summary_name(part: Part) -> str:
    """``summary.csv`` for a whole run, ``summary.shard-K-of-N.csv`` for a shard of several."""
    return "summary.csv" if part.shards == 1 else f"summary.shard-{part.shard}-of-{part.shards}.csv"


# --- running parts in worker processes ---------------------------------------------------------

_JOB: Optional[tuple[Callable[[Part], Any], Sequence[Part]]] = None


def _run_one(k: int) -> Any:
    assert _JOB is not None
    task, parts = _JOB
    return task(parts[k])


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run_parts(task: Callable[[Part], R], parts: Sequence[Part]) -> list[R]:
    """``[task(p) for p in parts]``, in worker processes when there are several parts.

    The workers are forked after the data is loaded: ``task`` and what it closes over are
    inherited, not pickled; only results travel back (pickled). An exception in a worker is
    raised again here. Results come back in the order of ``parts``.
    """
    global _JOB
    if len(parts) <= 1 or not fork_available():
        return [task(p) for p in parts]
    _JOB = (task, parts)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes=len(parts)) as pool:
            return pool.map(_run_one, range(len(parts)), chunksize=1)
    finally:
        _JOB = None


def run_shares(lc, encoding: Optional[str], part: Part, jobs: int,
               compute: Callable[[Any, Part], R]) -> Optional[list[R]]:
    """``compute(dataset, p)`` for each local part ``p`` of ``part``, each worker loading its own share.

    Each of the ``jobs`` forked workers checks and builds only the records of its own share of
    the customers (``io.loader.load_share``), so the loading is split across the processes as
    well as the replay. Returns the results in part order (after printing on stderr the
    header warnings the shares carry, once, as the one-process load does), or None --
    nothing computed that counts -- when ``jobs`` is 1, ``fork`` is not available, or any
    share is not clean (any other problem, even a warning, anywhere in the input): the
    caller then loads the whole input in one process, which words every problem, and goes
    on as without this.
    """
    if jobs < 2 or not fork_available():
        return None
    from ..io.loader import load_share
    from ..render import warn

    def task(p: Part) -> Optional[tuple]:
        res = load_share(lc.data_dir, lc.config, p.loads, ids_mod=p.jobs, ids_rem=p.job - 1, encoding=encoding)
        if res is None:
            return None
        return res.problems, compute(res.dataset, p)

    results = run_parts(task, part.split(jobs))
    if any(r is None for r in results):
        return None
    for problem in results[0][0]:        # header warnings, the same in every share: said once
        warn(str(problem))
    return [r for _problems, r in results]


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Move everything alive now (the loaded book) out of the cyclic GC's reach for a while.

    The replay then allocates millions of short-lived objects; without this, every full
    collection would walk the whole loaded book again, and forked workers would dirty (copy)
    the pages of inherited objects just by collecting. Reference counting still frees
    everything as usual.
    """
    gc.freeze()                  # (no gc.collect() first: a full collection of the book costs more than it frees)
    try:
        yield
    finally:
        gc.unfreeze()


# --- JSON --------------------------------------------------------------------------------------

try:  # the C string encoder json itself uses with ensure_ascii=False
    from json.encoder import c_encode_basestring as _enc_str  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    from json.encoder import py_encode_basestring as _enc_str  # type: ignore[attr-defined]
if _enc_str is None:  # pragma: no cover
    from json.encoder import py_encode_basestring as _enc_str  # type: ignore[attr-defined]

_int_repr = int.__repr__


class _Unsupported(Exception):
    pass


def _enc(o: Any, ind: str) -> str:
    t = type(o)
    if t is str:
        return _enc_str(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if t is int:
        return _int_repr(o)
    if t is dict:
        if not o:
            return "{}"
        ni = ind + "  "
        parts = []
        for k, v in o.items():
            if type(k) is not str:
                raise _Unsupported
            parts.append(_enc_str(k) + ": " + _enc(v, ni))
        return "{" + ni + ("," + ni).join(parts) + ind + "}"
    if t is list or t is tuple:
        if not o:
            return "[]"
        ni = ind + "  "
        return "[" + ni + ("," + ni).join([_enc(v, ni) for v in o]) + ind + "]"
    raise _Unsupported


def dumps(obj: Any) -> str:
    """Exactly ``json.dumps(obj, ensure_ascii=False, indent=2)``, about twice as fast.

    Handles dict (str keys), list, tuple, str, int, bool and None -- what reports are made of
    (money and rates are strings); anything else goes to ``json.dumps`` itself.
    """
    try:
        return _enc(obj, "\n")
    except (_Unsupported, RecursionError):
        return json.dumps(obj, ensure_ascii=False, indent=2)


def nest(text: str, levels: int) -> str:
    """A value dumped at the top level, re-indented to sit ``levels`` deep in an indent-2 document.

    JSON text never holds a raw line feed inside a string (it is escaped), so every line
    feed is a layout line break.
    """
    return text.replace("\n", "\n" + "  " * levels)


def write_document(stream: TextIO, head: Sequence[tuple[str, Any]], list_key: str,
                   items: Iterable[str]) -> None:
    """Write ``json.dumps({**head, list_key: [...]}, ensure_ascii=False, indent=2) + "\\n"``.

    ``items`` are the list's elements already dumped at the top level (``dumps``); they are
    written one by one, never joined into one string.
    """
    w = stream.write
    w("{")
    for k, v in head:
        w("\n  " + _enc_str(k) + ": " + nest(dumps(v), 1) + ",")
    w("\n  " + _enc_str(list_key) + ": [")
    first = True
    for text in items:
        w(("\n    " if first else ",\n    ") + nest(text, 2))
        first = False
    w("]" if first else "\n  ]")
    w("\n}\n")


# --- merging the summaries of shards ---------------------------------------------------------------

def merge_summaries(folder: str, shards: int) -> bytes:
    """The ``summary.csv`` of a whole run from ``summary.shard-K-of-N.csv`` K = 1..N in ``folder``.

    Every shard's file has the same header; the merged file has it once and every data row,
    in customer_id order (the order of the single run). Raises FileNotFoundError when a
    shard's file is missing.
    """
    import csv
    import io

    rows: list[list[str]] = []
    header: Optional[list[str]] = None
    for k in range(1, shards + 1):
        path = os.path.join(folder, summary_name(Part(k, shards)))
        with open(path, encoding="utf-8-sig", newline="") as f:
            r = list(csv.reader(f))
        if not r:
            continue
        if header is None:
            header = r[0]
        rows.extend(r[1:])
    # customer_id order; a leading "'" is the Excel neutraliser of an id starting with "-"
    rows.sort(key=lambda row: row[0][1:] if row[0].startswith("'") else row[0])
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    if header is not None:
        w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _main(argv: Optional[list[str]] = None) -> int:
    """``python -m baitiao_cli.cli.sharding merge-summaries DIR/<date> N``: write DIR/<date>/summary.csv."""
    import sys

    from ..io.atomic import write_atomic

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] != "merge-summaries" or not args[2].isdigit() or int(args[2]) < 1:
        sys.stderr.write("usage: python -m baitiao_cli.cli.sharding merge-summaries FOLDER N\n")
        return 2
    folder, n = args[1], int(args[2])
    try:
        data = merge_summaries(folder, n)
    except OSError as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    write_atomic(os.path.join(folder, "summary.csv"), data)
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
