"""The shipping fee as a pure function, so it is tested (and reused at checkout) without a DB."""

from __future__ import annotations

from typing import Protocol

# Short names: an address's province ("新疆维吾尔自治区", "海南省") matches by its start.
PROVINCES = [
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆",
    "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
]
DEFAULT_REMOTE_PROVINCES = ["新疆", "西藏", "青海", "内蒙古", "海南"]


class RuleLike(Protocol):
    flat_fee_fen: int
    free_over_fen: int | None
    remote_provinces: list[str]
    remote_surcharge_fen: int


def is_remote(remote_provinces: list[str], province: str | None) -> bool:
    if not province:
        return False
    name = province.strip()
    return any(r and name.startswith(r) for r in remote_provinces)


def shipping_fee_fen(rule: RuleLike | None, *, subtotal_fen: int, province: str | None) -> int:
    """No rule (or nothing bought) ships free; "free over" waives the flat fee only, a remote
    region's surcharge still applies because it is what the courier charges extra."""
    if rule is None or subtotal_fen <= 0:
        return 0
    fee = rule.flat_fee_fen
    if rule.free_over_fen is not None and subtotal_fen >= rule.free_over_fen:
        fee = 0
    if is_remote(list(rule.remote_provinces or []), province):
        fee += rule.remote_surcharge_fen
    return fee
