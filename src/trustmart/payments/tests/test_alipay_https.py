"""Alipay end to end against a local fake gateway over HTTPS: the notification's signature
covers empty fields as Alipay's SDKs check it; the app SDK's order string; inside WeChat the
cashier asks to open the browser; query and close; 单笔转账 to a confirmed account."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.errors import InvalidInput
from trustmart.ledger.selectors import ledger_check
from trustmart.orders.models import Checkout
from trustmart.payments import services
from trustmart.payments.models import CallbackLog, Payment, Payout
from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers.alipay import AlipayProvider, request_content

from .conftest import ALIPAY_APP_ID
from .helpers import client_for
from .test_wechat_https import PHONE_UA, WECHAT_UA

pytestmark = pytest.mark.django_db


def notify(key: Any, payment: Payment, *, status: str = "TRADE_SUCCESS",
           skip_empty_in_signature: bool = False) -> bytes:
    """An asynchronous notification as Alipay posts it, with fields Alipay sends empty."""
    params = {"notify_time": "2026-12-03 10:00:00", "notify_type": "trade_status_sync",
              "notify_id": "ac05099524730693a8b330c5ecf72da9786", "app_id": ALIPAY_APP_ID,
              "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
              "trade_no": f"2026120322001{payment.pk:08d}", "out_trade_no": payment.payment_no,
              "trade_status": status, "total_amount": f"{payment.amount_fen // 100}."
              f"{payment.amount_fen % 100:02d}", "buyer_logon_id": "159****5620",
              "body": "", "fund_bill_list": '[{"amount":"1.00","fundChannel":"ALIPAYACCOUNT"}]',
              "passback_params": ""}
    signed = {k: v for k, v in params.items() if k not in ("sign", "sign_type")}
    if skip_empty_in_signature:
        signed = {k: v for k, v in signed.items() if v != ""}
    content = "&".join(f"{k}={v}" for k, v in sorted(signed.items())).encode()
    params["sign"] = rsa_keys.sign(key, content)
    return urlencode(params).encode()


def post_notify(body: bytes) -> Any:
    return Client().post("/pay/callback/alipay/", data=body,
                         content_type="application/x-www-form-urlencoded")


@pytest.fixture
def wap_payment(fake_alipay: Any, checkout: Checkout, buyer: User) -> Payment:
    response = client_for(buyer).post(f"/pay/checkout/{checkout.checkout_no}/",
                                      {"provider": "alipay"}, headers={"user-agent": PHONE_UA})
    assert response.status_code == 302 and response["Location"].startswith(
        fake_alipay.base_url + "/gateway.do?")
    return Payment.objects.get()


def test_the_wap_order_carries_the_goods_and_expires_with_the_checkout(
        fake_alipay: Any, wap_payment: Payment, checkout: Checkout,
        provider_keys: dict[str, Any]) -> None:
    params = AlipayProvider.from_settings().wap_params(wap_payment)  # type: ignore[union-attr]
    biz = json.loads(params["biz_content"])
    assert biz["subject"] == "山水茶业 龙井 250g等4件"
    assert biz["time_expire"] == checkout.expires_at.astimezone(
        timezone.get_fixed_timezone(480)).strftime("%Y-%m-%d %H:%M:%S")
    assert rsa_keys.verify(provider_keys["app"].public_key(), request_content(params),
                           params["sign"])


def test_a_notification_with_empty_fields_is_verified_as_alipay_signs_it(
        wap_payment: Payment, provider_keys: dict[str, Any]) -> None:
    # Signed without the empty fields (not how Alipay signs): refused.
    refused = post_notify(notify(provider_keys["alipay"], wap_payment,
                                 skip_empty_in_signature=True))
    assert (refused.status_code, refused.content) == (400, b"fail")
    wap_payment.refresh_from_db()
    assert wap_payment.status == "created"
    response = post_notify(notify(provider_keys["alipay"], wap_payment))
    assert (response.status_code, response.content) == (200, b"success")
    wap_payment.refresh_from_db()
    assert wap_payment.status == "succeeded"


def test_wait_buyer_pay_is_answered_success_and_changes_nothing(
        wap_payment: Payment, provider_keys: dict[str, Any]) -> None:
    response = post_notify(notify(provider_keys["alipay"], wap_payment, status="WAIT_BUYER_PAY"))
    assert (response.status_code, response.content) == (200, b"success")
    wap_payment.refresh_from_db()
    assert wap_payment.status == "created"
    assert list(CallbackLog.objects.values_list("outcome", flat=True)) == ["ignored"]


def test_inside_wechat_alipay_asks_to_open_the_browser(fake_alipay: Any, checkout: Checkout,
                                                       buyer: User) -> None:
    response = client_for(buyer).post(f"/pay/checkout/{checkout.checkout_no}/",
                                      {"provider": "alipay"}, headers={"user-agent": WECHAT_UA})
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="open-in-browser"' in body
    assert f'value="http://testserver/pay/checkout/{checkout.checkout_no}/"' in body
    assert 'data-copy-target="pay-link"' in body and "copy-link.js" in body
    assert not Payment.objects.exists()
    page = client_for(buyer).get(f"/pay/checkout/{checkout.checkout_no}/",
                                 headers={"user-agent": WECHAT_UA}).content.decode()
    assert "（需在浏览器中打开）" in page


def test_the_app_pays_with_a_signed_order_string(fake_alipay: Any, checkout: Checkout,
                                                 buyer: User, api_client_for: Any,
                                                 provider_keys: dict[str, Any]) -> None:
    response = api_client_for(buyer).post(
        "/api/payments/checkouts", {"checkout_no": checkout.checkout_no, "provider": "alipay",
                                    "channel": "alipay_app"}, content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["action"] == "app" and out["channel"] == "app" and out["pay_url"] == ""
    params = dict(parse_qsl(out["app_params"]["order_string"]))
    assert params["method"] == "alipay.trade.app.pay" and params["app_id"] == ALIPAY_APP_ID
    assert '"product_code":"QUICK_MSECURITY_PAY"' in params["biz_content"]
    assert rsa_keys.verify(provider_keys["app"].public_key(), request_content(params),
                           params["sign"])


def test_a_lost_notification_is_found_and_an_unopened_expired_trade_closed(
        fake_alipay: Any, wap_payment: Payment, checkout: Checkout, buyer: User,
        owner: User, merchant: Any) -> None:
    fake_alipay.trades[wap_payment.payment_no] = {
        "out_trade_no": wap_payment.payment_no, "trade_no": "2026120322001999",
        "trade_status": "TRADE_SUCCESS", "total_amount": f"{wap_payment.amount_fen / 100:.2f}"}
    # An Alipay deposit payment the payer never opened (Alipay does not know it).
    never = services.deposit_payment_create(user=owner, merchant_id=merchant.pk,
                                            amount_fen=100_00, provider="alipay")
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert services.payments_sweep() == {"paid": 1, "open": 1}
    wap_payment.refresh_from_db()
    assert wap_payment.status == "succeeded" and wap_payment.provider_txn_id == "2026120322001999"
    assert never.expires_at is not None
    with time_machine.travel(never.expires_at + timedelta(minutes=1), tick=False):
        assert services.payments_sweep() == {"cancelled": 1}
    never.refresh_from_db()
    assert never.status == "cancelled"
    assert fake_alipay.calls.count("alipay.trade.close") == 1
    assert not fake_alipay.refused


def test_single_transfers_to_a_confirmed_alipay_account(
        fake_alipay: Any, buyer: User, django_capture_on_commit_callbacks: Any) -> None:
    from .test_wechat_https import _fund_wallet

    with pytest.raises(InvalidInput) as caught:
        services.payout_account_alipay_set(user=buyer, login_id="13800001111",
                                           login_id_again="13800001112", real_name="张三",
                                           confirmed=True)
    assert caught.value.code == "alipay_login_mismatch"
    with pytest.raises(InvalidInput):
        services.payout_account_alipay_set(user=buyer, login_id="13800001111",
                                           login_id_again="13800001111", real_name="张三",
                                           confirmed=False)
    account = services.payout_account_alipay_set(
        user=buyer, login_id="13800001111", login_id_again="13800001111", real_name="张三",
        confirmed=True)
    assert account.status == "verified" and account.masked == "张三 · 138****1111"
    _fund_wallet(buyer, 500_00)
    fake_alipay.accounts["13800001111"] = "张三"
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.wallet_withdraw(user=buyer, amount_fen=200_00, request_id="a1")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED and payout.provider == "alipay"
    assert fake_alipay.transfers[payout.payout_no]["amount"] == "200.00"
    # The name Alipay knows differs: refused, and the money is back.
    fake_alipay.accounts["13800001111"] = "张叁"
    with django_capture_on_commit_callbacks(execute=True):
        failed = services.wallet_withdraw(user=buyer, amount_fen=100_00, request_id="a2")
    failed.refresh_from_db()
    assert failed.status == Payout.Status.FAILED and "PAYEE_USER_INFO_ERROR" in failed.last_error
    assert services.wallet_balance_fen(user_id=buyer.pk) == 300_00
    assert ledger_check() == []
