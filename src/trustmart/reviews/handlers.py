"""What the reviews app does when orders and after-sales tell it something happened.

Each handler runs once per event (the outbox records it) and is also idempotent on its own:
due rows are get-or-create, credit facts have unique keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from trustmart.aftersales.events import CASE_CLOSED, CASE_OPENED, CaseOpened
from trustmart.core.events import Event, subscribe
from trustmart.orders.events import ORDER_RECEIVED, ORDER_REFUNDED, ORDER_SETTLED, ORDER_SHIPPED
from trustmart.orders.models import Order, OrderLine

from . import services
from .models import SubjectType


def _when(value: Any, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return default
    return default


@subscribe(ORDER_RECEIVED)
def on_order_received(event: Event) -> None:
    services.review_dues_create(order_no=ORDER_RECEIVED.data(event).order_no)


@subscribe(ORDER_REFUNDED)
def on_order_refunded(event: Event) -> None:
    services.reviews_refund_apply(order_no=ORDER_REFUNDED.data(event).order_no)


@subscribe(ORDER_SETTLED)
def on_order_settled(event: Event) -> None:
    """A completed transaction for the merchant, each store a line went through, the buyer."""
    settled = ORDER_SETTLED.data(event)
    order = Order.objects.filter(order_no=settled.order_no).first()
    if order is None:
        return
    key = order.order_no
    services.credit_fact_add(subject_type=SubjectType.MERCHANT,
                             subject_id=settled.merchant_id or order.merchant_id,
                             kind="completed", key=key, occurred_at=event.created_at)
    store_ids = {line.store_id for line in settled.lines}
    if not settled.lines:
        store_ids = set(order.lines.values_list("store_id", flat=True))
    for store_id in sorted(s for s in store_ids if s):
        services.credit_fact_add(subject_type=SubjectType.STORE, subject_id=store_id,
                                 kind="completed", key=key, occurred_at=event.created_at)
    services.credit_fact_add(subject_type=SubjectType.USER, subject_id=order.buyer_id,
                             kind="completed", key=key, occurred_at=event.created_at)


@subscribe(ORDER_SHIPPED)
def on_order_shipped(event: Event) -> None:
    """Shipping time (paid → shipped) for the merchant's average."""
    shipped = ORDER_SHIPPED.data(event)
    shipped_at = _when(shipped.shipped_at, event.created_at)
    paid_at = _when(shipped.paid_at, shipped_at)
    seconds = max(int((shipped_at - paid_at).total_seconds()), 0)
    services.credit_fact_add(subject_type=SubjectType.MERCHANT,
                             subject_id=shipped.merchant_id, kind="shipped",
                             key=shipped.order_no, value=seconds, occurred_at=shipped_at)


def _case_parties(case: CaseOpened) -> tuple[int | None, int | None, int | None]:
    """(merchant, store, buyer) of a case, from its payload or else from its order."""
    merchant_id, store_id, buyer_id = case.merchant_id, case.store_id, case.buyer_id
    if merchant_id is None or buyer_id is None:
        order = Order.objects.filter(order_no=case.order_no).first()
        if order is not None:
            merchant_id, buyer_id = order.merchant_id, order.buyer_id
    if store_id is None and case.line_id:
        store_id = (OrderLine.objects.filter(pk=case.line_id)
                    .values_list("store_id", flat=True).first())
    return merchant_id, store_id, buyer_id


@subscribe(CASE_OPENED)
def on_case_opened(event: Event) -> None:
    """A dispute: counted for the merchant, the store the line came through and the buyer."""
    case = CASE_OPENED.data(event)
    key = case.case_no or str(event.id)
    merchant_id, store_id, buyer_id = _case_parties(case)
    for subject_type, subject_id in ((SubjectType.MERCHANT, merchant_id),
                                     (SubjectType.STORE, store_id),
                                     (SubjectType.USER, buyer_id)):
        if subject_id:
            services.credit_fact_add(subject_type=subject_type, subject_id=subject_id,
                                     kind="case_opened", key=key, occurred_at=event.created_at)


@subscribe(CASE_CLOSED)
def on_case_closed(event: Event) -> None:
    """A counterfeit judgment (假货) goes on the merchant's record."""
    case = CASE_CLOSED.data(event)
    if not case.counterfeit:
        return
    merchant_id, _store_id, _buyer_id = _case_parties(case)
    if merchant_id:
        services.credit_fact_add(subject_type=SubjectType.MERCHANT, subject_id=merchant_id,
                                 kind="counterfeit", key=case.case_no or str(event.id),
                                 occurred_at=event.created_at)
