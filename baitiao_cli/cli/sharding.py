"""``python -m baitiao_cli.cli.sharding merge-summaries DIR/<date> N``: the whole run's summary.csv.

N hosts running ``bill --shard K/N --out DIR`` write ``summary.shard-K-of-N.csv`` each; this
rebuilds ``DIR/<date>/summary.csv`` from them (``services.billing.merge_summaries``). The
pool of ``--jobs`` lives in ``services.jobs`` and the ``--shard``/``--jobs`` options in
``cli.common``.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

from ..services.billing import merge_summaries


def _main(argv: Optional[list[str]] = None) -> int:
    """Write FOLDER/summary.csv from the shard summaries in FOLDER; 2 on a usage error, 1 on a missing file."""
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
