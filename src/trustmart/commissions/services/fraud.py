"""Signals of fake orders (刷单) checked when an order is paid.

A line whose buyer looks like one of its earners is not refused: its commissions are flagged for
an operator to review, with the reason codes below. Each check is one query.
"""

from __future__ import annotations

from datetime import datetime

from trustmart.accounts.models import User
from trustmart.orders.models import Address, Order
from trustmart.payments.models import Payment
from trustmart.payments.selectors import checkout_reference
from trustmart.sharing.models import Share, Visit

SHARED_DEVICE = "shared_device"
ADDRESS_MOBILE = "address_mobile"
EARNER_ADDRESS = "earner_address"
SAME_PAYER = "same_payer"
FAST_CLICK_TO_PAY = "fast_click_to_pay"
REASONS = (SHARED_DEVICE, ADDRESS_MOBILE, EARNER_ADDRESS, SAME_PAYER, FAST_CLICK_TO_PAY)


def devices_of_user(*, user_id: int) -> set[str]:
    """Device ids a user was seen with: the ones their share visits came from.
    (Local stand-in for ``sharing.selectors.devices_of_user`` until sharing provides it.)"""
    return set(Visit.objects.filter(visitor_id=user_id).exclude(device_id="")
               .values_list("device_id", flat=True))


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


def _last_visit_at(buyer_id: int, share_code: str, before: datetime) -> datetime | None:
    share_id = Share.objects.filter(code=share_code).values_list("pk", flat=True).first()
    if share_id is None:
        return None
    return (Visit.objects.filter(share_id=share_id, visitor_id=buyer_id, created_at__lte=before)
            .order_by("-created_at").values_list("created_at", flat=True).first())


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
        visited = _last_visit_at(order.buyer_id, share_code, order.paid_at)
        if visited is not None and (order.paid_at - visited).total_seconds() \
                < min_click_to_pay_seconds:
            reasons.add(FAST_CLICK_TO_PAY)
    return sorted(reasons)
