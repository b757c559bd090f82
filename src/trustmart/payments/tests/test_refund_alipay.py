"""Alipay refunds with generated keys and a fake gateway: alipay.trade.refund signed by us, the
answer's signature checked over the exact text Alipay signed, and the refund query."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.models import OutboxEvent
from trustmart.payments import services
from trustmart.payments.models import Payment, Refund
from trustmart.payments.providers import ProviderError
from trustmart.payments.providers import alipay as alipay_module
from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers.alipay import (
    REFUND_METHOD,
    REFUND_QUERY_METHOD,
    AlipayProvider,
    raw_member,
    request_content,
)

pytestmark = pytest.mark.django_db

APP_ID = "2021000000000001"
GATEWAY = "https://alipay.test/gateway.do"


@pytest.fixture(scope="module")
def app_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def alipay_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey, *, public: bool = False) -> str:
    if public:
        return key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class FakeGateway:
    """The Alipay gateway: checks our RSA2 signature, answers like Alipay (the response
    object's text as Alipay lays it out, signed over exactly that text)."""

    def __init__(self, app: rsa.RSAPrivateKey, alipay: rsa.RSAPrivateKey) -> None:
        self.app, self.sign_with = app, alipay
        self.refund: dict[str, Any] = {"code": "10000", "msg": "Success", "fund_change": "Y"}
        self.query: dict[str, Any] = {"code": "10000", "msg": "Success",
                                      "refund_status": "REFUND_SUCCESS"}
        self.http_status = 200
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, method: str, url: str, headers: Mapping[str, str],
                 body: bytes) -> tuple[int, Mapping[str, str], bytes]:
        assert (method, url) == ("POST", GATEWAY)
        assert headers["Content-Type"].startswith("application/x-www-form-urlencoded")
        params = dict(parse_qsl(body.decode(), strict_parsing=True))
        assert params["app_id"] == APP_ID and params["sign_type"] == "RSA2"
        assert rsa_keys.verify(self.app.public_key(), request_content(params), params["sign"])
        biz = json.loads(params["biz_content"])
        self.requests.append((params["method"], biz))
        if params["method"] == REFUND_METHOD:
            fields = {**self.refund, "trade_no": "2026112222001", "out_trade_no":
                      biz["out_trade_no"], "buyer_logon_id": "159****5620",
                      "refund_fee": biz["refund_amount"], "gmt_refund_pay": "2026-11-22 18:05:00",
                      "store_name": "杭州/西湖店"}
            key = "alipay_trade_refund_response"
        else:
            fields = {**self.query, "trade_no": "2026112222001",
                      "out_trade_no": biz["out_trade_no"],
                      "out_request_no": biz["out_request_no"], "refund_amount": "200.00"}
            key = "alipay_trade_fastpay_refund_query_response"
        # Alipay's own layout (escaped slashes, spaces, Chinese as is): re-serialising this
        # would change the bytes and break the signature.
        raw = json.dumps(fields, ensure_ascii=False, separators=(", ", ": ")).replace("/", "\\/")
        signature = rsa_keys.sign(self.sign_with, raw.encode())
        answer = f'{{"{key}": {raw},"sign":"{signature}"}}'
        return self.http_status, {"Content-Type": "text/html;charset=utf-8"}, answer.encode()


@pytest.fixture
def gateway(app_key: rsa.RSAPrivateKey, alipay_key: rsa.RSAPrivateKey,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGateway]:
    fake = FakeGateway(app_key, alipay_key)
    monkeypatch.setattr(alipay_module, "urllib_transport", fake)
    with override_settings(ALIPAY_APP_ID=APP_ID, ALIPAY_PRIVATE_KEY=pem(app_key),
                           ALIPAY_PUBLIC_KEY=pem(alipay_key, public=True),
                           ALIPAY_NOTIFY_URL="https://shop.test/pay/callback/alipay/",
                           ALIPAY_GATEWAY=GATEWAY):
        yield fake


@pytest.fixture
def refund(owner: User) -> Refund:
    payment = Payment.objects.create(
        payer=owner, purpose="deposit", reference="merchant:1", amount_fen=500_00,
        provider="alipay", status=Payment.Status.SUCCEEDED, provider_txn_id="2026112222001",
        paid_at=timezone.now())
    return services.refund_request(payment=payment, amount_fen=200_00,
                                   reason=Refund.Reason.ORDER_REFUNDED,
                                   reference=f"order:{secrets.token_hex(4)}:refund")


