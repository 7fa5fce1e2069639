"""The per-account progress of a service's loop, for the bar a person sees on a terminal.

A service wraps its per-customer loop in ``each``: ``for c in each(chosen, "accounts"):``. Nothing is
shown (and nothing but a counter runs) unless the CLI started a run's activity (``render.activity``:
stderr a terminal, not JSON/CSV to a pipe), which registers its bar maker here as ``SINK``. Services
still never write to a stream; in a forked ``--jobs`` worker ``each`` is a plain loop.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

# (total, label) -> a bar with start/add_task/advance/stop (rich's Progress API), or None
SINK: Optional[Callable[[int, str], Any]] = None
OWNER: Optional[int] = None     # the process that registered SINK (a forked worker never draws)


def register(sink: Optional[Callable[[int, str], Any]]) -> None:
    global SINK, OWNER
    SINK, OWNER = sink, (os.getpid() if sink is not None else None)


def each(items: Sequence, label: str) -> Iterable:
    """``items``, advancing the run's progress bar by one after each (the items as they are when no bar)."""
    sink = SINK
    if sink is None or OWNER != os.getpid() or len(items) < 2:
        return items
    bar = sink(len(items), label)
    return items if bar is None else _counted(items, bar, label)


def _counted(items: Sequence, bar: Any, label: str) -> Iterator:
    bar.start()
    task = bar.add_task(label, total=len(items))
    try:
        for item in items:
            yield item
            bar.advance(task)
    finally:
        bar.stop()
