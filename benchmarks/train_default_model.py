#!/usr/bin/env python3
"""Make the PD model shipped in the package: ``baitiao_cli/data/default_model.json``.

Run from the repository root (about 25 seconds on the 2-core reference machine)::

    python benchmarks/train_default_model.py

It is the same as these two commands (the script only fixes the file's ``source`` and
``command`` entries, which would otherwise name the temporary folder)::

    python benchmarks/generate.py --customers 20000 --seed 1 --start 2024-07-01 --as-of 2026-06-30 \\
        --out /tmp/book20k
    baitiao train --from-history --observation-date 2025-06-25 --as-of 2026-11-28 \\
        --data-dir /tmp/book20k --out baitiao_cli/data/default_model.json

Why these settings: the generated book opens its accounts over its first four months
(2024-07 .. 2024-10) and runs to 2026-06-30, so on the observation date 2025-06-25 every
customer has 8 to 12 months of history and the 12-month outcome window (to 2026-06-25) lies
inside the data. The built-in configuration (SPEC 3 defaults, as the generator assumes) is
used, not ./config.toml. ``--as-of 2026-11-28`` is the training date written into the file
(the day the shipped file was made), fixed so that a re-run gives the same bytes.

``train --from-history`` fits the model on every customer (5-fold cross-validation and a 30%
hold-out are reported, not thrown away), with the business directions of the history features
fixed (more months on book / a higher on-time share / more spending never raise the PD; a
worse DPD / a higher utilisation never lower it) and the thin-file rule on ``on_time_share``
and ``spend_trend`` (``services.training.HISTORY_TRENDS``, ``HISTORY_THIN_MISSING``; see
docs/scoring.md).

Deterministic: the same arguments give the same file, byte for byte (the generator is seeded,
the trainer is deterministic; two runs compared with ``cmp`` for issue 17).
``tests/test_train_history.py`` checks that on a small book.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from baitiao_cli.services.training import history_command_line, train_from_history  # noqa: E402
from baitiao_cli.engine.config import Config  # noqa: E402
from baitiao_cli.engine.scoring import Scoring  # noqa: E402
from baitiao_cli.engine.train.fit import TrainSettings  # noqa: E402
from baitiao_cli.io.loader import load_dataset  # noqa: E402
from baitiao_cli.io.modelfile import write_model  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "baitiao_cli" / "data" / "default_model.json"

CUSTOMERS = 20000
SEED = 1
START = "2024-07-01"
BOOK_AS_OF = "2026-06-30"
OBSERVATION = date(2025, 6, 25)
TRAINED_ON = date(2026, 11, 28)


def build(out: Path, customers: int = CUSTOMERS, seed: int = SEED, book: Path | None = None,
          quiet: bool = False) -> dict:
    """Generate the book (into ``book`` or a temporary folder), train, write ``out``; the model's
    metadata is returned."""
    def say(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="baitiao-book-") as tmp:
        folder = Path(book) if book is not None else Path(tmp)
        say(f"generating {customers} customers into {folder} ...")
        generate(folder, customers=customers, seed=seed, start=START, as_of=BOOK_AS_OF)
        cfg = Config()
        scoring = Scoring()
        dataset = load_dataset(folder, cfg).dataset
        say(f"building features on {OBSERVATION} and labels to 12 months later, training ...")
        result, _sample, _history = train_from_history(
            dataset, cfg, scoring, OBSERVATION, trained_on=TRAINED_ON,
            source=f"generated book: benchmarks/generate.py, {customers} customers, seed {seed}",
            settings=TrainSettings(), on_warning=lambda m: say(f"warning: {m}"))
    meta = result.model.meta
    script_args = ""
    if customers != CUSTOMERS:
        script_args += f" --customers {customers}"
    if seed != SEED:
        script_args += f" --seed {seed}"
    meta["command"] = f"python benchmarks/train_default_model.py{script_args}"
    meta["equivalent_commands"] = [
        f"python benchmarks/generate.py --customers {customers} --seed {seed} --start {START} "
        f"--as-of {BOOK_AS_OF} --out BOOK",
        history_command_line(OBSERVATION.isoformat(), TRAINED_ON.isoformat(), {}) + " --data-dir BOOK --out MODEL",
    ]
    write_model(out, result.model)
    t = result.metrics["test"]
    say(f"wrote {out}: {result.rows['total']} customers, {result.rows['bads']} bad; held-out AUC {t['auc']:.4f}, "
        f"KS {t['ks']:.4f}, Gini {t['gini']:.4f}")
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=CUSTOMERS)
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="model file to write")
    ap.add_argument("--book", help="keep the generated book in this folder (default: a temporary one)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    build(Path(a.out), a.customers, a.seed, Path(a.book) if a.book else None, a.quiet)
    return 0


if __name__ == "__main__":
    sys.exit(main())