def issued(refund: Refund) -> tuple[object, ...]:
    refund = services.refund_issue(refund_no=refund.refund_no)
    refund.payment.refresh_from_db()
    return (refund.status, refund.payment.refunded_fen,
            OutboxEvent.objects.filter(name="payment.refunded").count())


def test_a_good_answer_with_money_moved_succeeds_once(gateway: FakeGateway,
                                                      refund: Refund) -> None:
    assert issued(refund) == ("succeeded", 200_00, 1)
    [(method, biz)] = gateway.requests
    assert (method, biz) == (REFUND_METHOD, {
        "out_trade_no": refund.payment.payment_no, "refund_amount": "200.00",
        "out_request_no": refund.refund_no, "refund_reason": "订单已退款"})
    refund.refresh_from_db()
    assert refund.provider_refund_id == "2026112222001"
    assert issued(refund) == ("succeeded", 200_00, 1)  # issuing again calls nothing
    assert len(gateway.requests) == 1


def test_a_forged_signature_never_marks_the_refund_succeeded(
        gateway: FakeGateway, refund: Refund, app_key: rsa.RSAPrivateKey) -> None:
    gateway.sign_with = app_key  # not Alipay's key
    assert issued(refund) == ("pending", 0, 0)
    refund.refresh_from_db()
    assert refund.last_error.startswith("payment_provider_error")
    gateway.http_status = 502
    assert issued(refund) == ("pending", 0, 0)


def test_a_business_failure_ends_failed_with_the_reason(gateway: FakeGateway,
                                                        refund: Refund) -> None:
    gateway.refund = {"code": "40004", "msg": "Business Failed",
                      "sub_code": "ACQ.TRADE_STATUS_ERROR", "sub_msg": "交易状态不合法"}
    assert issued(refund) == ("failed", 0, 0)
    refund.refresh_from_db()
    assert refund.last_error == "ACQ.TRADE_STATUS_ERROR: 交易状态不合法"


def test_no_money_moved_yet_is_processing_until_the_query_says_success(
        gateway: FakeGateway, refund: Refund) -> None:
    gateway.refund["fund_change"] = "N"
    gateway.query = {"code": "10000", "msg": "Success"}  # no refund_status yet
    assert issued(refund) == ("processing", 0, 0)
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later):
        assert services.refunds_poll_processing() == 0
    refund.refresh_from_db()
    assert refund.status == "processing"
    assert gateway.requests[-1] == (REFUND_QUERY_METHOD, {
        "out_trade_no": refund.payment.payment_no, "out_request_no": refund.refund_no})
    gateway.query["refund_status"] = "REFUND_SUCCESS"
    with time_machine.travel(later):
        assert services.refunds_poll_processing() == 1
        assert services.refunds_poll_processing() == 0
    assert issued(refund) == ("succeeded", 200_00, 1)


def test_a_forged_query_answer_changes_nothing(gateway: FakeGateway, refund: Refund,
                                               app_key: rsa.RSAPrivateKey) -> None:
    gateway.refund["fund_change"] = "N"
    assert issued(refund) == ("processing", 0, 0)
    gateway.sign_with = app_key
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert services.refunds_poll_processing() == 0
    assert issued(refund) == ("processing", 0, 0)


def test_the_signed_text_is_cut_from_the_body_exactly() -> None:
    body = ('{"a_response": {"x": "1", "s": "{\\"a_response\\": 2}"}, '
            '"nested": {"a_response": 3}, "sign": "S"}')
    assert raw_member(body, "a_response") == '{"x": "1", "s": "{\\"a_response\\": 2}"}'
    assert raw_member('{"sign":"S","other":{"a_response":{}}}', "a_response") is None
    with pytest.raises(ValueError):
        raw_member("[1]", "a_response")


def test_an_answer_without_its_response_object_is_no_answer(
        alipay_key: rsa.RSAPrivateKey, app_key: rsa.RSAPrivateKey) -> None:
    provider = AlipayProvider(app_id=APP_ID, private_key=app_key,
                              alipay_public_key=alipay_key.public_key(), notify_url="")
    raw = '{"code":"40002","msg":"Invalid Arguments"}'
    body = f'{{"error_response":{raw},"sign":"{rsa_keys.sign(alipay_key, raw.encode())}"}}'
    with pytest.raises(ProviderError):
        provider.verified_response(body.encode(), REFUND_METHOD)
    with pytest.raises(ProviderError):
        provider.verified_response(b"<html>busy</html>", REFUND_METHOD)
