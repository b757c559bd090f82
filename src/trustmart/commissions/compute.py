"""The commission arithmetic, pure: no database, so every rule is unit-tested directly.

There are exactly two levels. ``line_commissions`` returns a ``LineSplit`` with two amounts and
nothing else: there is no way to express a third level.
"""

from __future__ import annotations

from typing import NamedTuple

from trustmart.core.money import Rounding, apply_bps


class LineSplit(NamedTuple):
    level1_fen: int
    level2_fen: int

    @property
    def total_fen(self) -> int:
        return self.level1_fen + self.level2_fen


def line_commissions(*, base_fen: int, level1_bps: int, level2_bps: int | None,
                     max_total_bps: int) -> LineSplit:
    """Level 1 at the product's rate, level 2 (``None`` = no level 2) at the policy's rate,
    each rounded down; together at most ``max_total_bps`` of the base, cutting level 2 first.
    Level 2 exists only on a line that pays level 1."""
    if base_fen <= 0:
        return LineSplit(0, 0)
    cap = apply_bps(base_fen, max_total_bps, rounding=Rounding.DOWN)
    level1 = min(apply_bps(base_fen, level1_bps, rounding=Rounding.DOWN), cap)
    if level1 == 0 or not level2_bps:
        return LineSplit(level1, 0)
    level2 = min(apply_bps(base_fen, level2_bps, rounding=Rounding.DOWN), cap - level1)
    return LineSplit(level1, level2)


def after_refund(*, level1_fen: int, level2_fen: int, level2_initial_fen: int,
                 line_commission_fen: int, paid_fen: int, total_refunded_fen: int) -> LineSplit:
    """The split after a refund, from the current amounts (``level1_fen``/``level2_fen``, 0
    for a level that is not live) and the line's new reserve ``line_commission_fen``.

    Level 2 keeps its share of what was not refunded, ``initial * (paid - refunded) // paid``;
    level 1 gets the rest of the reserve, so the pair sums to it exactly. Neither grows.
    """
    if line_commission_fen <= 0 or paid_fen <= 0 or total_refunded_fen >= paid_fen:
        return LineSplit(0, 0)
    total = min(line_commission_fen, level1_fen + level2_fen)
    if level1_fen == 0:
        return LineSplit(0, min(total, level2_fen))
    level2 = min(level2_initial_fen * (paid_fen - total_refunded_fen) // paid_fen,
                 level2_fen, total)
    level1 = total - level2
    if level1 > level1_fen:  # a rounding fen: level 2 keeps it rather than level 1 growing
        level1, level2 = level1_fen, total - level1_fen
    return LineSplit(level1, level2)
