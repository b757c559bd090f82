"""WeChat Pay refunds and platform certificates with generated keys and a fake WeChat: the
signed refund request, its answers, the query, the refund notification over HTTP, and the
certificate download that lets a notification signed by a new platform key verify."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from django.test import override_settings
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.core.models import OutboxEvent
from trustmart.payments import services
from trustmart.payments.models import CallbackLog, Payment, PlatformCertificate, Refund
from trustmart.payments.providers import BadSignature, ProviderError, RefundStatus
from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers import wechatpay as wechatpay_module
from trustmart.payments.providers.wechatpay import (
    CERTIFICATES_PATH,
    REFUND_PATH,
    WechatPayProvider,
    request_message,
)

from .helpers import post_callback
from .test_provider_wechatpay import (
    API_BASE,
    MCHID,
    PLATFORM_SERIAL,
    SERIAL,
    configured,
    signed_by_platform,
)

pytestmark = pytest.mark.django_db
REFUND_NOTIFY_URL = "https://shop.test/pay/refund-callback/wechatpay/"


@pytest.fixture(scope="module")
def merchant_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def platform_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def apiv3_key() -> bytes:
    return secrets.token_hex(16).encode()


class FakeWechat:
    """WeChat's refund and certificate endpoints: each request's Authorization is checked with
    our merchant key; answers are signed with ``sign_with`` (the platform key)."""

    def __init__(self, merchant: rsa.RSAPrivateKey, sign_with: rsa.RSAPrivateKey, *,
                 refund_status: str = "SUCCESS", query_status: str = "SUCCESS",
                 http_status: int = 200, serial: str = PLATFORM_SERIAL) -> None:
        self.merchant, self.sign_with, self.serial = merchant, sign_with, serial
        self.platform = sign_with  # the trusted platform key, to switch back to
        self.refund_status, self.query_status = refund_status, query_status
        self.http_status = http_status
        self.certificates: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, Any]] = []

    def __call__(self, method: str, url: str, headers: Mapping[str, str],
                 body: bytes) -> tuple[int, Mapping[str, str], bytes]:
        auth = re.fullmatch(r'WECHATPAY2-SHA256-RSA2048 mchid="(\w+)",nonce_str="(\w+)",'
                            r'signature="([^"]+)",timestamp="(\d+)",serial_no="(\w+)"',
                            headers["Authorization"])
        assert auth is not None
        mchid, nonce, signature, stamp, serial = auth.groups()
        assert (mchid, serial) == (MCHID, SERIAL)
        path = url.removeprefix(API_BASE)
        assert rsa_keys.verify(self.merchant.public_key(), request_message(
            method=method, path=path, timestamp=stamp, nonce=nonce, body=body), signature)
        self.requests.append((method, path, json.loads(body) if body else None))
        if path == CERTIFICATES_PATH:
            answer: dict[str, Any] = {"data": self.certificates}
        elif method == "POST":
            order = json.loads(body)
            answer = self.refund_answer(order["out_refund_no"], self.refund_status,
                                        order["amount"]["refund"])
        else:
            answer = self.refund_answer(path.rsplit("/", 1)[1], self.query_status, 0)
        raw = json.dumps(answer).encode()
        return (self.http_status,
                signed_by_platform(self.sign_with, raw, serial=self.serial), raw)

    @staticmethod
    def refund_answer(refund_no: str, status: str, amount: int) -> dict[str, Any]:
        return {"refund_id": f"5030{refund_no[-8:]}", "out_refund_no": refund_no,
                "transaction_id": "4200000001", "out_trade_no": "x", "channel": "ORIGINAL",
                "status": status, "create_time": "2026-11-22T10:00:00+08:00",
                "amount": {"refund": amount, "currency": "CNY"}}


@pytest.fixture
def fake(merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey,
         monkeypatch: pytest.MonkeyPatch) -> FakeWechat:
    """Every WeChatPayProvider built from settings talks to this fake."""
    fake = FakeWechat(merchant_key, platform_key)
    monkeypatch.setattr(wechatpay_module, "urllib_transport", fake)
    return fake


@pytest.fixture
def wechat_settings(merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey,
                    apiv3_key: bytes) -> Iterator[None]:
    with override_settings(**configured(merchant_key, platform_key, apiv3_key),
                           WECHATPAY_REFUND_NOTIFY_URL=REFUND_NOTIFY_URL):
        yield


@pytest.fixture
def paid(owner: User) -> Payment:
    return Payment.objects.create(
        payer=owner, purpose="deposit", reference="merchant:1", amount_fen=500_00,
        provider="wechatpay", status=Payment.Status.SUCCEEDED, provider_txn_id="4200000001",
        paid_at=timezone.now())


def requested(payment: Payment, amount_fen: int = 200_00) -> Refund:
    return services.refund_request(payment=payment, amount_fen=amount_fen,
                                   reason=Refund.Reason.ORDER_REFUNDED,
                                   reference=f"order:{secrets.token_hex(4)}:refund")


def refund_notification(platform: rsa.RSAPrivateKey, apiv3: bytes, refund: Refund, *,
                        event: str = "REFUND.SUCCESS", status: str = "SUCCESS",
                        amount: int | None = None, **sign: Any
                        ) -> tuple[dict[str, str], bytes]:
    """A refund notification exactly as WeChat builds it."""
    resource = {"mchid": MCHID, "out_trade_no": refund.payment.payment_no,
                "transaction_id": "4200000001", "out_refund_no": refund.refund_no,
                "refund_id": "50300000001", "refund_status": status,
                "success_time": "2026-11-22T10:05:00+08:00",
                "user_received_account": "招商银行信用卡0403",
                "amount": {"total": refund.payment.amount_fen,
                           "refund": refund.amount_fen if amount is None else amount,
                           "payer_total": refund.payment.amount_fen,
                           "payer_refund": refund.amount_fen if amount is None else amount}}
    nonce, associated = secrets.token_hex(6), "refund"
    ciphertext = AESGCM(apiv3).encrypt(nonce.encode(), json.dumps(resource).encode(),
                                       associated.encode())
    envelope = {"id": "EV-R1", "create_time": "2026-11-22T10:05:00+08:00",
                "resource_type": "encrypt-resource", "event_type": event, "summary": "退款成功",
                "resource": {"original_type": "refund", "algorithm": "AEAD_AES_256_GCM",
                             "ciphertext": base64.b64encode(ciphertext).decode(),
                             "associated_data": associated, "nonce": nonce}}
    body = json.dumps(envelope, ensure_ascii=False).encode()
    return signed_by_platform(platform, body, **sign), body


def refund_state(refund: Refund) -> tuple[object, ...]:
    refund.refresh_from_db()
    refund.payment.refresh_from_db()
    return (refund.status, refund.payment.refunded_fen,
            OutboxEvent.objects.filter(name="payment.refunded").count())


# --- the refund request and its answers ------------------------------------------------------
@pytest.mark.usefixtures("wechat_settings")
def test_a_refund_is_applied_for_signed_and_succeeds_once(fake: FakeWechat,
                                                          paid: Payment) -> None:
    refund = requested(paid)
    refund = services.refund_issue(refund_no=refund.refund_no)
    assert refund_state(refund) == ("succeeded", 200_00, 1)
    assert refund.provider_refund_id == f"5030{refund.refund_no[-8:]}"
    [(method, path, order)] = fake.requests
    assert (method, path) == ("POST", REFUND_PATH)
    assert order == {"transaction_id": "4200000001", "out_refund_no": refund.refund_no,
                     "reason": "订单已退款", "notify_url": REFUND_NOTIFY_URL,
                     "amount": {"refund": 200_00, "total": 500_00, "currency": "CNY"}}
    # Issuing again (a retry after a lost answer) calls nothing and books nothing.
    services.refund_issue(refund_no=refund.refund_no)
    assert len(fake.requests) == 1
    assert refund_state(refund) == ("succeeded", 200_00, 1)


def test_without_a_transaction_id_or_notify_url_the_order_names_our_numbers(
        merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey, apiv3_key: bytes,
        owner: User) -> None:
    wechat = WechatPayProvider(mchid=MCHID, appid="wx1", merchant_serial=SERIAL,
                               private_key=merchant_key, apiv3_key=apiv3_key,
                               platform_keys={PLATFORM_SERIAL: platform_key.public_key()},
                               notify_url="https://shop.test/n", api_base=API_BASE)
    payment = Payment(payer=owner, purpose="deposit", reference="merchant:1", amount_fen=900)
    assert wechat.refund_order(payment, 300, "R1") == {
        "out_trade_no": payment.payment_no, "out_refund_no": "R1",
        "amount": {"refund": 300, "total": 900, "currency": "CNY"}}


@pytest.mark.usefixtures("wechat_settings")
@pytest.mark.parametrize("status", ["CLOSED", "ABNORMAL"])
def test_a_closed_or_abnormal_refund_ends_failed_with_the_reason(
        fake: FakeWechat, paid: Payment, status: str) -> None:
    fake.refund_status = status
    refund = services.refund_issue(refund_no=requested(paid).refund_no)
    assert refund_state(refund) == ("failed", 0, 0)
    assert refund.last_error == f"refund_{status.lower()}"


@pytest.mark.usefixtures("wechat_settings")
def test_an_http_error_or_a_forged_answer_leaves_the_refund_pending_for_the_retry(
        fake: FakeWechat, paid: Payment, merchant_key: rsa.RSAPrivateKey) -> None:
    refund = requested(paid)
    fake.http_status = 500
    assert services.refund_issue(refund_no=refund.refund_no).status == "pending"
    fake.http_status, fake.sign_with = 200, merchant_key  # answer signed by the wrong key
    refund = services.refund_issue(refund_no=refund.refund_no)
    assert refund_state(refund) == ("pending", 0, 0)
    assert refund.last_error.startswith("payment_provider_error")
    fake.sign_with = fake.platform  # WeChat answers properly again: the retry job issues it
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert services.refunds_issue_pending() == 1
    assert refund_state(refund) == ("succeeded", 200_00, 1)
    assert len(fake.requests) == 3  # the same out_refund_no each time: WeChat refunds once
    assert {order["out_refund_no"] for _m, _p, order in fake.requests} == {refund.refund_no}


@pytest.mark.usefixtures("wechat_settings")
def test_processing_then_the_poll_job_queries_and_finalises(fake: FakeWechat,
                                                            paid: Payment) -> None:
    fake.refund_status, fake.query_status = "PROCESSING", "PROCESSING"
    refund = services.refund_issue(refund_no=requested(paid).refund_no)
    assert refund_state(refund) == ("processing", 0, 0)
    assert services.refunds_poll_processing() == 0  # younger than a minute: not asked yet
    assert len(fake.requests) == 1
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later):
        assert services.refunds_poll_processing() == 0  # still processing at WeChat
    assert fake.requests[-1][:2] == ("GET", f"{REFUND_PATH}/{refund.refund_no}")
    fake.query_status = "SUCCESS"
    with time_machine.travel(later):
        assert services.refunds_poll_processing() == 1
        assert services.refunds_poll_processing() == 0
    assert refund_state(refund) == ("succeeded", 200_00, 1)
    assert len(fake.requests) == 3


# --- the refund notification -------------------------------------------------------------------
@pytest.fixture
def processing(fake: FakeWechat, paid: Payment, wechat_settings: None) -> Refund:
    fake.refund_status = "PROCESSING"
    return services.refund_issue(refund_no=requested(paid).refund_no)


@pytest.mark.usefixtures("wechat_settings")
def test_the_refund_notification_finalises_once_and_a_replay_changes_nothing(
        processing: Refund, platform_key: rsa.RSAPrivateKey, apiv3_key: bytes) -> None:
    headers, body = refund_notification(platform_key, apiv3_key, processing)
    response = post_callback(headers, body, provider="wechatpay", kind="refund-callback")
    assert (response.status_code, response.json()) == (200, {"code": "SUCCESS"})
    assert refund_state(processing) == ("succeeded", 200_00, 1)
    assert processing.provider_refund_id == "50300000001"
    replay = post_callback(headers, body, provider="wechatpay", kind="refund-callback")
    assert (replay.status_code, replay.json()) == (200, {"code": "SUCCESS"})
    assert refund_state(processing) == ("succeeded", 200_00, 1)
    assert list(CallbackLog.objects.order_by("pk").values_list("kind", "outcome")) == [
        ("refund", "applied"), ("refund", "duplicate")]


@pytest.mark.usefixtures("wechat_settings")
def test_forged_stale_or_mismatched_refund_notifications_change_nothing(
        processing: Refund, platform_key: rsa.RSAPrivateKey, merchant_key: rsa.RSAPrivateKey,
        apiv3_key: bytes) -> None:
    stale = int((timezone.now() - timedelta(minutes=6)).timestamp())
    cases = [
        (refund_notification(merchant_key, apiv3_key, processing), "bad_signature"),
        (refund_notification(platform_key, apiv3_key, processing, serial="OTHER"),
         "bad_signature"),
        (refund_notification(platform_key, secrets.token_hex(16).encode(), processing),
         "bad_signature"),
        (refund_notification(platform_key, apiv3_key, processing, timestamp=stale),
         "stale_timestamp"),
        (refund_notification(platform_key, apiv3_key, processing, amount=200_01),
         "amount_mismatch"),
        (refund_notification(platform_key, apiv3_key, processing, event="REFUND.SUCCESS",
                             status="PROCESSING"), "malformed_callback"),
    ]
    for (headers, body), code in cases:
        response = post_callback(headers, body, provider="wechatpay", kind="refund-callback")
        assert (response.status_code, response.json()) == (
            400, {"code": "FAIL", "message": code})
        assert refund_state(processing) == ("processing", 0, 0)
    headers, body = refund_notification(platform_key, apiv3_key, processing)
    tampered = body.replace(b'"EV-R1"', b'"EV-R2"')
    assert post_callback(headers, tampered, provider="wechatpay",
                         kind="refund-callback").status_code == 400
    assert refund_state(processing) == ("processing", 0, 0)
    assert set(CallbackLog.objects.values_list("kind", "outcome")) == {("refund", "rejected")}


@pytest.mark.usefixtures("wechat_settings")
@pytest.mark.parametrize("state", ["CLOSED", "ABNORMAL"])
def test_a_refund_notification_of_a_failure_ends_the_refund_failed(
        processing: Refund, platform_key: rsa.RSAPrivateKey, apiv3_key: bytes,
        state: str) -> None:
    headers, body = refund_notification(platform_key, apiv3_key, processing,
                                        event=f"REFUND.{state}", status=state)
    assert post_callback(headers, body, provider="wechatpay",
                         kind="refund-callback").status_code == 200
    assert refund_state(processing) == ("failed", 0, 0)
    assert processing.last_error == f"refund_{state.lower()}"
    # A later success notification for a refund we closed is refused, not applied.
    headers, body = refund_notification(platform_key, apiv3_key, processing)
    response = post_callback(headers, body, provider="wechatpay", kind="refund-callback")
    assert response.json() == {"code": "FAIL", "message": "refund_already_failed"}
    assert refund_state(processing) == ("failed", 0, 0)


def test_providers_without_refund_notifications_refuse_them(owner: User) -> None:
    response = post_callback({}, b"{}", provider="sandbox", kind="refund-callback")
    assert (response.status_code, response.json()["message"]) == (400, "malformed_callback")
    response = post_callback({}, b"{}", provider="wechatpay", kind="refund-callback")
    assert response.json() == {"code": "FAIL", "message": "unknown_provider"}  # not configured


# --- platform certificates ---------------------------------------------------------------------
def certificate_entry(key: rsa.RSAPrivateKey, apiv3: bytes, *, serial: int = 0x7A3F01,
                      claimed_serial: str | None = None) -> dict[str, Any]:
    """One entry of GET /v3/certificates: a certificate for ``key``, encrypted with ``apiv3``."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = timezone.now()
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(serial)
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=365 * 5))
                   .sign(key, hashes.SHA256()))
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    nonce = secrets.token_hex(6)
    ciphertext = AESGCM(apiv3).encrypt(nonce.encode(), pem, b"certificate")
    return {"serial_no": claimed_serial or format(serial, "X"),
            "effective_time": (now - timedelta(days=1)).isoformat(),
            "expire_time": (now + timedelta(days=365 * 5)).isoformat(),
            "encrypt_certificate": {"algorithm": "AEAD_AES_256_GCM", "nonce": nonce,
                                    "associated_data": "certificate",
                                    "ciphertext": base64.b64encode(ciphertext).decode()}}


