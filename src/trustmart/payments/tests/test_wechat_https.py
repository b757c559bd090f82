"""WeChat Pay end to end against a local fake WeChat over HTTPS (fake_providers.py): paying
inside WeChat (silent web authorisation, the JSAPI order, the bridge's paySign), on desktops
(Native) and in the mini-program; lost notifications found by the query job; expired orders
closed; public-key mode; transfers to 零钱 with the receiver's name encrypted."""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.ledger.selectors import ledger_check
from trustmart.orders.models import Checkout
from trustmart.payments import services
from trustmart.payments.models import CallbackLog, Payment, Payout, PayoutAccount, WechatOpenid
from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers.wechatpay import pay_sign_message, serial_key

from .conftest import WX_MINI_APPID, WX_OA_APPID, WX_PUBLIC_KEY_ID
from .fake_providers import pem_public
from .helpers import client_for

pytestmark = pytest.mark.django_db

WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI")
DESKTOP_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
              " Chrome/120.0 Safari/537.36")
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0 Mobile Safari/537.36")


def cashier(client: Client, checkout: Checkout, agent: str) -> Any:
    return client.post(f"/pay/checkout/{checkout.checkout_no}/", {"provider": "wechatpay"},
                       headers={"user-agent": agent})


def bridge_of(response: Any) -> dict[str, str]:
    text = response.content.decode()
    found = re.search(r'<script id="wx-pay-params" type="application/json">(.+?)</script>', text)
    assert found, text[:400]
    return json.loads(html.unescape(found.group(1)))


def sign_in_through_wechat(client: Client, fake_api: Any, *, next_url: str,
                           openid: str) -> Any:
    start = client.get(f"/pay/wechat/oauth/?next={next_url}")
    assert start.status_code == 302
    target = urlsplit(start["Location"])
    assert target.netloc == "open.weixin.test" and target.path == "/connect/oauth2/authorize"
    assert target.fragment == "wechat_redirect"
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert query["appid"] == WX_OA_APPID and query["scope"] == "snsapi_base"
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://testserver/pay/wechat/oauth/callback/"
    assert len(query["state"]) <= 128  # WeChat's limit
    fake_api.codes["CODE-1"] = openid
    return client.get("/pay/wechat/oauth/callback/", {"code": "CODE-1",
                                                      "state": query["state"]})


def test_inside_wechat_the_cashier_learns_the_openid_then_pays_through_jsapi(
        fake_wechat: Any, fake_wechat_api: Any, checkout: Checkout, buyer: User,
        provider_keys: dict[str, Any]) -> None:
    client = client_for(buyer)
    first = cashier(client, checkout, WECHAT_UA)
    # No openid yet: off through WeChat's silent authorisation, and back to the cashier.
    assert first.status_code == 302
    assert first["Location"].startswith("/pay/wechat/oauth/?next=")
    back = sign_in_through_wechat(client, fake_wechat_api, openid="o-buyer-openid",
                                  next_url=f"/pay/checkout/{checkout.checkout_no}/")
    assert back.status_code == 302 and back["Location"] == f"/pay/checkout/{checkout.checkout_no}/"
    assert WechatOpenid.objects.get(user=buyer, appid=WX_OA_APPID).openid == "o-buyer-openid"

    page = cashier(client, checkout, WECHAT_UA)
    assert page.status_code == 200 and 'data-testid="jsapi-pay"' in page.content.decode()
    assert "sandbox-bridge.js" not in page.content.decode()  # the real bridge is WeChat's
    bridge = bridge_of(page)
    payment = Payment.objects.get()
    assert payment.channel == "jsapi" and payment.provider == "wechatpay"
    assert bridge["appId"] == WX_OA_APPID and bridge["signType"] == "RSA"
    assert bridge["package"] == f"prepay_id=wx{payment.payment_no}"
    assert rsa_keys.verify(provider_keys["merchant"].public_key(), pay_sign_message(
        appid=bridge["appId"], timestamp=bridge["timeStamp"], nonce=bridge["nonceStr"],
        package=bridge["package"]), bridge["paySign"])
    order = fake_wechat.orders[payment.payment_no]
    assert order["payer"] == {"openid": "o-buyer-openid"} and order["appid"] == WX_OA_APPID
    assert order["description"] == "山水茶业 龙井 250g等4件"  # the goods, not our number
    assert order["time_expire"] == checkout.expires_at.astimezone(
        timezone.get_fixed_timezone(480)).isoformat(timespec="seconds")
    assert order["time_expire"].endswith("+08:00")
    assert order["amount"] == {"total": checkout.total_fen, "currency": "CNY"}
    assert not fake_wechat.refused


