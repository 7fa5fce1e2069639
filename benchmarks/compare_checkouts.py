#!/usr/bin/env python3
"""Byte-for-byte comparison of two checkouts of baitiao (issue 12: a redesign changes no output).

Usage (from anywhere)::

    python benchmarks/compare_checkouts.py --base /path/to/old --new /path/to/new          # sample data + 10k book
    python benchmarks/compare_checkouts.py --base OLD --new NEW --quick                    # sample data only
    python benchmarks/compare_checkouts.py --base OLD --new NEW --customers 20000          # a bigger book

Each command runs twice, once with ``PYTHONPATH=<base>`` and once with ``PYTHONPATH=<new>``,
in the same working folder (a copy of the base's ``config.toml`` and ``sample_data/``, a
generated book, and a copy of the sample with broken rows), piped (so tables are the plain
ones), with ``COLUMNS=120``. It compares the exit status, stdout, stderr and every file an
``--out`` option wrote (the per-checkout output folder is replaced by ``{OUT}`` in the
streams before comparing). The commands cover every command and format: ``--help`` of each
command, ``validate``, ``quote`` (terms side by side, ``--customer``), ``bill`` (batch over
several statement days, ``--customer``, ``--out``, ``--jobs 2``, ``--shard``),
``overdue-report`` (``--compare``, ``--out``), ``score`` (``--customer``, ``--psi-against``),
``train --from-history``, ``repay``/``defer`` ``--dry-run`` (settle, refusals), and bad input
(usage errors, invalid files with and without ``--skip-invalid``).

Prints one line per difference and a closing line ``N commands: identical`` or
``N commands: M differ``; exits 0 when identical, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

FORMATS = ("table", "json", "csv")
COMMANDS = ("quote", "bill", "repay", "defer", "overdue-report", "score", "train", "validate")


def sample_commands() -> list[list[str]]:
    """Commands over the bundled sample (cwd holds config.toml and sample_data/)."""
    cmds: list[list[str]] = [["--help"], ["--version"]] + [[c, "--help"] for c in COMMANDS]
    for f in FORMATS:
        cmds += [
            ["validate", "-f", f],
            ["quote", "--amount", "1200", "--terms", "12", "--date", "2026-01-10", "-f", f],
            ["quote", "--amount", "1200", "--terms", "3", "--terms", "6", "--terms", "12", "-f", f],
            ["quote", "--amount", "500", "--terms", "6", "--customer", "C000040", "--date", "2026-11-20", "-f", f],
            ["quote", "--amount", "999.99", "--terms", "24", "--fee-rate", "0.0075", "--date", "2028-02-29", "-f", f],
            ["bill", "--as-of", "2026-11-20", "--customer", "C000040", "-f", f],
            ["bill", "--as-of", "2026-08-09", "--customer", "C000002", "-f", f],
            ["overdue-report", "--as-of", "2026-11-03", "--compare", "2026-10-03", "-f", f],
            ["overdue-report", "--as-of", "2026-07-15", "-f", f],
            ["score", "--as-of", "2026-11-03", "-f", f],
            ["score", "--as-of", "2026-11-03", "--customer", "C000001", "-f", f],
            ["score", "--as-of", "2026-11-03", "--psi-against", "2026-05-03", "-f", f],
            ["repay", "--customer", "C000040", "--amount", "700", "--date", "2026-11-20", "--ref", "DESK-1",
             "--as-of", "2026-11-20", "--dry-run", "-f", f],
            ["repay", "--customer", "C000040", "--amount", "1", "--date", "2026-11-20", "--ref", "Q-1", "--settle",
             "--dry-run", "--as-of", "2026-11-20", "-f", f],
            ["repay", "--customer", "C000040", "--amount", "99999", "--date", "2026-11-20", "--ref", "Q-2", "--settle",
             "--dry-run", "--as-of", "2026-11-20", "-f", f],
            ["repay", "--customer", "C000007", "--amount", "50", "--date", "2026-03-01", "--ref", "BACK-1",
             "--dry-run", "--as-of", "2026-11-20", "-f", f],
            ["defer", "--customer", "C000010", "--statement-date", "2026-11-25", "--days", "10", "--date",
             "2026-11-25", "--ref", "D-1", "--dry-run", "--as-of", "2026-11-25", "-f", f],
            ["defer", "--customer", "C000003", "--statement-date", "2026-11-18", "--days", "30", "--date",
             "2026-11-20", "--ref", "D-3", "--dry-run", "--as-of", "2026-11-25", "-f", f],
            ["defer", "--customer", "C000040", "--statement-date", "2026-11-03", "--days", "10", "--date",
             "2026-11-05", "--ref", "D-1", "--dry-run", "--as-of", "2026-11-05", "-f", f],
            ["defer", "--customer", "C000040", "--statement-date", "2026-11-03", "--days", "99", "--date",
             "2026-11-05", "--ref", "D-2", "--dry-run", "--as-of", "2026-11-05", "-f", f],
        ]
        for day in ("2026-11-03", "2026-10-15", "2026-09-25", "2026-06-08", "2026-02-28", "2026-11-01"):
            cmds.append(["bill", "--as-of", day, "-f", f])
    cmds += [
        ["bill", "--as-of", "2026-11-03", "--out", "{OUT}/statements"],
        ["bill", "--as-of", "2026-11-15", "--out", "{OUT}/statements", "-f", "json"],
        ["bill", "--as-of", "2026-11-03", "--shard", "1/2", "-f", "json"],
        ["bill", "--as-of", "2026-11-03", "--jobs", "2", "-f", "csv"],
        ["overdue-report", "--as-of", "2026-11-03", "--out", "{OUT}/worklist.csv"],
        ["overdue-report", "--as-of", "2026-11-03", "--jobs", "2", "-f", "json"],
        ["train", "--from-history", "--observation-date", "2026-03-01", "--as-of", "2026-11-03",
         "--out", "{OUT}/model.json", "--save-table", "{OUT}/table.csv"],
        # usage errors and refusals
        ["bill", "--as-of", "2026-02-30"],
        ["repay", "--customer", "C000040", "--amount", "1e3", "--date", "2026-11-20", "--ref", "X", "--as-of",
         "2026-11-20", "--dry-run"],
        ["repay", "--customer", "bad id", "--amount", "10", "--date", "2026-11-20", "--ref", "X", "--dry-run"],
        ["score", "--customer", "NOPE", "--as-of", "2026-11-03"],
        ["quote", "--amount", "100", "--terms", "5"],
        ["bill", "--customer", "C999999", "--as-of", "2026-11-03"],
        ["overdue-report", "--as-of", "2026-11-03", "--jobs", "0"],
    ]
    return cmds


def broken_commands() -> list[list[str]]:
    """Commands over a copy of the sample with broken rows (--data-dir broken)."""
    out: list[list[str]] = []
    for f in FORMATS:
        out += [
            ["validate", "--data-dir", "broken", "-f", f],
            ["bill", "--data-dir", "broken", "--as-of", "2026-11-03", "-f", f],
            ["bill", "--data-dir", "broken", "--as-of", "2026-11-03", "--skip-invalid", "-f", f],
            ["overdue-report", "--data-dir", "broken", "--as-of", "2026-11-03", "--skip-invalid", "-f", f],
            ["score", "--data-dir", "broken", "--as-of", "2026-11-03", "--skip-invalid", "-f", f],
        ]
    return out


def book_commands(book: str, as_of: str, customer_ids: list[str]) -> list[list[str]]:
    """Commands over a generated book."""
    d = ["--data-dir", book]
    cmds: list[list[str]] = []
    for day in ("03", "15"):
        stmt = as_of[:8] + day
        cmds += [["bill", *d, "--as-of", stmt, "-f", "json"], ["bill", *d, "--as-of", stmt, "-f", "csv"]]
    cmds += [
        ["bill", *d, "--as-of", as_of[:8] + "03", "--jobs", "2", "-f", "json"],
        ["bill", *d, "--as-of", as_of[:8] + "03", "--out", "{OUT}/book-statements"],
        ["overdue-report", *d, "--as-of", as_of, "--jobs", "2", "-f", "json"],
        ["validate", *d, "-f", "json"],
    ]
    for day in (as_of, "2026-08-17", "2026-02-28"):
        cmds += [
            ["overdue-report", *d, "--as-of", day, "-f", "json"],
            ["overdue-report", *d, "--as-of", day, "-f", "csv"],
            ["score", *d, "--as-of", day, "-f", "json"],
        ]
    for cid in customer_ids:
        cmds += [
            ["bill", *d, "--as-of", as_of, "--customer", cid, "-f", "json"],
            ["repay", *d, "--customer", cid, "--amount", "300", "--date", as_of, "--ref", "CMP-1", "--as-of", as_of,
             "--dry-run", "-f", "json"],
            ["repay", *d, "--customer", cid, "--amount", "1", "--date", as_of, "--ref", "CMP-2", "--settle",
             "--as-of", as_of, "--dry-run", "-f", "json"],
            ["quote", *d, "--customer", cid, "--amount", "800", "--terms", "6", "--date", as_of, "-f", "json"],
        ]
    return cmds


def break_sample(src: Path, dst: Path) -> None:
    """A copy of the sample with one bad row in each of three files."""
    shutil.copytree(src, dst)
    tx = (dst / "transactions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = tx[5].split(",")
    cells[3] = "2026-13-01"                       # a bad date in the fifth data row
    tx[5] = ",".join(cells)
    (dst / "transactions.csv").write_text("".join(tx), encoding="utf-8")
    rp = (dst / "repayments.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = rp[3].split(",")
    cells[3] = "12.345"                           # three decimals
    rp[3] = ",".join(cells)
    (dst / "repayments.csv").write_text("".join(rp), encoding="utf-8")
    cu = (dst / "customers.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    cells = cu[2].split(",")
    cells[5] = "31"                               # statement day out of range
    cu[2] = ",".join(cells)
    (dst / "customers.csv").write_text("".join(cu), encoding="utf-8")


def run(tree: Path, argv: list[str], cwd: Path, out: Path) -> tuple[int, bytes, bytes, dict[str, bytes]]:
    out.mkdir(parents=True, exist_ok=True)
    args = [a.replace("{OUT}", str(out)) for a in argv]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BAITIAO_", "PYTHON"))}
    env.update(PYTHONPATH=str(tree), COLUMNS="120", LINES="50", NO_COLOR="1", TERM="dumb", PYTHONHASHSEED="0")
    code = "import sys; sys.argv = ['baitiao', *sys.argv[1:]]; from baitiao_cli.cli.app import main; main()"
    p = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True,
                       stdin=subprocess.DEVNULL)
    files = {str(f.relative_to(out)): f.read_bytes() for f in sorted(out.rglob("*")) if f.is_file()}
    shutil.rmtree(out)
    mark = str(out).encode()
    return p.returncode, p.stdout.replace(mark, b"{OUT}"), p.stderr.replace(mark, b"{OUT}"), files


def first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: {x[:160]!r} != {y[:160]!r}"
    return f"{len(la)} lines vs {len(lb)} lines"


def compare(base: Path, new: Path, cwd: Path, cmds: list[list[str]], work: Path, jobs: int) -> list[str]:
    def one(i_cmd):
        i, cmd = i_cmd
        a = run(base, cmd, cwd, work / f"base-{i}")
        b = run(new, cmd, cwd, work / f"new-{i}")
        diffs = []
        label = "baitiao " + " ".join(cmd)
        if a[0] != b[0]:
            diffs.append(f"{label}: exit {a[0]} != {b[0]}")
        for name, x, y in (("stdout", a[1], b[1]), ("stderr", a[2], b[2])):
            if x != y:
                diffs.append(f"{label}: {name} differs, {first_difference(x, y)}")
        if a[3].keys() != b[3].keys():
            diffs.append(f"{label}: files differ: {sorted(set(a[3]) ^ set(b[3]))[:5]}")
        for k in sorted(a[3].keys() & b[3].keys()):
            if a[3][k] != b[3][k]:
                diffs.append(f"{label}: file {k} differs, {first_difference(a[3][k], b[3][k])}")
        if a[0] not in (0, 1, 2):
            diffs.append(f"{label}: exit {a[0]} in the base (unexpected)")
        return diffs

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return [d for ds in pool.map(one, enumerate(cmds)) for d in ds]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, type=Path, help="the old checkout (its config.toml and sample_data are used)")
    ap.add_argument("--new", required=True, type=Path, help="the new checkout")
    ap.add_argument("--quick", action="store_true", help="the sample data only, no generated book")
    ap.add_argument("--customers", type=int, default=10000, help="size of the generated book (default 10000)")
    ap.add_argument("--jobs", type=int, default=2, help="commands run at once (default 2)")
    ns = ap.parse_args()
    base, new = ns.base.resolve(), ns.new.resolve()
    with tempfile.TemporaryDirectory(prefix="baitiao-compare-") as tmp:
        cwd = Path(tmp) / "cwd"
        cwd.mkdir()
        shutil.copy(base / "config.toml", cwd / "config.toml")
        shutil.copytree(base / "sample_data", cwd / "sample_data")
        break_sample(base / "sample_data", cwd / "broken")
        cmds = sample_commands() + broken_commands()
        if not ns.quick:
            as_of = "2026-11-20"
            subprocess.run([sys.executable, str(base / "benchmarks" / "generate.py"), "--customers",
                            str(ns.customers), "--out", str(cwd / "book"), "--seed", "7", "--as-of", as_of,
                            "--quiet"], check=True)
            with open(cwd / "book" / "customers.csv", encoding="utf-8") as f:
                ids = [line.split(",", 1)[0] for line in f.read().splitlines()[1:]]
            cmds += book_commands("book", as_of, ids[:: max(1, len(ids) // 5)][:5])
        diffs = compare(base, new, cwd, cmds, Path(tmp) / "out", ns.jobs)
    for d in diffs:
        print(d)
    print(f"{len(cmds)} commands: " + ("identical" if not diffs else f"{len(diffs)} difference(s)"))
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
