"""A stable partition of a book by customer, for runs split across hosts and processes.

Accounts are independent of each other (``engine.ledger``), so a run over a book can be
split by customer anywhere and the pieces put back together. The shard a customer falls in
is a pure function of the customer id, the same on every host, Python version and run:
CRC-32 of the id's UTF-8 bytes (``zlib.crc32``; never the built-in ``hash()``, which is
randomised per process).

- ``--shard K/N``: the customers with ``crc32(id) % N == K - 1`` (K in 1..N).
- ``--jobs J`` inside a shard: the shard's customers are split again by
  ``(crc32(id) // N) % J`` into J local parts, one per job (worker process), so the J local
  parts of shard K/N are disjoint and together are exactly shard K/N (and with N = 1, the
  whole book). A local part is a ``Shard`` with ``jobs`` > 1.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple


def customer_hash(customer_id: str) -> int:
    """The stable 32-bit hash every partition is cut from."""
    return zlib.crc32(customer_id.encode("utf-8"))


def shard_of(customer_id: str, shards: int) -> int:
    """The shard (1..``shards``) a customer belongs to."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, not {shards}")
    return customer_hash(customer_id) % shards + 1


class Shard(NamedTuple):
    """Shard ``shard`` of ``shards``, and local part ``job`` of ``jobs`` inside it (all 1-based)."""

    shard: int = 1
    shards: int = 1
    job: int = 1
    jobs: int = 1

    @property
    def whole(self) -> bool:
        """True when this is the whole book."""
        return self.shards == 1 and self.jobs == 1

    def __contains__(self, customer_id: object) -> bool:
        if not isinstance(customer_id, str):
            return False
        if self.whole:
            return True
        h = customer_hash(customer_id)
        return h % self.shards == self.shard - 1 and (h // self.shards) % self.jobs == self.job - 1

    def loads(self, customer_id: str) -> bool:
        """Whether this local part checks and keeps the records of ``customer_id`` when its
        worker loads its own part of the input (``--jobs``): the customers of its local part
        in *every* shard, so that the J workers of a shard validate the whole input between
        them, as a shard run must (their records outside this shard are loaded, not replayed)."""
        if self.jobs == 1:
            return True
        return (customer_hash(customer_id) // self.shards) % self.jobs == self.job - 1

    def split(self, jobs: int) -> list["Shard"]:
        """This shard cut into ``jobs`` local parts (disjoint; their union is this shard)."""
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        if self.jobs != 1:
            raise ValueError("a local part cannot be split again")
        return [Shard(self.shard, self.shards, j, jobs) for j in range(1, jobs + 1)]

    def __str__(self) -> str:
        s = f"{self.shard}/{self.shards}"
        return s if self.jobs == 1 else f"{s} (local part {self.job}/{self.jobs})"



WHOLE = Shard()


def validate_shard(shard: int, shards: int) -> Shard:
    """``Shard(shard, shards)`` after checking 1 <= shard <= shards (ValueError otherwise)."""
    if shards < 1:
        raise ValueError(f"the number of shards must be at least 1, not {shards}")
    if not 1 <= shard <= shards:
        raise ValueError(f"the shard must be between 1 and {shards}, not {shard}")
    return Shard(shard, shards)
