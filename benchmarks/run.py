#!/usr/bin/env python3
"""Portfolio-scale benchmark (issue 7): ``bill`` and ``overdue-report`` against the parse floor.

Usage (from the repository root)::

    python benchmarks/run.py                          # 10k, 100k and 300k customers
    python benchmarks/run.py --sizes 10000,100000     # a quicker run
    python benchmarks/run.py --sizes 10000 --jobs 1,2 --repeat 3

For each size it generates the book once (``benchmarks/generate.py``, seed 1, its defaults:
10 purchases and about 13 repayments per customer; cached under ``benchmarks/data/``, which
git ignores) and then runs, each in its own subprocess:

- the **parse floor** (``benchmarks/parse_floor.py``): the four CSV files read with
  ``csv.reader``, every date parsed with ``date.fromisoformat`` and every amount with
  ``Decimal``, nothing else;
- ``baitiao bill --as-of <statement day> --format json`` (stdout to /dev/null): the
  statements of one statement day (the 3rd, the most common: about a fifth of the book);
- ``baitiao bill ... --format csv --out <temp dir>``: the same, written as files (one JSON
  and one text statement per customer, fsynced, plus summary.csv);
- ``baitiao overdue-report --as-of <date> --format json``: the whole book;
- ``baitiao remind --as-of <date> --format json``: the reminders of 2026-11-10 (statements due
  11-10..11-13: statement days 1..4, the 3rd the most common), each customer who may be due
  replayed and those with something unpaid scored;

each with ``--jobs 1`` and every other value of ``--jobs`` (default ``1,2``), and reports the
wall time, its ratio to the parse floor, the microseconds per customer of the book, and the
peak RSS (``ru_maxrss`` of the command's process tree, from ``os.wait4``: with ``--jobs`` the
largest single process, parent or worker; workers share the parent's pages copy-on-write).
The ``--out`` trees of ``--jobs N`` are checked to be byte-identical to those of ``--jobs 1``.
``--side-by-side`` also times, for each ``--jobs N`` > 1, N ``--shard k/N`` processes started
at once (the alternative to ``--jobs``: every process loads the input itself).

The markdown table (with the machine: ``nproc``, CPU model, Python) is printed and written
to ``benchmarks/results/scale-<date>-<time>.md`` (git ignores the folder), with the raw
figures beside it as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
FILES = ("customers", "transactions", "repayments", "deferrals")
BILL_DAY = "2026-11-03"      # statement day 3: the most common one in the generated book
AS_OF = "2026-11-25"         # the generator's last event date
REMIND_DAY = "2026-11-10"    # remind --days 3: due dates 11-10..11-13 (statement days 1..4)
TARGET_RATIO = 4
TARGET_RSS_MB = 2048


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) // (1024 * 1024)} GiB"
    except OSError:
        pass
    return {"nproc": nproc, "cpu": model or platform.processor() or platform.machine(), "memory": mem,
            "python": platform.python_version(), "platform": platform.platform()}


def book(customers: int, seed: int, revolving: float = 0.0) -> Path:
    """The generated book of ``customers`` (generated once, then reused); ``revolving``: that share
    of customers pays about the minimum and some convert a bill (``generate.py --revolving``)."""
    d = DATA / (f"c{customers}-s{seed}" + (f"-r{revolving:g}" if revolving else ""))
    if all((d / f"{n}.csv").is_file() for n in FILES):
        return d
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".c{customers}-s{seed}.", dir=DATA))
    print(f"generating {customers} customers into {d} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--customers", str(customers),
                    "--seed", str(seed), "--out", str(tmp), "--quiet"]
                   + (["--revolving", str(revolving)] if revolving else []), check=True)
    if d.exists():
        shutil.rmtree(d)
    tmp.rename(d)
    print(f"  done in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    return d


def count_rows(d: Path) -> dict:
    out = {}
    for n in FILES:
        with open(d / f"{n}.csv", "rb") as f:
            out[n] = sum(1 for _ in f) - 1
    return out


def _tree(pid: int) -> list[int]:
    """The process and its descendants, whichever of its threads started them (Dask's nannies
    start the worker processes of ``--cluster local:N`` from an event-loop thread)."""
    out = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            continue
        for k in kids:
            out += _tree(k)
    return out


def _proc_kib(pid: int, file: str, key: str) -> int:
    """The figure in KiB after ``key`` in ``/proc/<pid>/<file>`` (0 if the process is gone)."""
    try:
        with open(f"/proc/{pid}/{file}") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _pss_kib(pid: int) -> int:
    return _proc_kib(pid, "smaps_rollup", "Pss:")


class PssSampler(threading.Thread):
    """Samples the total PSS of a process tree (Linux): the memory the run really takes, the
    pages workers share with their parent counted once."""

    def __init__(self, pid: int, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, sum(_pss_kib(p) for p in _tree(self.pid)))
            self.done.wait(self.every)


def measure(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB of the largest process, peak total PSS in KiB) of one subprocess."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=stdout, stderr=subprocess.PIPE)
    sampler = PssSampler(p.pid)
    sampler.start()
    # wait4 gives this child's own rusage (its max RSS covers the processes it waited for too)
    err = b""
    if p.stderr is not None:
        err = p.stderr.read()
        p.stderr.close()
    _pid, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    sampler.done.set()
    sampler.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace"))
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}")
    return wall, ru.ru_maxrss, sampler.peak


def measure_side_by_side(cmds: list[list[str]]) -> tuple[float, int, int]:
    """Start every command at once (N shards on one host): wall until the last ends, largest
    peak RSS, peak total PSS (the sum over the processes)."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in cmds]
    samplers = [PssSampler(p.pid) for p in procs]
    for s in samplers:
        s.start()
    rss = 0
    for p in procs:
        _pid, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            raise SystemExit(f"failed ({p.returncode}): {' '.join(p.args)}")
        rss = max(rss, ru.ru_maxrss)
    wall = time.perf_counter() - t0
    for s in samplers:
        s.done.set()
        s.join()
    return wall, rss, sum(s.peak for s in samplers)


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def baitiao(*args: str, tree: Path = ROOT) -> list[str]:
    """The command line of ``baitiao ARGS`` run from the checkout at ``tree`` (its own package)."""
    code = f"import sys; sys.path.insert(0, {str(tree)!r}); from baitiao_cli.cli.app import main; main()"
    return [sys.executable, "-c", code, *args]


