"""``--cluster ADDRESS|local:N``: a batch run as Dask tasks (``dask.distributed``), one per part of the book.

The book is cut by customer exactly as ``--jobs`` cuts it (``engine.partition.Shard.split``:
CRC-32 of the customer id), into ``parts`` parts; each part is one Dask task that loads its own
share of the input from the data folder (``io.loader.load_share``: every customer, but only the
transactions and repayments of its own customers are checked and kept) and runs the same
``compute`` a ``--jobs`` worker runs. The client gathers the parts' results in part order and
the service merges them with the same code as ``--jobs``: the output is byte-identical to the
single-process run. So a worker holds, per task, the customers file and one part of the
records: the number of parts bounds the memory of a task (docs/scale.md, "On a cluster").

- ``local:N`` starts a ``LocalCluster`` of N worker processes (one thread each) on this host and
  closes it afterwards; anything else names the scheduler of a running cluster
  (``tcp://host:8786``), joined within ``CONNECT_TIMEOUT`` seconds (else exit 1, no hang).
- The workers read the input files themselves: the data folder must be at the same path on
  every worker (shared storage); the client sends the path made absolute. An object-store folder
  (``s3://bucket/prefix``, ``io.objstore``): the client sends the URI, each worker reads the
  objects with the credentials and endpoint of its own environment.
- Anything that is not clean in a part's input (any problem but a header warning, as for
  ``--jobs``) returns None: the caller then loads the whole input in this process, which words
  every problem (exit 1), or, with ``--skip-invalid``, goes on in this process.
- The duplicate-id check is split between the parts by Python's ``hash()`` of the ids, which
  must then be the same function in every worker (Dask's nannies give their workers one
  ``PYTHONHASHSEED``); each task reports its hash of a probe, and if they differ the parts are
  run again, each checking every id (more memory, same result).

Dask is an optional extra (``pip install 'baitiao[cluster]'``): imported only here, only when
``--cluster`` is given.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NamedTuple, Optional

from ..errors import RefusedError, UsageError

MAX_WORKERS = 256
MAX_PARTS = 4096
CONNECT_TIMEOUT = 10.0          # seconds to reach a scheduler and see a worker (tests lower it)
INSTALL = "pip install 'baitiao[cluster]'"
_LOCAL = re.compile(r"local:(.*)")
_ADDRESS = re.compile(r"(?:(?:tcp|tls|ucx|ws|wss)://)?[A-Za-z0-9._\-\[\]:]+:[0-9]{1,5}/?")
_PROBE = "baitiao-probe"
NO_DATA = "no data folder"


class ClusterSpec(NamedTuple):
    """Where a run goes: ``workers`` local worker processes, or the scheduler at ``address``."""

    workers: int = 0                     # local:N
    address: Optional[str] = None        # tcp://host:port
    parts: Optional[int] = None          # --partitions (default: one per worker thread)

    def __str__(self) -> str:
        return f"local:{self.workers}" if self.address is None else self.address


def parse_cluster(value: str, parts: Optional[int] = None) -> ClusterSpec:
    """``local:N`` or a scheduler address; ValueError with the reason otherwise."""
    text = value.strip()
    m = _LOCAL.fullmatch(text)
    if m is not None:
        n = m.group(1).strip()
        if not n.isdigit() or not 1 <= int(n) <= MAX_WORKERS:
            raise ValueError(f"local:N needs a whole number of workers from 1 to {MAX_WORKERS}, got {value!r}")
        spec = ClusterSpec(int(n), None, parts)
    elif _ADDRESS.fullmatch(text):
        spec = ClusterSpec(0, text if "://" in text else f"tcp://{text}", parts)
    else:
        raise ValueError(f"expected local:N or a scheduler address such as tcp://host:8786, got {value!r}")
    if parts is not None and not 1 <= parts <= MAX_PARTS:
        raise ValueError(f"--partitions must be between 1 and {MAX_PARTS}, got {parts}")
    return spec


def _distributed():
    try:
        import distributed
    except ImportError:
        raise UsageError(f"--cluster needs dask.distributed, which is not installed: {INSTALL}") from None
    return distributed


@contextmanager
def connect(spec: ClusterSpec) -> Iterator[Any]:
    """A ``distributed.Client`` on ``spec``, with at least one worker; closed (and a local cluster
    stopped) on leaving. An unreachable scheduler or no worker is RefusedError (exit 1)."""
    distributed = _distributed()
    quiet = logging.getLogger("distributed")
    level = quiet.level
    quiet.setLevel(logging.ERROR)        # stderr carries the run's warnings only, as in one process
    with warnings.catch_warnings():      # ("Port 8787 is already in use": a local scheduler picks another)
        warnings.filterwarnings("ignore", module=r"distributed(\..*)?$")
        try:
            with _client(distributed, spec) as client:
                yield client
        finally:
            quiet.setLevel(level)


@contextmanager
def _client(distributed, spec: ClusterSpec) -> Iterator[Any]:
    """A local cluster and its client, or a client of the scheduler at ``spec.address``."""
    if spec.address is None:
        with distributed.LocalCluster(n_workers=spec.workers, threads_per_worker=1, processes=True,
                                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                distributed.Client(cluster) as client:
            yield client
        return
    try:
        client = distributed.Client(spec.address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as e:
        raise RefusedError(f"--cluster {spec.address}: cannot reach the scheduler within "
                           f"{CONNECT_TIMEOUT:g} s ({e})") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError):
            raise RefusedError(f"--cluster {spec.address}: the scheduler has no worker "
                               f"(waited {CONNECT_TIMEOUT:g} s)") from None
        yield client


def worker_threads(client) -> int:
    """The number of task slots of the cluster now (worker threads)."""
    workers = client.scheduler_info().get("workers", {})
    return max(1, sum(int(w.get("nthreads", 1)) for w in workers.values()))


def _part(data_dir: str, cfg, encoding: Optional[str], job, split_ids: bool,
          compute: Callable[[Any, Any], Any]) -> Optional[tuple]:
    """One Dask task: load ``job``'s share of the input and compute; None when it is not clean;
    ``(NO_DATA, host)`` when this worker does not see the (local) data folder."""
    from ..io.loader import load_share
    from ..io.objstore import is_uri

    if not is_uri(data_dir) and not os.path.isdir(data_dir):     # (an object store: the worker reads the objects)
        import socket

        return NO_DATA, socket.gethostname()
    res = load_share(data_dir, cfg, job.loads, ids_mod=job.jobs if split_ids else 1,
                     ids_rem=job.job - 1 if split_ids else 0, encoding=encoding)
    if res is None:
        return None
    return hash(_PROBE), res.problems, compute(res.dataset, job)


def _gather(client, futures: list) -> list:
    distributed = _distributed()
    try:
        return client.gather(futures)
    except (distributed.KilledWorker, OSError) as e:
        raise RefusedError(f"--cluster: the cluster lost a worker running this batch ({e}); "
                           "nothing was written") from None
    except ImportError as e:                  # a worker without baitiao (or another version of it)
        raise RefusedError(f"--cluster: a worker cannot run baitiao's tasks ({e}): install the same baitiao "
                           "version on every worker; nothing was written") from None


def _check_data_seen(results: list, data_dir: str) -> None:
    """A worker that does not see the data folder the client sees: RefusedError (exit 1). (When the
    client does not see it either, the parts give up and the client's load says it is missing.)"""
    hosts = sorted({r[1] for r in results if r is not None and r[0] == NO_DATA})
    if hosts and os.path.isdir(data_dir):
        raise RefusedError(f"--cluster: the data folder {data_dir} is not there on the worker host(s) "
                           f"{', '.join(hosts)}: put it on storage shared at the same path; nothing was written")


def run_parts(spec: ClusterSpec, lc, encoding: Optional[str], shard, compute: Callable[[Any, Any], Any],
              on_warning: Optional[Callable[[str], None]] = None) -> Optional[list]:
    """``compute(dataset, part)`` for each part of ``shard``, one Dask task per part, each loading its
    own share of the input; the results in part order (header warnings passed to ``on_warning``
    once), or None when any part's input is not clean (the caller then loads the whole input)."""
    from ..io.objstore import is_uri

    data_dir = str(lc.data_dir) if is_uri(lc.data_dir) else os.path.abspath(lc.data_dir)   # (a URI: the text)
    with connect(spec) as client:
        parts = shard.split(spec.parts or worker_threads(client))
        results = None
        for split_ids in (True, False):
            futures = [client.submit(_part, data_dir, lc.config, encoding, job, split_ids, compute, pure=False)
                       for job in parts]
            results = _gather(client, futures)
            del futures
            _check_data_seen(results, data_dir)
            if any(r is None or r[0] == NO_DATA for r in results):
                return None
            if len({probe for probe, _p, _r in results}) == 1:
                break                    # every part split the ids with the same hash: all were checked
    assert results is not None
    for problem in results[0][1] if on_warning is not None else ():   # header warnings, alike in every part
        on_warning(str(problem))
    return [r for _probe, _problems, r in results]


# --- for a service over the whole book whose result is one record per customer (score, review, ...) --

def customers_of(dataset, part):
    """``dataset`` with only the customers of ``part`` (their records stay: the engine picks by customer)."""
    from dataclasses import replace

    return replace(dataset, customers=tuple(c for c in dataset.customers if c.customer_id in part))


def merged_parts(spec: ClusterSpec, lc, encoding: Optional[str], compute: Callable[[Any, Any], list],
                 on_warning: Optional[Callable[[str], None]], key: Callable[[Any], str]) -> Optional[list]:
    """Run ``compute(dataset, part)`` (a picklable callable returning the part's records in ``key``
    order, e.g. customer_id) over the whole book on ``spec``: every part's records merged in
    that order, or None when the input is not clean (the caller then goes on in one process).
    The hook a service plugs ``--cluster`` in with: see ``services.review``."""
    import heapq

    from ..engine.partition import WHOLE

    parts = run_parts(spec, lc, encoding, WHOLE, compute, on_warning)
    return None if parts is None else list(heapq.merge(*parts, key=key))

