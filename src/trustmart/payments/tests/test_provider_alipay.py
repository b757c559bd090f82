"""Alipay (RSA2) with generated keys: the signed H5 request and the verified notify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from trustmart.accounts.models import User
from trustmart.ledger.models import Journal
from trustmart.merchants.models import Merchant
from trustmart.payments import services
from trustmart.payments.models import Payment, Refund
from trustmart.payments.providers import (
    BadSignature,
    CallbackData,
    MalformedCallback,
    Outcome,
    available_providers,
)
from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers.alipay import (
    AlipayProvider,
    WrongApp,
    request_content,
    sign_content,
    yuan_text,
)
from trustmart.payments.providers.wechatpay import NotFinal

from .helpers import logs, state

APP_ID = "2021000000000001"
GATEWAY = "https://alipay.test/gateway.do"
NO = "c" * 24


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def alipay_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def alipay(app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey) -> AlipayProvider:
    return AlipayProvider(app_id=APP_ID, private_key=app_key,
                          alipay_public_key=alipay_key.public_key(),
                          notify_url="https://shop.test/pay/callback/alipay/",
                          return_url="https://shop.test/pay/result/{payment_no}/",
                          gateway=GATEWAY)


def notify(key: rsa.RSAPrivateKey, **changes: str) -> dict[str, str]:
    """A notify's fields, signed by ``key`` the way Alipay signs them."""
    params = {"notify_time": "2026-11-22 18:00:00", "notify_type": "trade_status_sync",
              "notify_id": "ac05099524730693a8b330c5ecf72da9786", "charset": "utf-8",
              "version": "1.0", "app_id": APP_ID, "out_trade_no": NO,
              "trade_no": "2026112222001", "total_amount": "12.34",
              "trade_status": "TRADE_SUCCESS", "subject": "山水茶业 保证金", "buyer_id": "",
              "sign_type": "RSA2"}
    params.update(changes)
    params["sign"] = rsa_keys.sign(key, sign_content(params))
    return params


def form(params: dict[str, str]) -> bytes:
    return urlencode(params).encode()


HEADERS = {"content-type": "application/x-www-form-urlencoded; charset=utf-8"}


def test_a_valid_notify_is_read(alipay: AlipayProvider, alipay_key: rsa.RSAPrivateKey) -> None:
    assert alipay.parse_callback(HEADERS, form(notify(alipay_key))) == CallbackData(
        provider_txn_id="2026112222001", payment_no=NO, amount_fen=12_34,
        outcome=Outcome.SUCCEEDED)


@pytest.mark.parametrize(("status", "outcome"), [("TRADE_FINISHED", Outcome.SUCCEEDED),
                                                 ("TRADE_CLOSED", Outcome.FAILED)])
def test_final_states(alipay: AlipayProvider, alipay_key: rsa.RSAPrivateKey, status: str,
                      outcome: Outcome) -> None:
    body = form(notify(alipay_key, trade_status=status))
    assert alipay.parse_callback(HEADERS, body).outcome == outcome


