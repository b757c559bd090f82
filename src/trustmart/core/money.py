"""Money is an integer number of fen; rates are basis points (1/10000).

No float ever touches an amount. Every division states its rounding.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum

FEN_PER_YUAN = 100
BPS_DENOMINATOR = 10_000


class Rounding(Enum):
    """How a fractional fen is resolved. Pick one explicitly at every call site."""

    DOWN = ROUND_DOWN  # toward zero: what we pay out (commissions) never exceeds the rate
    HALF_UP = ROUND_HALF_UP  # what a customer expects on a receipt
    HALF_EVEN = ROUND_HALF_EVEN  # banker's rounding: unbiased over many lines


def _check_fen(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"money must be an int number of fen, got {type(amount).__name__}")
    return amount


def format_fen(amount_fen: int, *, symbol: str = "¥") -> str:
    """``1234`` → ``¥12.34``; ``-5`` → ``-¥0.05``; thousands are not grouped (as on receipts)."""
    _check_fen(amount_fen)
    sign = "-" if amount_fen < 0 else ""
    yuan, fen = divmod(abs(amount_fen), FEN_PER_YUAN)
    return f"{sign}{symbol}{yuan}.{fen:02d}"


def parse_yuan(text: str) -> int:
    """``"12.34"`` or ``"¥12.3"`` → fen. Refuses more than two decimals instead of rounding."""
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)


def apply_bps(amount_fen: int, rate_bps: int, *, rounding: Rounding) -> int:
    """The part of ``amount_fen`` that ``rate_bps`` basis points stand for, rounded as told."""
    _check_fen(amount_fen)
    _check_fen(rate_bps)
    if rate_bps < 0:
        raise ValueError("a rate cannot be negative")
    exact = Decimal(amount_fen) * rate_bps / BPS_DENOMINATOR
    return int(exact.quantize(Decimal(1), rounding=rounding.value))


def split_pro_rata(total_fen: int, weights: list[int]) -> list[int]:
    """Split ``total_fen`` across ``weights`` so the parts sum exactly to the total.

    Largest-remainder method: each part is rounded down, then the leftover fen go one by one
    to the parts with the largest remainders (earliest first on ties), so no fen is lost or made.
    """
    _check_fen(total_fen)
    if total_fen < 0:
        raise ValueError("total must not be negative")
    if not weights or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative and not empty")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    parts = [total_fen * w // weight_sum for w in weights]
    remainders = [total_fen * w % weight_sum for w in weights]
    leftover = total_fen - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        parts[i] += 1
    return parts
