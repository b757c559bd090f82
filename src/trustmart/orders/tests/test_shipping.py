"""The shipping fee function, without the database."""

from __future__ import annotations

from trustmart.orders.models import ShippingRule
from trustmart.orders.shipping import shipping_fee_fen


def rule(**kw: object) -> ShippingRule:
    fields: dict[str, object] = {"flat_fee_fen": 800, "free_over_fen": None,
                                 "remote_provinces": ["新疆", "西藏"], "remote_surcharge_fen": 1500}
    fields.update(kw)
    return ShippingRule(**fields)


def test_no_rule_ships_free() -> None:
    assert shipping_fee_fen(None, subtotal_fen=10_000, province="新疆") == 0


def test_flat_fee() -> None:
    assert shipping_fee_fen(rule(), subtotal_fen=10_000, province="浙江省") == 800


def test_free_over_an_amount_waives_the_flat_fee_from_that_amount() -> None:
    r = rule(free_over_fen=9_900)
    assert shipping_fee_fen(r, subtotal_fen=9_899, province="浙江") == 800
    assert shipping_fee_fen(r, subtotal_fen=9_900, province="浙江") == 0


def test_remote_surcharge_matches_full_province_names_and_survives_free_shipping() -> None:
    r = rule(free_over_fen=5_000)
    assert shipping_fee_fen(r, subtotal_fen=1_000, province="新疆维吾尔自治区") == 2_300
    assert shipping_fee_fen(r, subtotal_fen=9_000, province="西藏") == 1_500
    assert shipping_fee_fen(r, subtotal_fen=9_000, province=None) == 0


def test_nothing_selected_ships_free() -> None:
    assert shipping_fee_fen(rule(), subtotal_fen=0, province="新疆") == 0