def test_a_forged_or_replayed_state_attaches_no_openid(fake_wechat_api: Any, buyer: User,
                                                        stranger: User) -> None:
    client = client_for(buyer)
    start = client.get("/pay/wechat/oauth/?next=/pay/mine/")
    state = parse_qs(urlsplit(start["Location"]).query)["state"][0]
    fake_wechat_api.codes.update({"C1": "o-evil", "C2": "o-evil", "C3": "o-good"})
    # Another user's session cannot use it (CSRF: the attacker's state in the victim's tab).
    client_for(stranger).get("/pay/wechat/oauth/callback/", {"code": "C1", "state": state})
    # A tampered state is refused.
    client.get("/pay/wechat/oauth/callback/", {"code": "C2", "state": state + "x"})
    assert not WechatOpenid.objects.exists()
    client.get("/pay/wechat/oauth/callback/", {"code": "C3", "state": state})
    assert WechatOpenid.objects.get().openid == "o-good"
    # Used once: the same state again is refused.
    fake_wechat_api.codes["C4"] = "o-evil"
    client.get("/pay/wechat/oauth/callback/", {"code": "C4", "state": state})
    assert WechatOpenid.objects.get().openid == "o-good"
    assert fake_wechat_api.calls.count("/sns/oauth2/access_token") == 1


def test_desktop_gets_a_native_qr_code_and_phones_the_h5_page(
        fake_wechat: Any, checkout: Checkout, buyer: User) -> None:
    client = client_for(buyer)
    desktop = cashier(client, checkout, DESKTOP_UA)
    assert desktop.status_code == 200
    body = desktop.content.decode()
    assert 'data-testid="pay-qr"' in body and "data:image/png;base64," in body
    payment = Payment.objects.get()
    assert payment.channel == "native"
    assert f'data-code-url="weixin://wxpay/bizpayurl?pr={payment.payment_no}"' in body
    assert fake_wechat.orders[payment.payment_no]["kind"] == "native"
    phone = cashier(client, checkout, PHONE_UA)
    assert phone.status_code == 302 and phone["Location"].startswith("https://wx.tenpay.test/h5")
    assert Payment.objects.filter(channel="h5").count() == 1


def test_the_mini_program_logs_in_then_pays_with_request_payment_params(
        fake_wechat: Any, fake_wechat_api: Any, checkout: Checkout, buyer: User,
        api_client_for: Any, provider_keys: dict[str, Any]) -> None:
    api = api_client_for(buyer)
    body = {"checkout_no": checkout.checkout_no, "provider": "wechatpay",
            "channel": "wechat_miniprogram"}
    before = api.post("/api/payments/checkouts", body, content_type="application/json")
    assert before.status_code == 409 and before.json()["code"] == "wechat_openid_required"
    fake_wechat_api.mini_codes["JS-CODE"] = "o-mini-openid"
    session = api.post("/api/payments/wechat/miniprogram/session", {"code": "JS-CODE"},
                       content_type="application/json")
    assert session.status_code == 200 and session.json() == {"appid": WX_MINI_APPID}
    bad = api.post("/api/payments/wechat/miniprogram/session", {"code": "JS-CODE"},
                   content_type="application/json")
    assert bad.status_code == 502  # a used code: WeChat says 40029
    paid = api.post("/api/payments/checkouts", body, content_type="application/json")
    assert paid.status_code == 201, paid.content
    out = paid.json()
    assert out["action"] == "miniprogram" and out["channel"] == "miniprogram"
    params = out["app_params"]
    assert params["appId"] == WX_MINI_APPID and params["signType"] == "RSA"
    assert rsa_keys.verify(provider_keys["merchant"].public_key(), pay_sign_message(
        appid=params["appId"], timestamp=params["timeStamp"], nonce=params["nonceStr"],
        package=params["package"]), params["paySign"])
    assert fake_wechat.orders[out["payment_no"]]["payer"] == {"openid": "o-mini-openid"}


def _jsapi_payment(client: Client, checkout: Checkout, buyer: User) -> Payment:
    WechatOpenid.objects.create(user=buyer, appid=WX_OA_APPID, openid="o-buyer")
    assert cashier(client, checkout, WECHAT_UA).status_code == 200
    return Payment.objects.get()


