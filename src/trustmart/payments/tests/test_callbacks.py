"""Callbacks: logged, verified, deduplicated, amount-checked, applied exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.models import OutboxEvent
from trustmart.ledger.models import Journal
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.payments import services
from trustmart.payments.models import CallbackLog, Payment
from trustmart.payments.services import purposes

from .helpers import for_payment, logs, notification, post_callback, state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("books_stay_sound")]


@pytest.fixture
def payment(owner: User, merchant: Merchant) -> Payment:
    return services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                           amount_fen=merchant.deposit_required_fen,
                                           return_url=f"/pay/deposit/{merchant.pk}/")


def test_a_signed_success_over_http_pays_the_deposit(payment: Payment,
                                                     merchant: Merchant) -> None:
    response = post_callback(*for_payment(payment))
    assert response.status_code == 200
    assert response.json() == {"code": "SUCCESS"}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.provider_txn_id == f"SBX{payment.payment_no}"
    assert payment.paid_at is not None
    assert payment.ledger_reference == f"payment:{payment.payment_no}"
    journal = Journal.objects.get(reference=f"payment:{payment.payment_no}")
    sides = {(e.account.purpose, e.side, e.amount_fen) for e in journal.entries.all()}
    assert sides == {("external_payment_source", "debit", payment.amount_fen),
                     ("merchant_deposit", "credit", payment.amount_fen)}
    assert merchant_deposit_balance_fen(merchant=merchant) == payment.amount_fen
    merchant.refresh_from_db()
    assert merchant.deposit_ok
    event = OutboxEvent.objects.get(name="payment.succeeded")
    assert event.payload == {"payment_no": payment.payment_no, "purpose": "deposit",
                             "reference": f"merchant:{merchant.pk}",
                             "amount_fen": payment.amount_fen}
    assert logs() == [("applied", "succeeded")]


def test_the_same_callback_twice_books_one_journal(payment: Payment) -> None:
    headers, body = for_payment(payment)
    first = services.callback_handle(provider="sandbox", headers=headers, body=body)
    after_first = state()
    again = post_callback(headers, body)
    assert first.outcome == "applied"
    assert again.status_code == 200 and again.json() == {"code": "SUCCESS"}
    assert state() == after_first
    assert Journal.objects.filter(reference=f"payment:{payment.payment_no}").count() == 1
    assert OutboxEvent.objects.filter(name="payment.succeeded").count() == 1
    assert logs() == [("applied", "succeeded"), ("duplicate", "already processed")]


def test_a_fresh_notification_of_the_same_transaction_is_also_a_duplicate(
        payment: Payment) -> None:
    """A provider's retry is signed anew (new nonce and timestamp): still the same txn id."""
    headers, body = for_payment(payment)
    first = services.callback_handle(provider="sandbox", headers=headers, body=body)
    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        retry_headers, retry_body = for_payment(payment)
        assert retry_body != body
        result = services.callback_handle(provider="sandbox", headers=retry_headers,
                                          body=retry_body)
    assert (first.outcome, result.outcome) == ("applied", "duplicate")
    assert Journal.objects.count() == 1


def test_an_amount_mismatch_is_rejected_logged_and_changes_nothing(payment: Payment) -> None:
    before = state()
    response = post_callback(*notification(payment.payment_no, payment.amount_fen - 1))
    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    assert response.json()["message"] == "amount_mismatch"
    assert state() == before
    [(outcome, detail)] = logs()
    assert outcome == "rejected" and detail.startswith("amount_mismatch")
    log = CallbackLog.objects.get()
    assert log.payment_no == payment.payment_no
    assert log.headers["x-sandbox-signature"]
    assert str(payment.amount_fen - 1) in log.body


def test_an_unknown_payment_is_rejected_and_logged(payment: Payment) -> None:
    before = state()
    response = post_callback(*notification("f" * 24, 100_00))
    assert response.status_code == 400
    assert state() == before
    assert logs() == [("rejected", "unknown_payment")]


def test_an_unknown_provider_is_rejected_and_logged(payment: Payment) -> None:
    before = state()
    response = post_callback(*for_payment(payment), provider="wechatpay")
    assert response.status_code == 400
    assert response.json() == {"code": "FAIL", "message": "unknown_provider"}
    assert state() == before
    assert logs()[0][1] == "unknown_provider"
    assert CallbackLog.objects.get().provider == "wechatpay"


@pytest.mark.parametrize("tamper,code", [
    (lambda h, b: (h, b.replace(b'"outcome":"failed"', b'"outcome":"succeeded"')),
     "bad_signature"),
    (lambda h, b: ({**h, "X-Sandbox-Signature": "0" * 64}, b), "bad_signature"),
    (lambda h, b: ({k: v for k, v in h.items() if k != "X-Sandbox-Nonce"}, b),
     "malformed_callback"),
])
def test_forged_notifications_over_http_are_rejected(
        payment: Payment, tamper: Callable[..., tuple[dict[str, str], bytes]],
        code: str) -> None:
    before = state()
    headers, body = tamper(*for_payment(payment, "failed"))
    response = post_callback(headers, body)
    assert response.status_code == 400
    assert response.json()["message"] == code
    assert state() == before
    [(outcome, detail)] = logs()
    assert outcome == "rejected" and detail.startswith(code)


