"""The refund lifecycle at service level: pending → processing → succeeded or failed, each
final state reached once whichever path (answer, notification, query) gets there first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, NotFound
from trustmart.core.models import OutboxEvent
from trustmart.payments import services
from trustmart.payments.models import Payment, Refund
from trustmart.payments.providers import (
    ProviderError,
    RefundNotSupported,
    RefundResult,
    RefundStatus,
)
from trustmart.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def refund(owner: User) -> Refund:
    payment = Payment.objects.create(
        payer=owner, purpose="deposit", reference="merchant:1", amount_fen=500_00,
        status=Payment.Status.SUCCEEDED, provider_txn_id="SBX1", paid_at=timezone.now())
    return services.refund_request(payment=payment, amount_fen=200_00,
                                   reason=Refund.Reason.ORDER_REFUNDED,
                                   reference="order:X1:refund")


def seen(refund: Refund) -> tuple[object, ...]:
    refund.refresh_from_db()
    refund.payment.refresh_from_db()
    return (refund.status, refund.payment.refunded_fen,
            OutboxEvent.objects.filter(name="payment.refunded").count())


def result(status: RefundStatus, detail: str = "") -> RefundResult:
    return RefundResult(provider_refund_id="P1", status=status, detail=detail)


def test_a_final_state_is_recorded_once_and_never_reopened(refund: Refund) -> None:
    assert services.refund_record(refund=refund, result=result(RefundStatus.PROCESSING))
    assert seen(refund) == ("processing", 0, 0)
    assert services.refund_record(refund=refund, result=result(RefundStatus.SUCCEEDED))
    assert not services.refund_record(refund=refund, result=result(RefundStatus.SUCCEEDED))
    assert not services.refund_record(refund=refund, result=result(RefundStatus.PROCESSING))
    assert not services.refund_record(refund=refund, result=result(RefundStatus.FAILED, "x"))
    assert seen(refund) == ("succeeded", 200_00, 1)
    assert refund.provider_refund_id == "P1" and refund.refunded_at is not None


def test_a_failed_refund_keeps_the_reason_and_is_not_counted(refund: Refund) -> None:
    assert services.refund_record(refund=refund,
                                  result=result(RefundStatus.FAILED, "refund_abnormal"))
    assert not services.refund_record(refund=refund, result=result(RefundStatus.SUCCEEDED))
    assert seen(refund) == ("failed", 0, 0)
    assert refund.last_error == "refund_abnormal"


def test_no_answer_keeps_it_pending_and_a_refusal_fails_it(
        refund: Refund, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_answer(*_args: object, **_kwargs: object) -> RefundResult:
        raise ProviderError(detail="HTTP 503")

    monkeypatch.setattr(SandboxProvider, "refund", no_answer)
    assert services.refund_issue(refund_no=refund.refund_no).status == "pending"
    assert seen(refund) == ("pending", 0, 0)
    assert refund.last_error == "payment_provider_error: HTTP 503"

    def refused(*_args: object, **_kwargs: object) -> RefundResult:
        raise RefundNotSupported()

    monkeypatch.setattr(SandboxProvider, "refund", refused)
    assert services.refund_issue(refund_no=refund.refund_no).status == "failed"
    assert seen(refund) == ("failed", 0, 0)


def test_the_poll_job_leaves_a_refund_it_cannot_query_processing(
        refund: Refund, monkeypatch: pytest.MonkeyPatch) -> None:
    services.refund_record(refund=refund, result=result(RefundStatus.PROCESSING))

    def no_answer(*_args: object, **_kwargs: object) -> RefundResult:
        raise ProviderError(detail="timeout")

    monkeypatch.setattr(SandboxProvider, "refund_query", no_answer)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert services.refunds_poll_processing() == 0
    assert seen(refund) == ("processing", 0, 0)
    monkeypatch.undo()
    assert services.refunds_poll_processing() == 0  # too young to ask about
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert services.refunds_poll_processing() == 1  # the sandbox says succeeded
    assert seen(refund) == ("succeeded", 200_00, 1)


def test_the_jobs_are_registered() -> None:
    from trustmart.core.jobs import registered_jobs

    every = {job.name: job.every_seconds for job in registered_jobs()}
    assert every["payments.refunds_poll"] == 300
    assert every["payments.refunds_retry"] == 120
    assert every["payments.wechatpay_certificates_refresh"] == 12 * 3600


def test_an_operator_tries_a_failed_refund_again_once(
        refund: Refund, owner: User, operator: User,
        django_capture_on_commit_callbacks: Any) -> None:
    assert services.refund_record(refund=refund, result=result(RefundStatus.FAILED, "closed"))
    with pytest.raises(NotFound):
        services.refund_retry(user=owner, refund_no=refund.refund_no)  # operators only
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.refund_retry(user=operator, refund_no=refund.refund_no)
    assert retried.status == Refund.Status.PENDING and retried.last_error == ""
    # Issued after commit through the payment's provider (the sandbox refunds at once).
    assert seen(refund) == ("succeeded", 200_00, 1)
    with pytest.raises(Conflict) as exc:
        services.refund_retry(user=operator, refund_no=refund.refund_no)
    assert exc.value.code == "refund_not_failed"


def test_a_retry_never_refunds_more_than_was_paid(refund: Refund, operator: User) -> None:
    services.refund_record(refund=refund, result=result(RefundStatus.FAILED, "closed"))
    services.refund_request(payment=refund.payment, amount_fen=400_00,
                            reason=Refund.Reason.ORDER_REFUNDED, reference="order:X2:refund")
    with pytest.raises(Conflict) as exc:
        services.refund_retry(user=operator, refund_no=refund.refund_no)
    assert exc.value.code == "refund_exceeds_payment"
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED


def test_the_admin_action_retries_the_selected_failed_refunds(
        refund: Refund, operator: User, django_capture_on_commit_callbacks: Any) -> None:
    from django.test import Client

    services.refund_record(refund=refund, result=result(RefundStatus.FAILED, "closed"))
    client = Client()
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/payments/refund/", {
            "action": "retry", "_selected_action": [refund.pk]}, follow=True)
    assert response.status_code == 200
    assert seen(refund) == ("succeeded", 200_00, 1)
