"""Time ``baitiao train`` on a generated labelled table (default 100 000 rows x 30 columns).

    python benchmarks/train_bench.py [--rows 100000] [--repeat 1] [--keep]

The table is generated deterministically (seeded) under ``benchmarks/data/`` (git-ignored):
20 numeric and 10 categorical features, some with missing values, a 0/1 ``default`` label
drawn from a logistic model of 12 of the features (about 10% bad), and an ``id`` column.
The command is run as a subprocess, as an operator would run it; the figure is its wall time
(load + bin + fit + evaluate + write), with its CPU time beside it (steadier when the machine
is busy). Target (issue 6): within 60 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
N_NUMERIC = 20
N_CATEGORICAL = 10
CITIES = ["beijing", "shanghai", "guangzhou", "shenzhen", "chengdu", "wuhan", "xian", "hangzhou",
          "nanjing", "tianjin", "chongqing", "suzhou"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Write the table; same rows and seed, same bytes."""
    rng = random.Random(seed)
    # per-category risk offsets for the categorical features
    cat_levels = [[f"c{j}_{k}" for k in range(3 + j % 6)] for j in range(N_CATEGORICAL)]
    cat_risk = [[rng.gauss(0, 0.5) for _ in levels] for levels in cat_levels]
    weights = [rng.choice((-1, 1)) * rng.uniform(0.2, 0.6) for _ in range(8)] + [0.0] * (N_NUMERIC - 8)
    header = ["id"] + [f"num_{j:02d}" for j in range(N_NUMERIC)] + [f"cat_{j:02d}" for j in range(N_CATEGORICAL)] + ["default"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for i in range(rows):
            z = -2.6
            cells = [f"A{i:07d}"]
            for j in range(N_NUMERIC):
                x = rng.gauss(0, 1)
                z += weights[j] * (x if j % 3 else x * x - 1)        # some U-shaped effects
                if j % 5 == 4 and rng.random() < 0.05:
                    cells.append("")                                 # missing
                elif j % 4 == 0:
                    cells.append(str(int(1000 * math.exp(x))))       # skewed, integer "amounts"
                else:
                    cells.append(f"{x:.4f}")
            for j in range(N_CATEGORICAL):
                k = rng.randrange(len(cat_levels[j]))
                if j < 4:
                    z += cat_risk[j][k]
                cells.append("" if j == 9 and rng.random() < 0.1 else (CITIES[k] if j == 0 else cat_levels[j][k]))
            cells.append("1" if rng.random() < 1 / (1 + math.exp(-z)) else "0")
            w.writerow(cells)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the generated table")
    args = ap.parse_args()
    data = HERE / "data"
    data.mkdir(exist_ok=True)
    table = data / f"train_{args.rows}.csv"
    if not table.exists():
        t = time.perf_counter()
        generate(table, args.rows)
        print(f"generated {table} ({table.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    times, cpus = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model.json"
        cmd = [sys.executable, "-c", "from baitiao_cli.cli.app import main; main()", "train", "--features", str(table), "--target", "default",
               "--out", str(out), "--as-of", "2026-01-01", "--format", "json"]
        for _ in range(args.repeat):
            t = time.perf_counter()
            c = resource.getrusage(resource.RUSAGE_CHILDREN)
            res = subprocess.run(cmd, capture_output=True, text=True)
            times.append(time.perf_counter() - t)
            c2 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(c2.ru_utime + c2.ru_stime - c.ru_utime - c.ru_stime)
            if res.returncode != 0:
                print(res.stderr, file=sys.stderr)
                return 1
        import json
        report = json.loads(res.stdout)
    used = sum(1 for f in report["features"] if f["coefficient"] is not None)
    print(f"train {args.rows} rows x {N_NUMERIC + N_CATEGORICAL} features: "
          f"median {statistics.median(times):.1f} s wall, {statistics.median(cpus):.1f} s CPU "
          f"over {len(times)} run(s) "
          f"(target: 60 s) · {used} features used · held-out AUC {report['metrics']['test']['auc']}")
    if not args.keep:
        table.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