def test_a_lost_notification_is_found_by_the_query_job_and_applied_once(
        fake_wechat: Any, checkout: Checkout, buyer: User) -> None:
    payment = _jsapi_payment(client_for(buyer), checkout, buyer)
    fake_wechat.pay(payment.payment_no)  # paid at WeChat; the notification never arrives
    assert services.payments_sweep() == {}  # too early: nothing is asked yet
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert services.payments_sweep() == {"paid": 1}
        assert services.payments_sweep() == {}
    payment.refresh_from_db()
    checkout.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn_id == f"42{payment.payment_no}"
    assert checkout.status == Checkout.Status.PAID
    assert list(CallbackLog.objects.values_list("kind", "outcome")) == [("query", "applied")]
    assert ledger_check() == []


def test_an_expired_checkout_closes_its_order_at_wechat(fake_wechat: Any, checkout: Checkout,
                                                       buyer: User) -> None:
    payment = _jsapi_payment(client_for(buyer), checkout, buyer)
    with time_machine.travel(checkout.expires_at + timedelta(minutes=1), tick=False):
        assert services.payments_sweep() == {"cancelled": 1}
    payment.refresh_from_db()
    assert payment.status == "cancelled"
    assert fake_wechat.orders[payment.payment_no]["trade_state"] == "CLOSED"
    assert ("POST", f"/v3/pay/transactions/out-trade-no/{payment.payment_no}/close") \
        in fake_wechat.calls
    # The buyer cannot pay it any more, at WeChat or here.
    with pytest.raises(KeyError):
        fake_wechat.pay("no such order")


def test_paid_just_before_the_close_is_applied_not_cancelled(fake_wechat: Any,
                                                             checkout: Checkout,
                                                             buyer: User) -> None:
    payment = _jsapi_payment(client_for(buyer), checkout, buyer)
    Checkout.objects.filter(pk=checkout.pk).update(status=Checkout.Status.CANCELLED)
    fake_wechat.pay(payment.payment_no)
    with time_machine.travel(timezone.now() + timedelta(minutes=4), tick=False):
        assert services.payments_sweep() == {"paid": 1}
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    # The checkout was closed: the money goes back as a late payment.
    assert payment.refunds.get().reason == "late_payment"


def wechat_notification(fake: Any, apiv3: str, payment: Payment, *, state: str,
                        event: str = "TRANSACTION.SUCCESS") -> tuple[dict[str, str], bytes]:
    """A notification as WeChat Pay sends it: the transaction encrypted, the envelope signed
    by the platform key, named with WeChat's own serial (leading zero and all)."""
    transaction = {"mchid": fake.mchid, "appid": WX_OA_APPID, "out_trade_no": payment.payment_no,
                   "trade_state": state, "trade_type": "JSAPI",
                   "amount": {"total": payment.amount_fen, "currency": "CNY"}}
    if state == "SUCCESS":
        transaction["transaction_id"] = f"42{payment.payment_no}"
    nonce = secrets.token_hex(6)
    ciphertext = AESGCM(apiv3.encode()).encrypt(nonce.encode(),
                                                json.dumps(transaction).encode(), b"transaction")
    body = json.dumps({"id": "EV-1", "event_type": event, "resource_type": "encrypt-resource",
                       "resource": {"algorithm": "AEAD_AES_256_GCM", "associated_data":
                                    "transaction", "nonce": nonce,
                                    "ciphertext": base64.b64encode(ciphertext).decode(),
                                    "original_type": "transaction"}}).encode()
    _status, headers, _body = fake.signed(200, body)
    return headers, body


def test_a_verified_notpay_notification_is_answered_received_and_changes_nothing(
        fake_wechat: Any, checkout: Checkout, buyer: User, apiv3: str) -> None:
    payment = _jsapi_payment(client_for(buyer), checkout, buyer)
    headers, body = wechat_notification(fake_wechat, apiv3, payment, state="NOTPAY")
    response = Client().post("/pay/callback/wechatpay/", data=body,
                             content_type="application/json", headers=headers)
    assert (response.status_code, response.json()) == (200, {"code": "SUCCESS"})
    payment.refresh_from_db()
    assert payment.status == "created"
    assert list(CallbackLog.objects.values_list("outcome", flat=True)) == ["ignored"]
    # The real one, signed under WeChat's serial with its leading zero, is applied.
    headers, body = wechat_notification(fake_wechat, apiv3, payment, state="SUCCESS")
    assert headers["Wechatpay-Serial"].startswith("0")
    response = Client().post("/pay/callback/wechatpay/", data=body,
                             content_type="application/json", headers=headers)
    assert (response.status_code, response.json()) == (200, {"code": "SUCCESS"})
    payment.refresh_from_db()
    assert payment.status == "succeeded"


def test_platform_serials_compare_as_numbers() -> None:
    assert serial_key("0A1B2C") == serial_key("a1b2c") == "A1B2C"
    assert serial_key(WX_PUBLIC_KEY_ID) == WX_PUBLIC_KEY_ID.upper()