@pytest.fixture(scope="module")
def new_platform_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.usefixtures("wechat_settings")
def test_a_downloaded_certificate_lets_a_notification_by_the_new_key_verify(
        fake: FakeWechat, processing: Refund, new_platform_key: rsa.RSAPrivateKey,
        apiv3_key: bytes) -> None:
    headers, body = refund_notification(new_platform_key, apiv3_key, processing,
                                        serial="7A3F01")
    before = post_callback(headers, body, provider="wechatpay", kind="refund-callback")
    assert before.json() == {"code": "FAIL", "message": "bad_signature"}
    fake.certificates = [certificate_entry(new_platform_key, apiv3_key)]
    assert services.wechatpay_certificates_refresh() == 1
    assert fake.requests[-1][:2] == ("GET", CERTIFICATES_PATH)
    stored = PlatformCertificate.objects.get()
    assert stored.serial == "7A3F01" and stored.expires_at > timezone.now()
    assert services.wechatpay_certificates_refresh() == 0  # known already: nothing new
    after = post_callback(headers, body, provider="wechatpay", kind="refund-callback")
    assert (after.status_code, after.json()) == (200, {"code": "SUCCESS"})
    assert refund_state(processing) == ("succeeded", 200_00, 1)
    # An expired stored certificate is not used.
    PlatformCertificate.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    provider = WechatPayProvider.from_settings()
    assert provider is not None and provider.platform_key("7A3F01") is None


