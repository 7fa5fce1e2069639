"""Money and rate helpers. Decimal only: no float ever enters a money path."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

ROUNDING_MODES = {"ROUND_HALF_UP": ROUND_HALF_UP, "ROUND_HALF_EVEN": ROUND_HALF_EVEN}


def q(amount: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Quantize to the fen with the given decimal rounding constant."""
    return amount.quantize(FEN, rounding=rounding)


def q_down(amount: Decimal) -> Decimal:
    """Quantize to the fen, rounding toward zero (installment principal split)."""
    return amount.quantize(FEN, rounding=ROUND_DOWN)


def money_str(amount: Decimal) -> str:
    """Two-decimal string, no thousands separator: the JSON/CSV form of money."""
    return str(amount.quantize(FEN, rounding=ROUND_HALF_UP))


def rate_str(rate: Decimal, places: int = 4) -> str:
    """Decimal string with ``places`` decimals (contract: at least 4)."""
    return str(rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