def test_public_key_mode_names_the_key_in_every_request(fake_wechat: Any, checkout: Checkout,
                                                        buyer: User, settings: Any,
                                                        provider_keys: dict[str, Any]) -> None:
    settings.WECHATPAY_PUBLIC_KEY_ID = WX_PUBLIC_KEY_ID
    settings.WECHATPAY_PUBLIC_KEY = pem_public(provider_keys["platform"])
    settings.WECHATPAY_PLATFORM_CERTS = ""
    fake_wechat.platform_serial = WX_PUBLIC_KEY_ID
    response = cashier(client_for(buyer), checkout, PHONE_UA)
    assert response.status_code == 302, response.content[:300]
    assert not fake_wechat.refused
    # A platform-certificate answer (another serial) is not trusted in public-key mode.
    fake_wechat.platform_serial = "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567"
    Payment.objects.all().delete()
    refused = cashier(client_for(buyer), checkout, DESKTOP_UA)
    assert b"checkout-error" in refused.content


def _wechat_account(user: User, *, name: str = "王建国") -> PayoutAccount:
    WechatOpenid.objects.update_or_create(user=user, appid=WX_OA_APPID,
                                          defaults={"openid": f"o-{user.pk}"})
    return services.payout_account_wechat_bind(user=user, real_name=name)


def _fund_wallet(user: User, amount_fen: int) -> None:
    from trustmart.ledger.models import Purpose
    from trustmart.ledger.services import Leg, account_get_or_create, post

    source = account_get_or_create(owner_type="platform", owner_id=None,
                                   purpose=Purpose.GUARANTEE_FUND)
    post(entries=[Leg.debit(source, amount_fen),
                  Leg.credit(services.wallet_account_id(user.pk), amount_fen)],
         kind="case.compensation", reference=f"test:{user.pk}:{amount_fen}")


def test_a_large_transfer_carries_the_name_encrypted_for_wechat(
        fake_wechat: Any, buyer: User, django_capture_on_commit_callbacks: Any) -> None:
    account = _wechat_account(buyer)
    assert account.appid == WX_OA_APPID and account.openid == f"o-{buyer.pk}"
    _fund_wallet(buyer, 3_000_00)
    fake_wechat.real_names[account.openid] = "王建国"
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.wallet_withdraw(user=buyer, amount_fen=2_500_00, request_id="big")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED, payout.last_error
    bill = fake_wechat.transfers[payout.payout_no]
    assert bill["amount"] == 2_500_00 and bill["calls"] == 1
    assert not fake_wechat.refused
    assert services.wallet_balance_fen(user_id=buyer.pk) == 500_00
    assert ledger_check() == []


def test_a_wrong_name_fails_the_transfer_and_the_money_comes_back(
        fake_wechat: Any, buyer: User, django_capture_on_commit_callbacks: Any) -> None:
    account = _wechat_account(buyer, name="李四")
    fake_wechat.real_names[account.openid] = "王建国"
    _fund_wallet(buyer, 3_000_00)
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.wallet_withdraw(user=buyer, amount_fen=2_500_00, request_id="big")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED and "NAME_NOT_CORRECT" in payout.last_error
    assert services.wallet_balance_fen(user_id=buyer.pk) == 3_000_00
    assert ledger_check() == []


def test_a_transfer_waiting_for_the_receiver_is_finished_by_the_query_job(
        fake_wechat: Any, buyer: User, django_capture_on_commit_callbacks: Any) -> None:
    _wechat_account(buyer)
    _fund_wallet(buyer, 100_00)
    fake_wechat.transfer_state = "WAIT_USER_CONFIRM"
    with django_capture_on_commit_callbacks(execute=True):
        payout = services.wallet_withdraw(user=buyer, amount_fen=50_00, request_id="small")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PROCESSING
    assert payout.package_info == f"pkg-{payout.payout_no}"
    assert services.wallet_balance_fen(user_id=buyer.pk) == 50_00  # held while on its way
    page = client_for(buyer).get("/me/wallet/").content.decode()
    assert f'data-package="pkg-{payout.payout_no}"' in page and "confirm-transfer.js" in page
    fake_wechat.transfers[payout.payout_no]["state"] = "SUCCESS"
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert services.payouts_sweep() == {"sent": 0, "finished": 1}
        assert services.payouts_sweep() == {"sent": 0, "finished": 0}
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SUCCEEDED and payout.package_info == ""
    assert fake_wechat.transfers[payout.payout_no]["calls"] == 1
    assert ledger_check() == []
