"""Helpers for payment tests: signed sandbox notifications, delivery over HTTP, snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.test import Client

from trustmart.accounts.models import User
from trustmart.ledger.models import Journal
from trustmart.merchants.models import Merchant
from trustmart.payments.models import CallbackLog, Payment, PayoutAccount
from trustmart.payments.providers.sandbox import SandboxProvider


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def notification(payment_no: str, amount_fen: int, outcome: str = "succeeded", *,
                 secret: str | None = None, now: datetime | None = None,
                 txn_id: str | None = None) -> tuple[dict[str, str], bytes]:
    provider = SandboxProvider(secret=secret or settings.SANDBOX_PAYMENT_SECRET)
    return provider.notification(payment_no=payment_no, amount_fen=amount_fen, outcome=outcome,
                                 now=now, txn_id=txn_id)


def for_payment(payment: Payment, outcome: str = "succeeded",
                **kwargs: Any) -> tuple[dict[str, str], bytes]:
    return notification(payment.payment_no, payment.amount_fen, outcome, **kwargs)


def post_callback(headers: dict[str, str], body: bytes, provider: str = "sandbox",
                  kind: str = "callback") -> Any:
    """Deliver a notification over HTTP, as a real provider would (``kind`` refund-callback
    for a refund notification)."""
    extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return Client().post(f"/pay/{kind}/{provider}/", data=body,
                         content_type="application/json", headers=extra)


def state() -> tuple[object, ...]:
    """What a refused callback or bad input must leave untouched."""
    return (
        list(Payment.objects.order_by("pk").values_list("pk", "status", "provider_txn_id",
                                                        "paid_at", "ledger_reference")),
        Journal.objects.count(),
        list(Merchant.objects.order_by("pk").values_list("pk", "deposit_ok", "status")),
    )


def logs() -> list[tuple[str, str]]:
    return list(CallbackLog.objects.order_by("pk").values_list("outcome", "detail"))


def verified_account(*, owner_type: str, owner_id: int, user: User, kind: str = "wechat",
                     openid: str = "") -> PayoutAccount:
    """A verified payout account the sandbox pays (``openid`` with "fail" in it: it refuses)."""
    return PayoutAccount.objects.create(
        owner_type=owner_type, owner_id=owner_id, created_by=user, kind=kind,
        appid="sandbox", openid=openid or f"sandbox-openid-{user.pk}", real_name="王建国",
        alipay_login_id="13800001111" if kind == "alipay" else "",
        status=PayoutAccount.Status.VERIFIED)
