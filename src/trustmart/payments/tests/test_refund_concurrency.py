"""Real threads against PostgreSQL: a refund notification and the poll job finalise the same
refund at once; the money is counted and announced exactly once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.models import OutboxEvent
from trustmart.payments import services
from trustmart.payments.models import CallbackLog, Payment, Refund
from trustmart.payments.providers import wechatpay as wechatpay_module

from .test_concurrency import run_threads
from .test_provider_wechatpay import configured
from .test_refund_wechatpay import FakeWechat, refund_notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOTIFICATIONS = POLLS = 4


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")


@pytest.fixture(scope="module")
def keys() -> tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey, bytes]:
    def make() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    return make(), make(), secrets.token_hex(16).encode()


@pytest.fixture
def fake(keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey, bytes],
         monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWechat]:
    merchant_key, platform_key, apiv3_key = keys
    fake = FakeWechat(merchant_key, platform_key, refund_status="PROCESSING",
                      query_status="SUCCESS")
    monkeypatch.setattr(wechatpay_module, "urllib_transport", fake)
    with override_settings(**configured(merchant_key, platform_key, apiv3_key)):
        yield fake


def test_the_notification_and_the_poll_job_racing_refund_once(
        fake: FakeWechat, keys: tuple[rsa.RSAPrivateKey, rsa.RSAPrivateKey, bytes],
        owner: User) -> None:
    _merchant_key, platform_key, apiv3_key = keys
    payment = Payment.objects.create(
        payer=owner, purpose="deposit", reference="merchant:1", amount_fen=500_00,
        provider="wechatpay", status=Payment.Status.SUCCEEDED, provider_txn_id="4200000001",
        paid_at=timezone.now())
    refund = services.refund_request(payment=payment, amount_fen=200_00,
                                     reason=Refund.Reason.ORDER_REFUNDED,
                                     reference="order:X1:refund")
    assert services.refund_issue(refund_no=refund.refund_no).status == "processing"
    # Old enough for the poll job to ask about it.
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    notes = [refund_notification(platform_key, apiv3_key, refund) for _ in range(NOTIFICATIONS)]

    def work(i: int) -> str:
        if i < NOTIFICATIONS:
            headers, body = notes[i]
            return services.refund_callback_handle(provider="wechatpay", headers=headers,
                                                   body=body).outcome
        return f"polled:{services.refunds_poll_processing()}"

    results, errors = run_threads(work, NOTIFICATIONS + POLLS)
    assert errors == []
    applied = results.count("applied") + results.count("polled:1")
    assert applied == 1, results
    assert results.count("duplicate") == NOTIFICATIONS - results.count("applied")
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.refunded_fen == 200_00
    assert OutboxEvent.objects.filter(name="payment.refunded").count() == 1
    assert CallbackLog.objects.filter(kind="refund").count() == NOTIFICATIONS
