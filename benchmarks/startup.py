"""Start-up time of the ``baitiao`` console script (issue 2: --help <= 200 ms, quote <= 250 ms median).

Usage::

    python benchmarks/startup.py [--runs 20] [--script PATH]

Runs each command ``--runs`` times (after two warm-up runs) in a subprocess from the repository
root (so ``./config.toml`` is read, as in real use) and prints the median, min and max wall time,
with bare ``python -c pass`` beside them as the floor. It then runs each command once under
``python -X importtime`` and lists which of rich / tabulate / pydantic / typer got imported: ``--help`` and
JSON output must not pay for rich, tabulate or pydantic.

The console script is taken from the folder of the running interpreter (a pyenv shim or other
wrapper in front of it would add its own start-up, not ours); ``--script`` overrides it.

Bytecode: an installed package has its ``.pyc`` files (pip compiles them), so by default the
runs may write and reuse ``__pycache__`` even when ``PYTHONDONTWRITEBYTECODE`` is set in the
calling environment (it is on some sandboxes, where every run would recompile every module).
``--no-bytecode-cache`` measures that worst case instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {"baitiao --help": 200, "baitiao quote (json)": 250}
QUOTE_ARGS = ["quote", "--amount", "1200", "--terms", "12", "--date", "2026-01-10", "--format", "json"]
WATCHED = ("rich", "tabulate", "pydantic", "typer")


def find_script(explicit: str | None) -> str:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "baitiao"
    if beside.is_file():
        return str(beside)
    found = shutil.which("baitiao")
    if not found:
        sys.exit("baitiao is not installed: pip install -e '.[test]'")
    return found


def time_runs(cmd: list[str], runs: int, env: dict) -> list[float]:
    for _ in range(2):  # warm the page cache and the .pyc files
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        out.append((time.perf_counter() - t0) * 1000)  # float-ok: wall-clock milliseconds, not money
    return out


def imported_top_level(script: str, args: list[str], env: dict) -> tuple[set[str], int]:
    """Top-level packages of interest imported by one run, and the total import time in us."""
    p = subprocess.run([sys.executable, "-X", "importtime", script, *args], cwd=ROOT, env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    seen: set[str] = set()
    total = 0
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:"):].split("|")
        name = parts[2].strip()
        if parts[1].strip().isdigit() and not name.startswith(" ") and "." not in name:
            total += int(parts[1].strip())
        top = name.split(".")[0]
        if top in WATCHED:
            seen.add(top)
    return seen, total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--script", help="path of the baitiao console script")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="recompile every module on every run (PYTHONDONTWRITEBYTECODE=1, no __pycache__)")
    ns = ap.parse_args()
    script = find_script(ns.script)
    env = {k: v for k, v in os.environ.items() if k not in ("BAITIAO_CONFIG", "PYTHONDONTWRITEBYTECODE")}
    if ns.no_bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for cache in (ROOT / "baitiao_cli").rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)

    commands = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("baitiao --help", [script, "--help"], ["--help"]),
        ("baitiao quote (json)", [script, *QUOTE_ARGS], QUOTE_ARGS),
    ]
    print(f"python {sys.version.split()[0]} at {sys.executable}")
    print(f"script {script}; {ns.runs} runs each after 2 warm-ups; cwd {ROOT}; {os.cpu_count()} CPUs; "
          f"bytecode cache {'off' if ns.no_bytecode_cache else 'on'}\n")
    header = (f"{'command':<22} {'median ms':>9} {'min ms':>7} {'max ms':>7} {'x pass':>6} {'target':>7}  "
              f"{'ok':<4} imports")
    print(header)
    print("-" * len(header))
    failed = False
    floor = None
    for label, cmd, args in commands:
        times = time_runs(cmd, ns.runs, env)
        med = statistics.median(times)
        floor = floor or med            # the first row is python -c pass
        target = TARGETS_MS.get(label)
        ok = "" if target is None else ("yes" if med <= target else "NO")
        failed |= ok == "NO"
        imports = ""
        if args is not None:
            seen, _ = imported_top_level(script, args, env)
            imports = ", ".join(sorted(seen)) or "-"
            if {"rich", "tabulate", "pydantic"} & seen:
                failed = True
                imports += "  <- rich/tabulate/pydantic must not load here"
        print(f"{label:<22} {med:>9.1f} {min(times):>7.1f} {max(times):>7.1f} {med / floor:>6.1f} "
              f"{'' if target is None else target:>7}  {ok:<4} {imports}")
    if os.getloadavg()[0] > (os.cpu_count() or 1) * 0.5:
        print(f"\nnote: load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs: "
              "if other work is running, the figures are inflated")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
