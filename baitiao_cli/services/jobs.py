"""The one pool: a batch run (``bill``, ``overdue-report``) over a shard, in ``--jobs N`` processes.

Words: a *shard* is the slice of the book one host runs (``--shard K/N``, ``engine.partition``);
a *job* is one local worker process (``--jobs N``) computing its slice of the shard (a ``Shard`` with ``jobs`` > 1). See
docs/scale.md.

- Every shard still loads and validates the whole input, so a shard refuses exactly when the
  single run would; only the replay and the output are split.
- ``--jobs N`` cuts the shard into N local parts computed by N forked workers; the service
  merges their results in the parent, byte for byte as the single-process run gives them.
  Each worker first loads and checks only its own part of the input (``io.loader.load_share``)
  and returns plain, already-rendered results; if any job's input is not clean (any problem, even a
  warning, but one about a header), the parent loads the whole input itself, which words
  every problem, and forks workers that inherit it.
  Where ``fork`` is not available (Windows) the parts run one after the other in the parent
  after a whole load: same output, no speed-up.

A service describes its work with two functions: ``select(dataset, shard) -> (customers,
groups)`` (the customers of the shard, in customer_id order, and their records) and
``work(customers, groups, shard, progress) -> R`` (the result of one job); ``run`` returns the
list of job results, in job order, for the service to merge.
"""

from __future__ import annotations

import gc
import multiprocessing
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NamedTuple, Optional, Sequence, TypeVar

from ..engine.partition import Shard

R = TypeVar("R")

Select = Callable[[Any, Shard], tuple]                 # (dataset, shard) -> (customers, groups)
Work = Callable[[list, dict, Shard, bool], Any]        # (customers, groups, shard, progress) -> R


class Outcome(NamedTuple):
    """What a batch run gave: the job results (job order) and the rejected records (``--skip-invalid``)."""

    results: list
    rejected: list


# --- running tasks in worker processes -----------------------------------------------------------

_TASK: Optional[tuple[Callable[[Shard], Any], Sequence[Shard]]] = None


def _run_one(k: int) -> Any:
    assert _TASK is not None
    task, jobs = _TASK
    return task(jobs[k])


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run_jobs(task: Callable[[Shard], R], jobs: Sequence[Shard]) -> list[R]:
    """``[task(job) for job in jobs]``, in worker processes when there are several.

    The workers are forked after the data is loaded: ``task`` and what it closes over are
    inherited, not pickled; only results travel back (pickled). An exception in a worker is
    raised again here. Results come back in the order of ``jobs``.
    """
    global _TASK
    if len(jobs) <= 1 or not fork_available():
        return [task(job) for job in jobs]
    _TASK = (task, jobs)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(processes=len(jobs)) as pool:
            return pool.map(_run_one, range(len(jobs)), chunksize=1)
    finally:
        _TASK = None


def run_jobs_loading_slices(lc, encoding: Optional[str], shard: Shard, jobs: int,
                           compute: Callable[[Any, Shard], R],
                           on_warning: Optional[Callable[[str], None]] = None) -> Optional[list[R]]:
    """``compute(dataset, job)`` for each job of ``shard``, each worker loading its own slice.

    Each of the ``jobs`` forked workers checks and builds only the records of its own slice of
    the customers (``io.loader.load_share``), so the loading is split across the processes as
    well as the replay. Returns the results in job order (after passing to ``on_warning`` the
    header warnings the parts carry, once, as the one-process load does), or None -- nothing
    computed that counts -- when ``jobs`` is 1, ``fork`` is not available, or any job's input is
    not clean (any other problem, even a warning, anywhere in the input): the caller then loads
    the whole input in one process, which words every problem, and goes on as without this.
    """
    if jobs < 2 or not fork_available():
        return None
    from ..io.loader import load_share

    def task(job: Shard) -> Optional[tuple]:
        res = load_share(lc.data_dir, lc.config, job.loads, ids_mod=job.jobs, ids_rem=job.job - 1, encoding=encoding)
        if res is None:
            return None
        return res.problems, compute(res.dataset, job)

    results = run_jobs(task, shard.split(jobs))
    if any(r is None for r in results):
        return None
    for problem in results[0][0] if on_warning is not None else ():   # header warnings, alike in every job
        on_warning(str(problem))                                         # said once
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


def run_loaded(dataset, shard: Shard, jobs: int, select: Select, work: Work) -> list:
    """The job results of ``shard`` of a loaded ``dataset``, computed in ``jobs`` processes."""
    customers, groups = select(dataset, shard)
    if jobs == 1 or not customers:
        return [work(customers, groups, shard, True)]
    with frozen_heap():
        return run_jobs(lambda job: work(customers, groups, job, False), shard.split(jobs))


class _Compute:
    """``work(*select(dataset, job), job, False)``: one job's result from its (share of the) dataset.
    A plain object (not a closure) so that ``--cluster`` can send it to Dask workers."""

    __slots__ = ("select", "work")

    def __init__(self, select: Select, work: Work) -> None:
        self.select, self.work = select, work

    def __call__(self, dataset, job: Shard):
        return self.work(*self.select(dataset, job), job, False)


def run(lc, encoding: Optional[str], skip_invalid: bool, shard: Shard, jobs: int, select: Select, work: Work,
        on_warning: Callable[[str], None], cluster=None) -> Outcome:
    """The job results of a batch run over ``shard`` in ``jobs`` processes (the same results,
    merged, whatever ``jobs`` is), loading in the workers when the input is clean, else here
    (warnings of the load go to ``on_warning``; invalid records are an error or, with
    ``skip_invalid``, left out and returned as ``rejected``).

    With ``cluster`` (a ``services.cluster.ClusterSpec``, ``--cluster``) the parts are Dask tasks
    instead of forked workers (``jobs`` is then 1); on an input that is not clean the whole
    input is loaded and computed here, in one process."""
    compute = _Compute(select, work)
    if cluster is not None:
        from .cluster import run_parts

        results = run_parts(cluster, lc, encoding, shard, compute, on_warning)
    else:
        results = run_jobs_loading_slices(lc, encoding, shard, jobs, compute, on_warning)
    if results is not None:
        return Outcome(results, [])
    from .validation import load_input

    dataset, rejected = load_input(lc, encoding, skip_invalid, on_warning)
    return Outcome(run_loaded(dataset, shard, jobs, select, work), rejected)