def test_a_stale_notification_over_http_is_rejected(payment: Payment) -> None:
    before = state()
    old = timezone.now() - timedelta(minutes=6)
    response = post_callback(*for_payment(payment, now=old))
    assert response.status_code == 400
    assert response.json()["message"] == "stale_timestamp"
    assert state() == before
    assert logs()[0][1].startswith("stale_timestamp")


def test_the_callback_endpoint_takes_only_post(payment: Payment) -> None:
    from django.test import Client

    assert Client().get("/pay/callback/sandbox/").status_code == 405


@pytest.mark.parametrize("outcome", ["failed", "cancelled"])
def test_failed_and_cancelled_close_the_payment_without_money(
        payment: Payment, merchant: Merchant, owner: User, outcome: str) -> None:
    assert post_callback(*for_payment(payment, outcome)).status_code == 200
    payment.refresh_from_db()
    assert payment.status == outcome
    assert payment.paid_at is None and payment.ledger_reference == ""
    assert Journal.objects.count() == 0
    merchant.refresh_from_db()
    assert not merchant.deposit_ok
    assert OutboxEvent.objects.filter(name=f"payment.{outcome}").count() == 1
    # The payment is closed for good: a later success for it is refused ...
    late = post_callback(*for_payment(payment, "succeeded"))
    assert late.status_code == 400
    assert late.json()["message"] == f"payment_already_{outcome}"
    payment.refresh_from_db()
    assert payment.status == outcome
    # ... and the payer retries with a new payment.
    retry = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                            amount_fen=payment.amount_fen)
    assert post_callback(*for_payment(retry)).status_code == 200
    merchant.refresh_from_db()
    assert merchant.deposit_ok
    assert merchant_deposit_balance_fen(merchant=merchant) == payment.amount_fen


def test_a_transaction_id_cannot_settle_two_payments(payment: Payment, owner: User,
                                                     merchant: Merchant) -> None:
    other = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                            amount_fen=payment.amount_fen)
    post_callback(*for_payment(payment, txn_id="SHARED-1"))
    before = state()
    response = post_callback(*for_payment(other, txn_id="SHARED-1"))
    assert response.status_code == 400
    assert response.json()["message"] == "txn_id_reused"
    assert state() == before


def test_a_payment_of_another_provider_is_unknown_to_the_sandbox(payment: Payment) -> None:
    Payment.objects.filter(pk=payment.pk).update(provider="wechatpay")
    assert post_callback(*for_payment(payment)).status_code == 400
    assert logs() == [("rejected", "unknown_payment")]


def test_a_purpose_without_a_handler_is_rejected_and_rolled_back(
        owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(purposes._handlers, Payment.Purpose.CHECKOUT)
    checkout = Payment.objects.create(payer=owner, purpose=Payment.Purpose.CHECKOUT,
                                      reference="order:1", amount_fen=99_00)
    before = state()
    response = post_callback(*for_payment(checkout))
    assert response.status_code == 400
    assert response.json()["message"] == "purpose_not_supported"
    assert state() == before
    checkout.refresh_from_db()
    assert checkout.status == Payment.Status.CREATED


def test_a_registered_purpose_handler_is_all_checkout_needs(
        owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    """The extension point the orders issue will use: one function per purpose."""
    paid: list[str] = []
    closed: list[str] = []

    def checkout_paid(payment: Payment) -> str:
        paid.append(payment.reference)
        return f"order-escrow:{payment.payment_no}"

    monkeypatch.setitem(purposes._handlers, Payment.Purpose.CHECKOUT, purposes.PurposeHandler(
        succeeded=checkout_paid, closed=lambda p: closed.append(p.reference)))
    first = services.payment_create(payer=owner, purpose=Payment.Purpose.CHECKOUT,
                                    reference="order:7", amount_fen=88_00)
    second = services.payment_create(payer=owner, purpose=Payment.Purpose.CHECKOUT,
                                     reference="order:8", amount_fen=66_00)
    post_callback(*for_payment(first))
    post_callback(*for_payment(first))
    post_callback(*for_payment(second, "cancelled"))
    assert paid == ["order:7"] and closed == ["order:8"]
    first.refresh_from_db()
    assert first.ledger_reference == f"order-escrow:{first.payment_no}"


def test_a_checkout_payment_naming_no_checkout_is_rejected_and_rolled_back(
        owner: User) -> None:
    payment = Payment.objects.create(payer=owner, purpose=Payment.Purpose.CHECKOUT,
                                     reference="order:1", amount_fen=99_00)
    before = state()
    response = post_callback(*for_payment(payment))
    assert response.status_code == 400
    assert response.json()["message"] == "bad_payment_reference"
    assert state() == before


def test_creating_a_payment_for_an_unhandled_purpose_is_refused(
        owner: User, monkeypatch: pytest.MonkeyPatch) -> None:
    from trustmart.core.errors import Conflict

    monkeypatch.delitem(purposes._handlers, Payment.Purpose.CHECKOUT)
    with pytest.raises(Conflict) as caught:
        services.payment_create(payer=owner, purpose=Payment.Purpose.CHECKOUT,
                                reference="order:1", amount_fen=100)
    assert caught.value.code == "purpose_not_supported"
    assert not Payment.objects.exists()