@pytest.mark.usefixtures("wechat_settings")
def test_a_forged_certificate_answer_is_refused(fake: FakeWechat,
                                                new_platform_key: rsa.RSAPrivateKey,
                                                apiv3_key: bytes) -> None:
    # Signed by the new (not yet trusted) key itself: whoever holds it could have made it.
    fake.certificates = [certificate_entry(new_platform_key, apiv3_key)]
    fake.sign_with, fake.serial = new_platform_key, "7A3F01"
    with pytest.raises(ProviderError):
        services.wechatpay_certificates_refresh()
    # Signed by the trusted key but not encrypted with our APIv3 key.
    fake.sign_with, fake.serial = fake.platform, PLATFORM_SERIAL
    fake.certificates = [certificate_entry(new_platform_key, secrets.token_hex(16).encode())]
    with pytest.raises(ProviderError):
        services.wechatpay_certificates_refresh()
    # A certificate whose serial is not the one claimed.
    fake.certificates = [certificate_entry(new_platform_key, apiv3_key, claimed_serial="BEEF")]
    with pytest.raises(ProviderError):
        services.wechatpay_certificates_refresh()
    assert not PlatformCertificate.objects.exists()
    provider = WechatPayProvider.from_settings()
    assert provider is not None
    headers, body = signed_by_platform(new_platform_key, b"{}", serial="7A3F01"), b"{}"
    with pytest.raises(BadSignature):
        provider.verify(headers, body)


def test_the_refresh_does_nothing_when_wechat_pay_is_off(fake: FakeWechat) -> None:
    assert services.wechatpay_certificates_refresh() == 0
    assert fake.requests == []


def test_refund_status_mapping_refuses_unknown_states(fake: FakeWechat,
                                                      wechat_settings: None) -> None:
    provider = WechatPayProvider.from_settings()
    assert provider is not None
    assert provider._refund_result({"out_refund_no": "R1", "status": "SUCCESS",
                                    "refund_id": "9"}, refund_no="R1").status \
        == RefundStatus.SUCCEEDED
    with pytest.raises(ProviderError):
        provider._refund_result({"out_refund_no": "R1", "status": "WHATEVER"}, refund_no="R1")
    with pytest.raises(ProviderError):  # an answer about another refund
        provider._refund_result({"out_refund_no": "R2", "status": "SUCCESS"}, refund_no="R1")
