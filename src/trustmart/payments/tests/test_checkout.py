"""Paying a checkout (escrow), callbacks on it, late payments and order refunds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, NotFound
from trustmart.core.models import OutboxEvent
from trustmart.ledger.models import Hold
from trustmart.ledger.selectors import ledger_check
from trustmart.orders import services as orders_services
from trustmart.orders.models import Checkout, Order
from trustmart.payments import services
from trustmart.payments.models import Payment, Refund
from trustmart.payments.providers import PaymentProvider
from trustmart.payments.providers.sandbox import SandboxProvider

from .helpers import for_payment, logs, notification, post_callback

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("books_stay_sound")]
Capture = Callable[..., Any]


def pay(checkout: Checkout, buyer: User) -> Payment:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    services.sandbox_complete(user=buyer, payment_no=payment.payment_no, outcome="succeeded")
    payment.refresh_from_db()
    return payment


def escrow_holds(checkout: Checkout) -> list[tuple[str, int, str]]:
    return sorted((h.reference or "", h.amount_fen, h.status) for h in Hold.objects.filter(
        reference__in=[f"order:{o.order_no}:escrow" for o in checkout.orders.all()]))


def test_paying_a_checkout_through_the_sandbox_holds_each_order_in_escrow(
        checkout: Checkout, buyer: User) -> None:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    assert (payment.purpose, payment.reference) == ("checkout",
                                                    f"checkout:{checkout.checkout_no}")
    assert payment.amount_fen == checkout.total_fen
    assert payment.return_url == "/orders/"
    result = services.sandbox_complete(user=buyer, payment_no=payment.payment_no,
                                       outcome="succeeded")
    assert result.outcome == "applied"
    payment.refresh_from_db()
    checkout.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.ledger_reference == f"checkout:{checkout.checkout_no}"
    assert checkout.status == Checkout.Status.PAID
    orders = list(checkout.orders.order_by("pk"))
    assert len(orders) == 2
    assert {o.status for o in orders} == {Order.Status.PAID}
    assert escrow_holds(checkout) == sorted(
        (f"order:{o.order_no}:escrow", o.total_fen, Hold.Status.PENDING) for o in orders)
    assert sum(o.total_fen for o in orders) == payment.amount_fen
    assert not Refund.objects.exists()


def test_an_open_payment_is_reused_and_a_paid_checkout_is_not_payable(
        checkout: Checkout, buyer: User) -> None:
    first = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    again = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no,
                                             return_url="/orders/?tab=paid")
    assert again.pk == first.pk and again.return_url == "/orders/?tab=paid"
    services.sandbox_complete(user=buyer, payment_no=first.payment_no, outcome="succeeded")
    with pytest.raises(Conflict) as exc:
        services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    assert exc.value.code == "checkout_not_payable"
    assert Payment.objects.count() == 1


def test_a_failed_payment_is_not_reused(checkout: Checkout, buyer: User) -> None:
    first = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    services.sandbox_complete(user=buyer, payment_no=first.payment_no, outcome="failed")
    second = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    assert second.pk != first.pk
    checkout.refresh_from_db()
    assert checkout.status == Checkout.Status.AWAITING_PAYMENT


def test_an_expired_checkout_is_not_payable_and_nothing_is_created(
        checkout: Checkout, buyer: User) -> None:
    with (time_machine.travel(checkout.expires_at + timedelta(seconds=1)),
          pytest.raises(Conflict) as exc):
        services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    assert exc.value.code == "checkout_not_payable"
    assert not Payment.objects.exists()


def test_only_the_buyer_may_pay_a_checkout(checkout: Checkout, stranger: User) -> None:
    with pytest.raises(NotFound):
        services.checkout_payment_create(user=stranger, checkout_no=checkout.checkout_no)
    with pytest.raises(NotFound):
        services.checkout_payment_create(user=stranger, checkout_no="C-no-such")
    assert not Payment.objects.exists()


def test_a_replayed_checkout_callback_holds_once(checkout: Checkout, buyer: User) -> None:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    headers, body = for_payment(payment)
    assert post_callback(headers, body).status_code == 200
    assert post_callback(headers, body).status_code == 200
    assert logs() == [("applied", "succeeded"), ("duplicate", "already processed")]
    assert len(escrow_holds(checkout)) == 2
    assert Hold.objects.count() == 2
    assert OutboxEvent.objects.filter(name="order.paid").count() == 2


def test_a_callback_with_another_amount_is_refused_and_changes_nothing(
        checkout: Checkout, buyer: User) -> None:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    response = post_callback(*notification(payment.payment_no, 1))
    assert response.status_code == 400
    payment.refresh_from_db()
    checkout.refresh_from_db()
    assert payment.status == Payment.Status.CREATED
    assert checkout.status == Checkout.Status.AWAITING_PAYMENT
    assert not Hold.objects.exists()
    assert logs()[0][0] == "rejected" and "amount_mismatch" in logs()[0][1]


def test_money_arriving_after_the_checkout_expired_is_refunded_after_commit(
        checkout: Checkout, buyer: User, django_capture_on_commit_callbacks: Capture) -> None:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    with time_machine.travel(checkout.expires_at + timedelta(minutes=1)):
        assert orders_services.checkout_expire_due() == 1
        headers, body = for_payment(payment)
        with django_capture_on_commit_callbacks(execute=True):
            result = services.callback_handle(provider="sandbox", headers=headers, body=body)
    assert result.outcome == "applied"
    payment.refresh_from_db()
    checkout.refresh_from_db()
    assert checkout.status == Checkout.Status.EXPIRED
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.ledger_reference == ""
    assert payment.refunded_fen == payment.amount_fen
    refund = Refund.objects.get()
    assert (refund.reason, refund.status, refund.amount_fen, refund.reference) == (
        "late_payment", "succeeded", payment.amount_fen, f"payment:{payment.payment_no}:late")
    assert refund.provider_refund_id == f"SBXR{refund.refund_no}"
    assert not Hold.objects.exists()
    assert OutboxEvent.objects.filter(name="payment.refunded").count() == 1
    assert ledger_check() == []



def test_money_arriving_after_expiry_is_refunded_even_before_the_sweep_ran(
        checkout: Checkout, buyer: User, django_capture_on_commit_callbacks: Capture) -> None:
    from trustmart.catalog.models import Sku

    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    stock_before = sum(Sku.objects.values_list("stock", flat=True))
    with time_machine.travel(checkout.expires_at + timedelta(seconds=5)):
        headers, body = for_payment(payment)
        with django_capture_on_commit_callbacks(execute=True):
            services.callback_handle(provider="sandbox", headers=headers, body=body)
    checkout.refresh_from_db()
    payment.refresh_from_db()
    assert checkout.status == Checkout.Status.EXPIRED
    assert set(checkout.orders.values_list("status", flat=True)) == {"cancelled"}
    assert sum(Sku.objects.values_list("stock", flat=True)) > stock_before  # stock came back
    assert payment.refunded_fen == payment.amount_fen
    assert not Hold.objects.exists()
    assert ledger_check() == []

def test_a_refunded_order_is_refunded_through_the_provider_once(
        checkout: Checkout, buyer: User, django_capture_on_commit_callbacks: Capture) -> None:
    payment = pay(checkout, buyer)
    order = checkout.orders.order_by("pk").first()
    assert order is not None
    with django_capture_on_commit_callbacks(execute=True):
        orders_services.order_cancel(user=buyer, order_no=order.order_no, reason="不想要了")
    refund = Refund.objects.get()
    assert (refund.reason, refund.status, refund.amount_fen, refund.reference) == (
        "order_refunded", "succeeded", order.total_fen, f"order:{order.order_no}:refund")
    payment.refresh_from_db()
    assert payment.refunded_fen == order.total_fen
    assert payment.status == Payment.Status.SUCCEEDED
    # A redelivered event (or a second subscriber call) refunds nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = services.order_refund_issue(order_no=order.order_no,
                                            checkout_no=checkout.checkout_no,
                                            amount_fen=order.total_fen)
    assert again.pk == refund.pk
    payment.refresh_from_db()
    assert payment.refunded_fen == order.total_fen
    assert Refund.objects.count() == 1
    assert Hold.objects.get(reference=f"order:{order.order_no}:escrow").status == "voided"


def test_an_after_sale_refund_of_a_shipped_order_goes_back_through_the_provider(
        checkout: Checkout, buyer: User, django_capture_on_commit_callbacks: Capture) -> None:
    payment = pay(checkout, buyer)
    order = checkout.orders.order_by("pk").first()
    assert order is not None
    orders_services.order_ship(order_no=order.order_no)
    line = order.lines.order_by("pk").first()
    assert line is not None
    with django_capture_on_commit_callbacks(execute=True):
        orders_services.order_refund(order_no=order.order_no, amount_fen=300,
                                     lines={line.pk: 300}, reason="破损",
                                     reference="case:C1:refund")
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_fen, refund.reference) == (
        "succeeded", 300, "case:C1:refund")
    payment.refresh_from_db()
    assert payment.refunded_fen == 300


def test_a_refund_larger_than_the_payment_is_refused(checkout: Checkout, buyer: User) -> None:
    payment = pay(checkout, buyer)
    with pytest.raises(Conflict) as exc:
        services.refund_request(payment=payment, amount_fen=payment.amount_fen + 1,
                                reason=Refund.Reason.ORDER_REFUNDED, reference="order:x:refund")
    assert exc.value.code == "refund_exceeds_payment"
    assert not Refund.objects.exists()


def test_a_provider_that_cannot_refund_leaves_the_refund_failed(
        checkout: Checkout, buyer: User, monkeypatch: pytest.MonkeyPatch) -> None:
    payment = pay(checkout, buyer)
    monkeypatch.setattr(SandboxProvider, "refund", PaymentProvider.refund)
    refund = services.refund_request(payment=payment, amount_fen=100,
                                     reason=Refund.Reason.ORDER_REFUNDED,
                                     reference="order:x:refund")
    refund = services.refund_issue(refund_no=refund.refund_no)
    assert refund.status == Refund.Status.FAILED
    assert refund.last_error.startswith("refund_not_supported")
    payment.refresh_from_db()
    assert payment.refunded_fen == 0


def test_a_pending_refund_is_retried_by_the_sweep(checkout: Checkout, buyer: User) -> None:
    payment = pay(checkout, buyer)
    refund = services.refund_request(payment=payment, amount_fen=100,
                                     reason=Refund.Reason.ORDER_REFUNDED,
                                     reference="order:x:refund")
    assert services.refunds_issue_pending() == 0  # too fresh: its after-commit call owns it
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert services.refunds_issue_pending() == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED


def test_a_second_payment_of_a_paid_checkout_is_refunded_whole(
        checkout: Checkout, buyer: User, django_capture_on_commit_callbacks: Capture) -> None:
    first = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no)
    second = services.payment_create(payer=buyer, purpose=Payment.Purpose.CHECKOUT,
                                     reference=first.reference, amount_fen=first.amount_fen)
    with django_capture_on_commit_callbacks(execute=True):
        services.sandbox_complete(user=buyer, payment_no=first.payment_no, outcome="succeeded")
        services.sandbox_complete(user=buyer, payment_no=second.payment_no, outcome="succeeded")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.refunded_fen, second.refunded_fen) == (0, second.amount_fen)
    assert Refund.objects.get().payment == second
    assert len(escrow_holds(checkout)) == Hold.objects.count() == 2
