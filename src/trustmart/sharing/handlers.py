"""Reactions of the sharing app to news from higher apps (order events) and to logins.

The order handlers read the typed payload ``event.data`` (``orders.events.OrderPaid`` and
``OrderRefunded``; sharing sits below orders and never imports it); they are idempotent by
line id, so a redelivered event changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from trustmart.core.events import Event, subscribe

from . import services
from .session import binding_from_session


@subscribe("order.paid")
def on_order_paid(event: Event) -> None:
    paid = event.data
    services.share_sales_record(order_no=paid.order_no, lines=[
        services.SaleLine(line_id=line.line_id, paid_fen=line.paid_fen,
                          share_code=line.share_code) for line in paid.lines])
    # 锁客 is renewed by a purchase through the bound sharer's store.
    store_ids = {line.store_id for line in paid.lines if line.store_id}
    if store_ids:
        services.bindings_renew_by_purchase(buyer_id=paid.buyer_id, store_ids=store_ids)


@subscribe("order.refunded")
def on_order_refunded(event: Event) -> None:
    refunded = event.data
    services.share_sales_refund(lines=[
        services.RefundLine(line_id=line.line_id, total_refunded_fen=line.total_refunded_fen)
        for line in refunded.lines or ()])


@receiver(user_logged_in, dispatch_uid="trustmart.sharing.bind_on_login")
def bind_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # An anonymous visitor who arrived through a share is bound once they log in or sign up.
    if request is not None and hasattr(request, "session"):
        binding_from_session(request, user)
