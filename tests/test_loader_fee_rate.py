"""A per-purchase fee_rate typed as a percentage ("0.5" for 0.5%) is kept but warned about."""

from __future__ import annotations

from baitiao_cli.engine.config import Config
from baitiao_cli.io.loader import load_dataset


def _book(d):
    (d / "customers.csv").write_text("customer_id,opened_on\nC1,2026-01-01\n")
    (d / "transactions.csv").write_text(
        "txn_id,customer_id,date,amount,installments,fee_rate\n"
        "T1,C1,2026-01-05,100.00,3,0.5\nT2,C1,2026-01-06,100.00,3,0.005\n")
    return d


def test_a_fee_rate_typed_as_a_percentage_is_warned_about_and_kept(tmp_path):
    # 0.5 per period is 50% a month: almost surely "0.5%" typed as a fraction. Kept, warned.
    _book(tmp_path)
    res = load_dataset(tmp_path, Config())
    assert [str(t.fee_rate) for t in res.dataset.transactions] == ["0.5", "0.005"]
    (w,) = res.warnings
    assert "transactions.csv:2: fee_rate: 0.5 is 50.0% per period" in str(w) and "did you mean 0.005?" in str(w)
