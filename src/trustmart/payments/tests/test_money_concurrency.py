"""Real threads against PostgreSQL: the notification, the query job and the close racing for
one payment pay it at most once and agree with the provider; two payout jobs and a retry make
one transfer call (to the fake WeChat Pay over HTTPS) and move the money once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict
from trustmart.core.models import OutboxEvent
from trustmart.ledger.models import Hold
from trustmart.ledger.selectors import ledger_check
from trustmart.orders.models import Checkout
from trustmart.payments import services
from trustmart.payments.models import Payment, Payout, SandboxRecord, WechatOpenid
from trustmart.payments.providers import ClientKind

from .conftest import WX_OA_APPID
from .test_concurrency import run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")


@pytest.mark.parametrize("round_", range(3))
def test_notification_query_job_and_close_settle_a_payment_once(
        checkout: Checkout, buyer: User, round_: int) -> None:
    payment = services.checkout_payment_create(user=buyer, checkout_no=checkout.checkout_no,
                                               client=ClientKind.WECHAT)
    services.payment_start(user=buyer, payment_no=payment.payment_no)
    # Past the payment's own deadline (the checkout is still open): the sweep closes it.
    Payment.objects.filter(pk=payment.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1),
        created_at=timezone.now() - timedelta(minutes=10))

    def work(i: int) -> str:
        if i < 3:  # the payer pays in WeChat; the notification comes
            try:
                return str(services.sandbox_complete(user=buyer, payment_no=payment.payment_no,
                                                     outcome="succeeded").outcome)
            except Conflict as exc:
                return exc.code
        try:
            return services.payment_sweep_one(payment_no=payment.payment_no)
        except Exception as exc:
            return f"error:{exc}"

    results, errors = run_threads(work, 8)
    assert errors == [] and not [r for r in results if r.startswith("error")], results
    payment.refresh_from_db()
    trade = SandboxRecord.objects.get(kind="trade", number=payment.payment_no)
    checkout.refresh_from_db()
    if trade.state == "SUCCESS":  # the payer won: paid, exactly once
        assert payment.status == "succeeded"
        assert checkout.status == Checkout.Status.PAID
        assert Hold.objects.filter(kind="order_escrow").count() == checkout.orders.count()
        assert OutboxEvent.objects.filter(name="payment.succeeded").count() == 1
        assert OutboxEvent.objects.filter(name="order.paid").count() == checkout.orders.count()
    else:  # the close won: nothing paid, nothing booked
        assert trade.state == "CLOSED" and payment.status in ("cancelled", "failed")
        assert not Hold.objects.filter(kind="order_escrow").exists()
        assert Counter(results)["payment_closed"] == 3
    assert ledger_check() == []


def test_two_payout_jobs_and_a_retry_make_one_transfer_and_one_ledger_movement(
        fake_wechat: Any, buyer: User, monkeypatch: Any) -> None:
    from trustmart.payments.services import payouts as payouts_module

    from .test_wechat_https import _fund_wallet

    WechatOpenid.objects.create(user=buyer, appid=WX_OA_APPID, openid="o-buyer")
    services.payout_account_wechat_bind(user=buyer, real_name="王建国")
    _fund_wallet(buyer, 300_00)
    monkeypatch.setattr(payouts_module, "_issue_quietly", lambda payout_id: None)
    payout = services.wallet_withdraw(user=buyer, amount_fen=120_00, request_id="w1")
    Payout.objects.filter(pk=payout.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    fake_wechat.transfer_delay = 0.3

    def work(i: int) -> str:
        if i < 4:
            return str(services.payouts_sweep())
        return str(services.payout_issue(payout_id=payout.pk).status)

    _results, errors = run_threads(work, 6)
    assert errors == [], errors
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED
    assert fake_wechat.transfers[payout.payout_no]["calls"] == 1
    assert [c for c in fake_wechat.calls if c[1].endswith("transfer-bills")] == [
        ("POST", "/v3/fund-app/mch-transfer/transfer-bills")]
    hold = Hold.objects.get(pk=payout.hold_id)
    assert hold.status == "posted"
    assert OutboxEvent.objects.filter(name="payout.succeeded").count() == 1
    assert services.wallet_balance_fen(user_id=buyer.pk) == 180_00
    # A retry after it ended changes nothing and calls nobody.
    assert services.payout_issue(payout_id=payout.pk).status == "succeeded"
    assert fake_wechat.transfers[payout.payout_no]["calls"] == 1
    assert ledger_check() == []


def test_a_crashed_sender_is_finished_by_the_next_without_a_second_transfer(
        fake_wechat: Any, buyer: User, monkeypatch: Any) -> None:
    """The first sender placed the transfer and died before recording it; its claim expires;
    the job asks WeChat first, finds the transfer, and records it: still one transfer."""
    from trustmart.payments.services import payouts as payouts_module

    from .test_wechat_https import _fund_wallet

    WechatOpenid.objects.create(user=buyer, appid=WX_OA_APPID, openid="o-buyer")
    services.payout_account_wechat_bind(user=buyer)
    _fund_wallet(buyer, 100_00)
    monkeypatch.setattr(payouts_module, "_issue_quietly", lambda payout_id: None)
    payout = services.wallet_withdraw(user=buyer, amount_fen=50_00, request_id="w1")
    real_record = payouts_module.payout_record
    monkeypatch.setattr(payouts_module, "payout_record",
                        lambda **kwargs: (_ for _ in ()).throw(SystemExit("crash")))
    with pytest.raises(SystemExit):
        services.payout_issue(payout_id=payout.pk)
    monkeypatch.setattr(payouts_module, "payout_record", real_record)
    assert fake_wechat.transfers[payout.payout_no]["calls"] == 1
    Payout.objects.filter(pk=payout.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1),
        created_at=timezone.now() - timedelta(minutes=5))
    assert services.payouts_sweep()["sent"] == 1
    payout.refresh_from_db()
    assert payout.status == "succeeded" and payout.attempts == 2
    assert fake_wechat.transfers[payout.payout_no]["calls"] == 1
    assert ledger_check() == []
