"""Credit levels (信誉等级): points → a tier of hearts, diamonds or crowns.

Merchants and stores earn one point per counted positive review and lose one per counted
negative review (neutral is zero), over all time. Buyers earn one point per completed purchase.
The thresholds are the lower bound of each level; level 0 is "new".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (lowest points, symbol kind, symbols shown)
THRESHOLDS: tuple[tuple[int, str, int], ...] = (
    (1, "heart", 1), (4, "heart", 2), (11, "heart", 3), (41, "heart", 4), (91, "heart", 5),
    (151, "diamond", 1), (251, "diamond", 2), (501, "diamond", 3), (1001, "diamond", 4),
    (2001, "diamond", 5),
    (5001, "crown", 1), (10001, "crown", 2), (20001, "crown", 3), (50001, "crown", 4),
    (100001, "crown", 5),
)
SYMBOLS = {"heart": "♥", "diamond": "◆", "crown": "♛"}
KIND_NAMES: dict[str, str | Promise] = {"heart": _("hearts"), "diamond": _("diamonds"),
                                        "crown": _("crowns")}


@dataclass(frozen=True)
class Level:
    number: int
    kind: str  # "new", "heart", "diamond", "crown"
    count: int
    min_points: int

    @property
    def symbols(self) -> str:
        return SYMBOLS.get(self.kind, "") * self.count


def level_for(points: int) -> int:
    level = 0
    for number, (low, _kind, _count) in enumerate(THRESHOLDS, start=1):
        if points >= low:
            level = number
    return level


def level_info(number: int) -> Level:
    if number <= 0:
        return Level(0, "new", 0, 0)
    low, kind, count = THRESHOLDS[min(number, len(THRESHOLDS)) - 1]
    return Level(number, kind, count, low)


def all_levels() -> list[Level]:
    return [level_info(n) for n in range(len(THRESHOLDS) + 1)]
