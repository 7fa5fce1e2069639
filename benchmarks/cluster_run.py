"""``--cluster local:N`` against one process and ``--jobs N`` on one book (issue 16), one run each.

    python benchmarks/cluster_run.py [--book DIR] [--command overdue-report] [--workers 2]
        [--runs single,jobs,cluster] [--partitions P]

For each run: wall time, the peak RSS of every process of the run (the client and each worker:
``VmHWM`` sampled every 0.5 s, and the ``wait4`` figure of the command), the peak of the summed
PSS of all its processes (every 2 s), and a SHA-256 of stdout; the outputs of all runs must be equal (exit 1
otherwise). The book defaults to the 100k book ``benchmarks/data/c100000-s1`` (``run.py``
generates it); ``overdue-report`` covers the whole book on 2026-11-25, ``bill`` the 3rd.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import AS_OF, BILL_DAY, _proc_kib, _pss_kib, _tree, baitiao  # noqa: E402


def _hwm_kib(pid: int) -> int:
    return _proc_kib(pid, "status", "VmHWM:")


class Sampler(threading.Thread):
    """Per-process peak RSS (VmHWM) and the peak summed PSS of a process tree."""

    def __init__(self, pid: int, every: float = 0.5, pss_every: int = 4):
        super().__init__(daemon=True)
        self.pid, self.every, self.pss_every = pid, every, pss_every
        self.hwm: dict[int, int] = {}
        self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.done.is_set():
            pids = _tree(self.pid)
            for p in pids:
                self.hwm[p] = max(self.hwm.get(p, 0), _hwm_kib(p))
            if n % self.pss_every == 0:      # smaps_rollup walks the page tables: costly on a process of GBs
                self.peak_pss = max(self.peak_pss, sum(_pss_kib(p) for p in pids))
            n += 1
            self.done.wait(self.every)


def measure(cmd: list[str]) -> dict:
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.PIPE)
        s = Sampler(p.pid)
        s.start()
        err = p.stderr.read() if p.stderr is not None else b""
        _pid, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        s.done.set()
        s.join()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.stderr.write(err.decode("utf-8", "replace"))
            raise SystemExit(f"failed: {' '.join(cmd)}")
        out.seek(0)
        digest = hashlib.sha256(out.read()).hexdigest()[:16]
    client = s.hwm.pop(p.pid, 0)
    return {"wall": wall, "client_kib": max(client, ru.ru_maxrss if not s.hwm else client),
            "others_kib": sorted(s.hwm.values(), reverse=True), "maxrss_kib": ru.ru_maxrss,
            "pss_kib": s.peak_pss, "stdout": digest, "stderr": hashlib.sha256(err).hexdigest()[:16]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--book", default=str(ROOT / "benchmarks" / "data" / "c100000-s1"))
    ap.add_argument("--command", default="overdue-report", choices=["overdue-report", "bill", "score", "review"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=None)
    ap.add_argument("--runs", default="single,jobs,cluster")
    a = ap.parse_args()
    day = BILL_DAY if a.command == "bill" else AS_OF
    base = baitiao(a.command, "--data-dir", a.book, "--config", str(ROOT / "config.toml"), "--as-of", day,
                   "--format", "json")
    extra = {"single": [], "jobs": ["--jobs", str(a.workers)],
             "cluster": ["--cluster", f"local:{a.workers}"] + (["--partitions", str(a.partitions)]
                                                               if a.partitions else [])}
    print(f"machine: nproc {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (1 min) at the start; "
          f"book {a.book}; {a.command} --as-of {day} --format json > file", flush=True)
    print("| run | wall | client / parent peak RSS | workers' peak RSS | peak total PSS | stdout |")
    print("|---|---:|---:|---|---:|---|")
    digests = set()
    for name in a.runs.split(","):
        r = measure(base + extra[name])
        digests.add((r["stdout"], r["stderr"]))
        mib = ", ".join(f"{k / 1024:,.0f}" for k in r["others_kib"] if k > 20 * 1024) or "-"
        print(f"| {name} {' '.join(extra[name])} | {r['wall']:.2f} s | {r['client_kib'] / 1024:,.0f} MiB "
              f"| {mib} MiB | {r['pss_kib'] / 1024:,.0f} MiB | {r['stdout']} |", flush=True)
    if len(digests) != 1:
        raise SystemExit("the outputs differ")
    print("stdout and stderr identical across the runs")


if __name__ == "__main__":
    main()
