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


def rate_str(rate: Decimal, places: int = 4, *, exact: bool = False, as_written: bool = False) -> str:
    """Decimal string with ``places`` decimals (contract: at least 4), rounded half up: the one
    rate formatter of every output.

    ``exact=True`` (a configured rate is a contract term): at least ``places`` decimals and never
    rounded (0.004 -> "0.0040", 0.00625 -> "0.00625").
    ``as_written=True``: at least ``places`` decimals and every place the value was written with
    (a configured "0.006250" stays "0.006250").
    """
    if as_written:
        exponent = rate.as_tuple().exponent
        places = max(places, -exponent if isinstance(exponent, int) else places)
    shown = rate.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if exact and shown != rate:
        return format(rate.normalize(), "f")
    return str(shown)


def percent_str(rate: Decimal, places: int = 2) -> str:
    """A rate as a percent for people, rounded half up: 0.10899 -> "10.90%"."""
    return str((rate * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)) + "%"


def dec(fen: int) -> Decimal:
    """Integer fen -> Decimal yuan with exactly two places (``10600 -> Decimal('106.00')``)."""
    return Decimal(fen).scaleb(-2)


def fen_str(fen: int) -> str:
    """Integer fen -> the contract money string (``10600 -> '106.00'``, ``-5 -> '-0.05'``)."""
    if fen < 0:
        return "-" + fen_str(-fen)
    return f"{fen // 100}.{fen % 100:02d}"


def to_fen(amount: Decimal) -> int:
    """Decimal yuan with at most two decimals -> integer fen. More decimals is a programming error."""
    v = amount * 100             # = amount.scaleb(2) (exact: no digit is added), about twice as fast
    i = int(v)
    if i != v:
        raise ValueError(f"amount with more than 2 decimals reached the engine: {amount}")
    return i