def test_waiting_for_the_buyer_is_not_final(alipay: AlipayProvider,
                                            alipay_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(NotFinal):
        alipay.parse_callback(HEADERS, form(notify(alipay_key, trade_status="WAIT_BUYER_PAY")))


def test_a_tampered_amount_is_a_bad_signature(alipay: AlipayProvider,
                                              alipay_key: rsa.RSAPrivateKey) -> None:
    params = notify(alipay_key)
    params["total_amount"] = "0.01"
    with pytest.raises(BadSignature):
        alipay.parse_callback(HEADERS, form(params))


def test_a_signature_by_another_key_is_refused(alipay: AlipayProvider,
                                               app_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(BadSignature):
        alipay.parse_callback(HEADERS, form(notify(app_key)))
    params = notify(app_key)
    params["sign"] = "not base64!"
    with pytest.raises(BadSignature):
        alipay.parse_callback(HEADERS, form(params))


def test_another_apps_notify_is_refused(alipay: AlipayProvider,
                                        alipay_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(WrongApp):
        alipay.parse_callback(HEADERS, form(notify(alipay_key, app_id="2021999999999999")))


@pytest.mark.parametrize("amount", ["12.345", "12,34", "-1.00", "0.00", "1e3", ""])
def test_an_amount_that_is_not_plain_yuan_is_refused(alipay: AlipayProvider,
                                                     alipay_key: rsa.RSAPrivateKey,
                                                     amount: str) -> None:
    with pytest.raises(MalformedCallback):
        alipay.parse_callback(HEADERS, form(notify(alipay_key, total_amount=amount)))


def test_a_missing_signature_or_a_repeated_field_is_malformed(
        alipay: AlipayProvider, alipay_key: rsa.RSAPrivateKey) -> None:
    params = notify(alipay_key)
    del params["sign"]
    with pytest.raises(MalformedCallback):
        alipay.parse_callback(HEADERS, form(params))
    with pytest.raises(MalformedCallback):
        alipay.parse_callback(HEADERS, form(notify(alipay_key)) + b"&total_amount=99.00")
    with pytest.raises(MalformedCallback):
        alipay.parse_callback(HEADERS, b"\xff\xfe")


def test_the_answers_are_alipays_plain_words(alipay: AlipayProvider) -> None:
    assert alipay.callback_response(accepted=True) == (200, "success")
    assert alipay.callback_response(accepted=False, message="bad_signature") == (400, "fail")


@pytest.mark.parametrize(("fen", "text"), [(1, "0.01"), (10, "0.10"), (12_34, "12.34"),
                                           (5_000_00, "5000.00"), (10**12 + 7, "10000000000.07")])
def test_yuan_text_is_exact(fen: int, text: str) -> None:
    assert yuan_text(fen) == text


@pytest.mark.django_db
def test_create_builds_a_signed_wap_pay_url(alipay: AlipayProvider, owner: User,
                                            app_key: rsa.RSAPrivateKey) -> None:
    payment = Payment.objects.create(payer=owner, purpose="deposit", reference="merchant:1",
                                     amount_fen=5_000_07, provider="alipay",
                                     description="山水茶业")
    params = alipay.wap_params(payment, now=datetime(2026, 11, 22, 16, 0, 5, tzinfo=UTC))
    assert params["timestamp"] == "2026-11-23 00:00:05"  # Asia/Shanghai
    assert json.loads(params["biz_content"]) == {
        "out_trade_no": payment.payment_no, "total_amount": "5000.07", "subject": "山水茶业",
        "product_code": "QUICK_WAP_WAY"}
    assert params["return_url"] == f"https://shop.test/pay/result/{payment.payment_no}/"
    start = alipay.create(payment)
    url = urlsplit(start.redirect_url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == GATEWAY
    sent = dict(parse_qsl(url.query))
    assert {k: sent[k] for k in ("app_id", "method", "format", "charset", "sign_type",
                                 "version")} == {
        "app_id": APP_ID, "method": "alipay.trade.wap.pay", "format": "JSON",
        "charset": "utf-8", "sign_type": "RSA2", "version": "1.0"}
    expected = "&".join(f"{k}={sent[k]}" for k in sorted(sent) if k != "sign").encode()
    assert request_content(sent) == expected
    assert rsa_keys.verify(app_key.public_key(), expected, sent["sign"])


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def bare_public(key: rsa.RSAPrivateKey) -> str:
    """How the Alipay console shows its public key: base64 DER, no PEM armour."""
    return base64.b64encode(key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()


def configured(app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey) -> dict[str, str]:
    return {"ALIPAY_APP_ID": APP_ID, "ALIPAY_PRIVATE_KEY": pem_private(app_key),
            "ALIPAY_PUBLIC_KEY": bare_public(alipay_key), "ALIPAY_GATEWAY": GATEWAY,
            "ALIPAY_NOTIFY_URL": "https://shop.test/pay/callback/alipay/",
            "ALIPAY_RETURN_URL": ""}


def test_without_settings_alipay_is_off(app_key: rsa.RSAPrivateKey,
                                        alipay_key: rsa.RSAPrivateKey) -> None:
    full = configured(app_key, alipay_key)
    with override_settings(**full):
        assert "alipay" in [p.name for p in available_providers()]
    with override_settings(**{**full, "ALIPAY_PUBLIC_KEY": ""}):
        assert AlipayProvider.from_settings() is None
        assert "alipay" not in [p.name for p in available_providers()]


@pytest.mark.django_db
@pytest.mark.usefixtures("books_stay_sound")
def test_end_to_end_an_alipay_notify_pays_the_deposit(app_key: rsa.RSAPrivateKey,
                                                      alipay_key: rsa.RSAPrivateKey,
                                                      owner: User, merchant: Merchant) -> None:
    with override_settings(**configured(app_key, alipay_key)):
        payment = services.deposit_payment_create(
            user=owner, merchant_id=merchant.pk, amount_fen=merchant.deposit_required_fen,
            provider="alipay")
        amount = yuan_text(payment.amount_fen)
        before = state()
        forged = notify(app_key, out_trade_no=payment.payment_no, total_amount=amount)
        refused = services.callback_handle(provider="alipay", headers=HEADERS,
                                           body=form(forged))
        assert (refused.http_status, refused.http_body, refused.code) == (
            400, "fail", "bad_signature")
        assert state() == before
        body = form(notify(alipay_key, out_trade_no=payment.payment_no, total_amount=amount))
        result = services.callback_handle(provider="alipay", headers=HEADERS, body=body)
        again = services.callback_handle(provider="alipay", headers=HEADERS, body=body)
    assert (result.outcome, result.http_status, result.http_body) == ("applied", 200, "success")
    assert (again.outcome, again.http_body) == ("duplicate", "success")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.provider_txn_id == "2026112222001"
    assert Journal.objects.filter(reference=f"payment:{payment.payment_no}").count() == 1
    assert [outcome for outcome, _ in logs()] == ["rejected", "applied", "duplicate"]


@pytest.mark.django_db
@pytest.mark.usefixtures("books_stay_sound")
def test_the_http_endpoint_answers_alipay_in_plain_text(app_key: rsa.RSAPrivateKey,
                                                        alipay_key: rsa.RSAPrivateKey,
                                                        owner: User, merchant: Merchant) -> None:
    from django.test import Client

    with override_settings(**configured(app_key, alipay_key)):
        payment = services.deposit_payment_create(
            user=owner, merchant_id=merchant.pk, amount_fen=merchant.deposit_required_fen,
            provider="alipay")
        body = form(notify(alipay_key, out_trade_no=payment.payment_no,
                           total_amount=yuan_text(payment.amount_fen)))
        response = Client().post("/pay/callback/alipay/", body,
                                 content_type="application/x-www-form-urlencoded")
        tampered = body + b"x"  # alters the last parameter, so the signature no longer holds
        forged = Client().post("/pay/callback/alipay/", tampered,
                               content_type="application/x-www-form-urlencoded")
    assert (response.status_code, response.content) == (200, b"success")
    assert response["Content-Type"].startswith("text/plain")
    assert forged.content == b"fail"


@pytest.mark.django_db
@pytest.mark.usefixtures("books_stay_sound")
def test_trade_closed_after_a_refund_is_accepted_and_changes_nothing(
        app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey, owner: User,
        merchant: Merchant) -> None:
    """Alipay tells the payment's notify URL TRADE_CLOSED after a full refund: accepted (so it
    stops retrying) as long as we have refunded that payment; refused otherwise."""
    with override_settings(**configured(app_key, alipay_key)):
        payment = services.deposit_payment_create(
            user=owner, merchant_id=merchant.pk, amount_fen=merchant.deposit_required_fen,
            provider="alipay")
        amount = yuan_text(payment.amount_fen)
        services.callback_handle(provider="alipay", headers=HEADERS, body=form(notify(
            alipay_key, out_trade_no=payment.payment_no, total_amount=amount)))
        closed = form(notify(alipay_key, out_trade_no=payment.payment_no, total_amount=amount,
                             trade_status="TRADE_CLOSED"))
        refused = services.callback_handle(provider="alipay", headers=HEADERS, body=closed)
        assert (refused.outcome, refused.code, refused.http_body) == (
            "rejected", "payment_already_succeeded", "fail")
        Refund.objects.create(payment=payment, amount_fen=payment.amount_fen,
                              reason=Refund.Reason.ORDER_REFUNDED, reference="test:refund",
                              status=Refund.Status.SUCCEEDED)
        before = state()
        echoed = services.callback_handle(provider="alipay", headers=HEADERS, body=closed)
    assert (echoed.outcome, echoed.http_status, echoed.http_body) == ("duplicate", 200, "success")
    assert state() == before
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert logs()[-1] == ("duplicate", "closed after a refund")
