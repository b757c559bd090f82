"""The carriers merchants ship with, and the shape of a tracking number (pure, no database).

A fixed list rather than a table: carriers change rarely, the codes are what carrier
aggregators (快递100, 快递鸟) use, and a deploy is how one is added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import invalid


@dataclass(frozen=True)
class Carrier:
    code: str
    name_zh: str
    name_en: str


CARRIERS: tuple[Carrier, ...] = (
    Carrier("SF", "顺丰速运", "SF Express"),
    Carrier("ZTO", "中通快递", "ZTO Express"),
    Carrier("YTO", "圆通速递", "YTO Express"),
    Carrier("STO", "申通快递", "STO Express"),
    Carrier("YD", "韵达快递", "Yunda Express"),
    Carrier("JD", "京东物流", "JD Logistics"),
    Carrier("EMS", "中国邮政EMS", "China Post EMS"),
    Carrier("JTSDEX", "极兔速递", "J&T Express"),
    Carrier("DBL", "德邦快递", "Deppon Express"),
    Carrier("YZPY", "邮政快递包裹", "China Post Parcel"),
)
CARRIERS_BY_CODE: dict[str, Carrier] = {c.code: c for c in CARRIERS}
CARRIER_CHOICES: list[tuple[str, str]] = [(c.code, c.name_zh) for c in CARRIERS]

TRACKING_NO_RE = re.compile(r"[A-Za-z0-9]{8,30}")


def carrier_clean(code: str) -> Carrier:
    """The carrier for ``code`` (case-insensitive), or InvalidInput "unknown_carrier"."""
    carrier = CARRIERS_BY_CODE.get((code or "").strip().upper())
    if carrier is None:
        raise invalid("carrier", _("Choose a carrier from the list."), code="unknown_carrier")
    return carrier


def tracking_no_clean(tracking_no: str) -> str:
    """Upper-cased, spaces removed; 8-30 letters or digits, else "invalid_tracking_no"."""
    value = (tracking_no or "").replace(" ", "").strip().upper()
    if not TRACKING_NO_RE.fullmatch(value):
        raise invalid("tracking_no", _("A tracking number has 8 to 30 letters or digits."),
                      code="invalid_tracking_no")
    return value
