"""Signals of fake orders (刷单) checked when an order is paid.

A line whose buyer looks like one of its earners is not refused: its commissions are flagged for
an operator to review, with the reason codes below. Each check is one query.
"""

from __future__ import annotations

from trustmart.accounts.models import User
from trustmart.orders.models import Address, Order
from trustmart.payments.models import Payment
from trustmart.payments.selectors import checkout_reference
from trustmart.sharing.selectors import devices_of_user, last_visit_at

SHARED_DEVICE = "shared_device"
ADDRESS_MOBILE = "address_mobile"
EARNER_ADDRESS = "earner_address"
SAME_PAYER = "same_payer"
FAST_CLICK_TO_PAY = "fast_click_to_pay"
REASONS = (SHARED_DEVICE, ADDRESS_MOBILE, EARNER_ADDRESS, SAME_PAYER, FAST_CLICK_TO_PAY)


def _norm(text: object) -> str:
    return "".join(str(text or "").split()).lower()


def _address_key(province: object, city: object, district: object, detail: object) -> tuple[
        str, ...]:
    return (_norm(province), _norm(city), _norm(district), _norm(detail))


def _payers(order: Order) -> set[int]:
    return set(Payment.objects.filter(
        purpose=Payment.Purpose.CHECKOUT, status=Payment.Status.SUCCEEDED,
        reference=checkout_reference(order.checkout.checkout_no)).values_list("payer_id",
                                                                              flat=True))


def fraud_reasons(*, order: Order, earners: list[int], share_code: str,
                  min_click_to_pay_seconds: int) -> list[str]:
    """Which signals link the buyer of ``order`` to any of ``earners`` (sorted codes)."""
    reasons: set[str] = set()
    buyer_devices = devices_of_user(user_id=order.buyer_id)
    address = order.address or {}
    order_key = _address_key(address.get("province"), address.get("city"),
                             address.get("district"), address.get("detail"))
    mobiles = dict(User.objects.filter(pk__in=earners).values_list("pk", "mobile"))
    payers = _payers(order)
    for earner in earners:
        if earner == order.buyer_id:
            continue  # self-purchase has its own rule in the policy
        if buyer_devices and buyer_devices & devices_of_user(user_id=earner):
            reasons.add(SHARED_DEVICE)
        if address.get("mobile") and address.get("mobile") == mobiles.get(earner):
            reasons.add(ADDRESS_MOBILE)
        earner_keys = {_address_key(a.province, a.city, a.district, a.detail)
                       for a in Address.objects.filter(user_id=earner)}
        if order_key in earner_keys:
            reasons.add(EARNER_ADDRESS)
        if earner in payers:
            reasons.add(SAME_PAYER)
    if share_code and min_click_to_pay_seconds and order.paid_at is not None:
        visited = last_visit_at(user_id=order.buyer_id, share_code=share_code)
        if visited is not None and visited <= order.paid_at \
                and (order.paid_at - visited).total_seconds() < min_click_to_pay_seconds:
            reasons.add(FAST_CLICK_TO_PAY)
    return sorted(reasons)