def best(cmd: list[str], repeat: int) -> tuple[float, int, int]:
    runs = [measure(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs)


def commands(common: list[str], jobs: int, with_out: bool, cluster: str, tree: Path
             ) -> list[tuple[str, object]]:
    """(name, command line) of one --jobs value; ``None`` for ``bill --out`` (a fresh folder per run)."""
    j = ["--jobs", str(jobs)]

    def run(*args: str) -> list[str]:
        return baitiao(*args, tree=tree)

    cmds: list[tuple[str, object]] = []
    if jobs == 1:             # load and validate the whole book: what every command starts with
        cmds.append(("validate --format json", run("validate", *common, "--format", "json")))
    cmds.append(("bill --format json", run("bill", *common, "--as-of", BILL_DAY, "--format", "json", *j)))
    if with_out:
        cmds.append(("bill --out DIR", None))
    cmds.append(("overdue-report --format json",
                 run("overdue-report", *common, "--as-of", AS_OF, "--format", "json", *j)))
    if cluster and jobs == 1:
        cmds.append((f"overdue-report --format json --cluster {cluster}",
                     run("overdue-report", *common, "--as-of", AS_OF, "--format", "json", "--cluster", cluster)))
    cmds.append(("remind --format json", run("remind", *common, "--as-of", REMIND_DAY, "--format", "json", *j)))
    if jobs == 1:             # scoring over the book, and the monthly credit-line review (SPEC 4.12)
        cmds.append(("score --format json", run("score", *common, "--as-of", AS_OF, "--format", "json")))
        cmds.append(("review --format json", run("review", *common, "--as-of", AS_OF, "--format", "json")))
    return cmds


def measure_out(common: list[str], jobs: int, repeat: int, tree: Path, digests: dict) -> tuple[float, int, int]:
    """``bill --out`` into a fresh folder per run; the tree's digest kept per (checkout, jobs)."""
    walls, rss, pss = [], 0, 0
    for _ in range(repeat):
        out = Path(tempfile.mkdtemp(prefix="bench-out-", dir=DATA))
        try:
            w, r, ps = measure(baitiao("bill", *common, "--as-of", BILL_DAY, "--format", "csv", "--out", str(out),
                                       "--jobs", str(jobs), tree=tree))
            walls.append(w)
            rss, pss = max(rss, r), max(pss, ps)
            digests.setdefault((str(tree), jobs), tree_digest(out))
        finally:
            shutil.rmtree(out, ignore_errors=True)
    return min(walls), rss, pss


def run_size(customers: int, seed: int, jobs_list: list[int], repeat: int, with_out: bool,
             side_by_side: bool, revolving: float = 0.0, only: tuple[str, ...] = (),
             trees: tuple[tuple[str, Path], ...] = (("", ROOT),), cluster: str = "") -> dict:
    d = book(customers, seed, revolving)
    rows = count_rows(d)
    res: dict = {"customers": customers, "rows": rows, "data": str(d), "runs": []}
    floor, floor_rss, _ = best([sys.executable, str(ROOT / "benchmarks" / "parse_floor.py"), str(d)], repeat)
    res["floor"] = {"wall": floor, "rss_kib": floor_rss}
    digests: dict = {}
    for jobs in jobs_list:
        for label, tree in trees:
            config = tree / "config.toml"
            if revolving:         # the built-in defaults (= config.toml) with the minimum payment on
                config = DATA / "minimum-on.toml"
                config.write_text("[minimum_payment]\nenabled = true\n", encoding="utf-8")
            common = ["--data-dir", str(d), "--config", str(config)]
            # --cluster only under the last checkout (the one being measured: older ones lack it)
            cmds = commands(common, jobs, with_out, cluster if tree == trees[-1][1] else "", tree)
            if only:
                cmds = [(name, cmd) for name, cmd in cmds if name.split()[0] in only]
            for name, cmd in cmds:
                wall, rss, pss = (measure_out(common, jobs, repeat, tree, digests) if cmd is None
                                  else best(cmd, repeat))
                name = f"{name} [{label}]" if label else name
                res["runs"].append({"command": name, "jobs": jobs, "wall": wall, "rss_kib": rss, "pss_kib": pss})
                print(f"  {customers:>7} {name:<30} jobs={jobs}  {wall:7.2f} s  x{wall / floor:5.2f} floor  "
                      f"{rss / 1024:6.0f} MiB  (total {pss / 1024:6.0f} MiB)", file=sys.stderr, flush=True)
        if jobs > 1 and side_by_side:
            side_by_side_runs(res, d, jobs, repeat, floor, customers)
    if digests:
        res["out_identical_across_jobs"] = len(set(digests.values())) == 1
    return res


def side_by_side_runs(res: dict, d: Path, jobs: int, repeat: int, floor: float, customers: int) -> None:
    """The alternative to --jobs: N shard processes at once, each loading the input itself."""
    common = ["--data-dir", str(d), "--config", str(ROOT / "config.toml")]
    for name, args in (("bill --format json", ("bill", "--as-of", BILL_DAY)),
                       ("overdue-report --format json", ("overdue-report", "--as-of", AS_OF))):
        cmds = [baitiao(args[0], *common, *args[1:], "--format", "json", "--shard", f"{k}/{jobs}")
                for k in range(1, jobs + 1)]
        runs = [measure_side_by_side(cmds) for _ in range(repeat)]
        wall, rss, pss = min(r[0] for r in runs), max(r[1] for r in runs), max(r[2] for r in runs)
        label = f"{name} ({jobs} × --shard k/{jobs} at once)"
        res["runs"].append({"command": label, "jobs": 1, "wall": wall, "rss_kib": rss, "pss_kib": pss})
        print(f"  {customers:>7} {label:<30}  {wall:7.2f} s  x{wall / floor:5.2f} floor  "
              f"{rss / 1024:6.0f} MiB", file=sys.stderr, flush=True)


def table(results: list[dict], info: dict, jobs_list: list[int]) -> str:
    lines = [
        f"Machine: {info['nproc']} CPU(s) ({info['cpu']}), {info['memory']} RAM, Python {info['python']} "
        f"({info['platform']}).",
        "",
        f"bill: the statements of {BILL_DAY} (statement day 3, about a fifth of the book); overdue-report: "
        f"the whole book on {AS_OF}; remind: the reminders of {REMIND_DAY} (--days 3). Wall time of the whole command (start-up, loading and validating the "
        "four files, replay, rendering); × floor = wall / parse floor; peak RSS = largest process; peak total = "
        "peak of the summed PSS of all its processes (sampled every 0.5 s; pages shared copy-on-write counted once).",
        "",
        "| customers | purchases | repayments | parse floor | command | jobs | wall | × floor | µs / customer "
        "| peak RSS | peak total |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows = r["rows"]
        purchases = rows["transactions"]
        for run in r["runs"]:
            lines.append(
                f"| {r['customers']:,} | {purchases:,} | {rows['repayments']:,} | {r['floor']['wall']:.2f} s "
                f"| `{run['command']}` | {run['jobs']} | {run['wall']:.2f} s | {run['wall'] / r['floor']['wall']:.1f} "
                f"| {run['wall'] / r['customers'] * 1e6:.0f} | {run['rss_kib'] / 1024:,.0f} MiB "
                f"| {run.get('pss_kib', 0) / 1024:,.0f} MiB |")
    lines.append("")
    lines.append("(purchases = rows of transactions.csv, refunds included.)")
    ident = [r.get("out_identical_across_jobs") for r in results if "out_identical_across_jobs" in r]
    if ident:
        lines.append(f"`bill --out` trees byte-identical across checkouts and --jobs {','.join(map(str, jobs_list))}: "
                     f"{'yes' if all(ident) else 'NO'}.")
    return "\n".join(lines) + "\n"


def parse_trees(text: str) -> tuple[tuple[str, Path], ...]:
    out = []
    for part in text.split(","):
        label, _, path = part.partition("=")
        if not label or not path or not (Path(path) / "baitiao_cli").is_dir():
            raise SystemExit(f"--trees: expected LABEL=PATH of a checkout, got {part!r}")
        out.append((label.strip(), Path(path).resolve()))
    return tuple(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,300000", help="customers per book, comma-separated")
    ap.add_argument("--jobs", default="1,2", help="--jobs values to run, comma-separated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per command (the best is kept)")
    ap.add_argument("--no-out", action="store_true", help="skip the bill --out runs")
    ap.add_argument("--revolving", type=float, default=0.0, metavar="SHARE",
                    help="a revolving book: that share of customers pays about the minimum (some convert "
                         "a bill), run with minimum_payment.enabled; adds score")
    ap.add_argument("--commands", default="", metavar="NAMES",
                    help="only these commands, comma-separated (validate, bill, overdue-report, remind, score, review; default: all)")
    ap.add_argument("--trees", default="", metavar="LABEL=PATH,...",
                    help="run every command under each of these checkouts (before/after in one run), e.g. "
                         "before=/tmp/base,after=.; each with its own config.toml")
    ap.add_argument("--cluster", default="", metavar="SPEC",
                    help="also run overdue-report with --cluster SPEC (e.g. local:2)")
    ap.add_argument("--side-by-side", action="store_true",
                    help="also run, for each --jobs N > 1, N `--shard k/N` processes at once (the alternative "
                         "to --jobs: each loads the input itself)")
    a = ap.parse_args(argv)
    try:
        sizes = [int(s) for s in a.sizes.split(",") if s.strip()]
        jobs_list = [int(s) for s in a.jobs.split(",") if s.strip()]
    except ValueError:
        ap.error("--sizes and --jobs take comma-separated whole numbers")
    if not sizes or min(sizes) < 1 or not jobs_list or min(jobs_list) < 1 or a.repeat < 1:
        ap.error("sizes, jobs and repeat must be at least 1")
    trees = parse_trees(a.trees) if a.trees else (("", ROOT),)
    info = machine()
    results = []
    for n in sizes:
        results.append(run_size(n, a.seed, jobs_list, a.repeat, not a.no_out, a.side_by_side, a.revolving,
                                tuple(c.strip() for c in a.commands.split(",") if c.strip()),
                                trees, a.cluster))
    text = table(results, info, jobs_list)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"scale-{stamp}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"scale-{stamp}.json").write_text(json.dumps({"machine": info, "results": results}, indent=2),
                                                  encoding="utf-8")
    print(f"written to {RESULTS / f'scale-{stamp}.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
