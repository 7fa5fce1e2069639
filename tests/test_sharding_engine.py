"""The lighter replays a split run uses give exactly what ``replay`` gives (issue 7).

``ledger.overdue_status`` (for ``overdue-report``) and ``ledger.latest_statement`` (for
``bill``) run the same replay without building what their callers never read. On every
account of a generated book, under several configurations and dates, they must equal
``replay(...).overdue`` / ``replay(...).latest_statement()`` and ``replay(...).warnings``.
"""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from baitiao_cli.engine.config import Billing, Config, Installments, LateFee  # noqa: E402
from baitiao_cli.engine.ledger import (  # noqa: E402
    STATEMENTS_LAST, STATEMENTS_NONE, group_by_customer, latest_statement, overdue_status, replay,
)
from baitiao_cli.engine.model import Deferral  # noqa: E402
from baitiao_cli.io.loader import load_dataset  # noqa: E402
from benchmarks.generate import generate  # noqa: E402

CONFIGS = {
    "default": Config(),
    "grace3-half-even-cap": Config(billing=Billing(grace_days=3, rounding="ROUND_HALF_EVEN"),
                                   late_fee=LateFee(cap_ratio=Decimal("0.30"))),
    "current-period": Config(installments=Installments(early_settlement_fees="current_period")),
    "no-fees-grace1": Config(installments=Installments(early_settlement_fees="none"),
                             billing=Billing(grace_days=1)),
}
DATES = [date(2025, 9, 1), date(2026, 3, 3), date(2026, 4, 13), date(2026, 11, 3), date(2026, 11, 25)]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    d = tmp_path_factory.mktemp("book")
    generate(d, customers=200, seed=11)
    ds = load_dataset(d, Config()).dataset
    groups = group_by_customer(ds)
    # plus a deferral the rules refuse (a warning), on a customer's real history
    c = ds.customers[0]
    t, r, dd = groups[c.customer_id]
    groups[c.customer_id] = (t, r, [*dd, Deferral("DX1", c.customer_id, date(2026, 6, 30), date(2026, 6, 30), 5, 99)])
    return ds.customers, groups


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_overdue_status_is_replay_overdue(book, name):
    customers, groups = book
    cfg = CONFIGS[name]
    overdue = warned = 0
    for on in DATES:
        for c in customers:
            t, r, d = groups[c.customer_id]
            full = replay(c, t, r, d, cfg, on, statements=STATEMENTS_NONE)
            lean = overdue_status(c, t, r, d, cfg, on)
            assert lean.customer is c
            assert lean.overdue == full.overdue, (c.customer_id, on)
            assert lean.warnings == full.warnings
            overdue += lean.overdue.is_overdue
            warned += bool(lean.warnings)
    assert overdue > 20 and warned >= 1


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_latest_statement_is_replay_latest_statement(book, name):
    customers, groups = book
    cfg = CONFIGS[name]
    seen = 0
    for on in DATES:
        for c in customers:
            t, r, d = groups[c.customer_id]
            full = replay(c, t, r, d, cfg, on, statements=STATEMENTS_LAST)
            lean = latest_statement(c, t, r, d, cfg, on)
            assert lean.customer is c
            assert lean.statement == full.latest_statement(), (c.customer_id, on)
            assert lean.warnings == full.warnings
            seen += lean.statement is not None
    assert seen > 500
