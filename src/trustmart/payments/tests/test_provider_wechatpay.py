"""WeChat Pay APIv3 with generated keys: requests signed, answers and notifications verified and
decrypted exactly as WeChat builds them. No network: the transport is a fake."""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID
from django.test import override_settings
from django.utils import timezone, translation

from trustmart.accounts.models import User
from trustmart.ledger.models import Journal
from trustmart.merchants.models import Merchant
from trustmart.payments import services
from trustmart.payments.models import Payment
from trustmart.payments.providers import (
    BadSignature,
    CallbackData,
    MalformedCallback,
    Outcome,
    StaleTimestamp,
    available_providers,
    get_provider,
)
from trustmart.payments.providers import rsa as rsa_keys
from trustmart.payments.providers.wechatpay import (
    H5_PATH,
    NotFinal,
    ProviderError,
    WechatPayProvider,
    parse_platform_keys,
    request_message,
    response_message,
)

from .helpers import logs, state

MCHID, APPID, SERIAL, PLATFORM_SERIAL = "1900000109", "wx8888888888888888", "MERCH01", "PLAT01"
API_BASE = "https://wechat.test"
NO = "b" * 24


def pem_private(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def pem_public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def merchant_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def platform_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def apiv3_key() -> bytes:
    return secrets.token_hex(16).encode()  # 32 ASCII bytes, as the merchant platform issues


@pytest.fixture
def wechat(merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey,
           apiv3_key: bytes) -> WechatPayProvider:
    return WechatPayProvider(mchid=MCHID, appid=APPID, merchant_serial=SERIAL,
                             private_key=merchant_key, apiv3_key=apiv3_key,
                             platform_keys={PLATFORM_SERIAL: platform_key.public_key()},
                             notify_url="https://shop.test/pay/callback/wechatpay/",
                             api_base=API_BASE)


def signed_by_platform(key: rsa.RSAPrivateKey, body: bytes, *, serial: str = PLATFORM_SERIAL,
                       timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(timezone.now().timestamp()))
    nonce = secrets.token_hex(16)
    return {"wechatpay-timestamp": stamp, "wechatpay-nonce": nonce, "wechatpay-serial": serial,
            "wechatpay-signature": rsa_keys.sign(key, response_message(
                timestamp=stamp, nonce=nonce, body=body))}


def notification(platform: rsa.RSAPrivateKey, apiv3: bytes, *, payment_no: str = NO,
                 amount: int = 100_00, state: str = "SUCCESS",
                 event: str = "TRANSACTION.SUCCESS", txn: str = "4200000001",
                 **sign: Any) -> tuple[dict[str, str], bytes]:
    """A notification exactly as WeChat builds it: transaction encrypted, envelope signed."""
    transaction = {"mchid": MCHID, "appid": APPID, "out_trade_no": payment_no,
                   "transaction_id": txn, "trade_type": "MWEB", "trade_state": state,
                   "amount": {"total": amount, "payer_total": amount, "currency": "CNY"}}
    nonce, associated = secrets.token_hex(6), "transaction"
    ciphertext = AESGCM(apiv3).encrypt(nonce.encode(), json.dumps(transaction).encode(),
                                       associated.encode())
    envelope = {"id": "EV-1", "create_time": "2026-11-22T10:00:00+08:00",
                "resource_type": "encrypt-resource", "event_type": event,
                "summary": "支付成功",
                "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                             "ciphertext": base64.b64encode(ciphertext).decode(),
                             "associated_data": associated, "nonce": nonce}}
    body = json.dumps(envelope, ensure_ascii=False).encode()
    return signed_by_platform(platform, body, **sign), body


def test_a_valid_notification_is_read(wechat: WechatPayProvider,
                                      platform_key: rsa.RSAPrivateKey, apiv3_key: bytes) -> None:
    headers, body = notification(platform_key, apiv3_key, amount=12_345)
    assert wechat.parse_callback(headers, body) == CallbackData(
        provider_txn_id="4200000001", payment_no=NO, amount_fen=12_345,
        outcome=Outcome.SUCCEEDED)


@pytest.mark.parametrize("state", ["CLOSED", "PAYERROR", "REVOKED"])
def test_closed_states_are_failures(wechat: WechatPayProvider, platform_key: rsa.RSAPrivateKey,
                                    apiv3_key: bytes, state: str) -> None:
    headers, body = notification(platform_key, apiv3_key, state=state, event="TRANSACTION.X")
    assert wechat.parse_callback(headers, body).outcome == Outcome.FAILED


@pytest.mark.parametrize(("state", "event"), [("NOTPAY", "TRANSACTION.SUCCESS"),
                                              ("USERPAYING", "TRANSACTION.SUCCESS"),
                                              ("SUCCESS", "REFUND.SUCCESS")])
def test_a_state_that_is_not_final_is_refused(wechat: WechatPayProvider,
                                              platform_key: rsa.RSAPrivateKey,
                                              apiv3_key: bytes, state: str, event: str) -> None:
    headers, body = notification(platform_key, apiv3_key, state=state, event=event)
    with pytest.raises(NotFinal):
        wechat.parse_callback(headers, body)


def test_a_tampered_body_is_a_bad_signature(wechat: WechatPayProvider,
                                            platform_key: rsa.RSAPrivateKey,
                                            apiv3_key: bytes) -> None:
    headers, body = notification(platform_key, apiv3_key)
    tampered = body.replace(b'"EV-1"', b'"EV-2"')
    assert tampered != body
    with pytest.raises(BadSignature):
        wechat.parse_callback(headers, tampered)


def test_a_signature_by_another_key_is_refused(wechat: WechatPayProvider,
                                               merchant_key: rsa.RSAPrivateKey,
                                               apiv3_key: bytes) -> None:
    with pytest.raises(BadSignature):
        wechat.parse_callback(*notification(merchant_key, apiv3_key))


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Some assertions read the (translated) reason; read it in English."""
    with translation.override("en"):
        yield


def test_an_unknown_serial_is_refused(wechat: WechatPayProvider,
                                      platform_key: rsa.RSAPrivateKey, apiv3_key: bytes) -> None:
    with pytest.raises(BadSignature, match="unknown certificate"):
        wechat.parse_callback(*notification(platform_key, apiv3_key, serial="OTHER"))


@pytest.mark.parametrize("minutes", [-6, 6])
def test_a_stale_or_future_timestamp_is_refused(wechat: WechatPayProvider,
                                                platform_key: rsa.RSAPrivateKey,
                                                apiv3_key: bytes, minutes: int) -> None:
    stamp = int((timezone.now() + timedelta(minutes=minutes)).timestamp())
    headers, body = notification(platform_key, apiv3_key, timestamp=stamp)
    with pytest.raises(StaleTimestamp):
        wechat.parse_callback(headers, body)
    # The same notification is fine for a clock that agrees with it.
    later = timezone.now() + timedelta(minutes=minutes)
    assert wechat.parse_callback(headers, body, now=later).payment_no == NO


def test_a_wrong_apiv3_key_or_broken_tag_is_refused(wechat: WechatPayProvider,
                                                    platform_key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(BadSignature, match="decrypted"):
        wechat.parse_callback(*notification(platform_key, secrets.token_hex(16).encode()))
    _, body = notification(platform_key, wechat.apiv3_key)
    envelope = json.loads(body)
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[-1] ^= 1  # the GCM tag
    envelope["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    broken = json.dumps(envelope).encode()
    with pytest.raises(BadSignature, match="decrypted"):
        wechat.parse_callback(signed_by_platform(platform_key, broken), broken)


def test_missing_headers_or_garbage_are_malformed(wechat: WechatPayProvider,
                                                  platform_key: rsa.RSAPrivateKey) -> None:
    headers, body = notification(platform_key, wechat.apiv3_key)
    with pytest.raises(MalformedCallback):
        wechat.parse_callback({k: v for k, v in headers.items() if k != "wechatpay-nonce"},
                              body)
    with pytest.raises(MalformedCallback):
        wechat.parse_callback(signed_by_platform(platform_key, b"[1]"), b"[1]")


class FakeWechat:
    """The H5 order endpoint: checks our Authorization with our public key, answers signed."""

    def __init__(self, merchant: rsa.RSAPrivateKey, platform: rsa.RSAPrivateKey,
                 *, status: int = 200, sign_with: rsa.RSAPrivateKey | None = None) -> None:
        self.merchant, self.platform, self.status = merchant, platform, status
        self.sign_with = sign_with or platform
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

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
        self.requests.append((method, path, json.loads(body)))
        answer = b'{"h5_url":"https://wx.tenpay.test/cgi-bin/mmpayweb?prepay_id=wx1"}'
        return self.status, signed_by_platform(self.sign_with, answer), answer


@pytest.mark.django_db
def test_create_places_a_signed_h5_order(wechat: WechatPayProvider, owner: User,
                                         merchant_key: rsa.RSAPrivateKey,
                                         platform_key: rsa.RSAPrivateKey) -> None:
    fake = FakeWechat(merchant_key, platform_key)
    wechat.transport = fake
    payment = Payment.objects.create(payer=owner, purpose="deposit", reference="merchant:1",
                                     amount_fen=5_000_00, provider="wechatpay",
                                     description="山水茶业")
    start = wechat.create(payment)
    assert start.redirect_url == "https://wx.tenpay.test/cgi-bin/mmpayweb?prepay_id=wx1"
    assert start.provider == "wechatpay" and start.payment_no == payment.payment_no
    [(method, path, order)] = fake.requests
    assert (method, path) == ("POST", H5_PATH)
    assert order == {"appid": APPID, "mchid": MCHID, "description": "山水茶业",
                     "out_trade_no": payment.payment_no, "notify_url": wechat.notify_url,
                     "amount": {"total": 5_000_00, "currency": "CNY"},
                     "scene_info": {"payer_client_ip": "127.0.0.1",
                                    "h5_info": {"type": "Wap"}}}


@pytest.mark.django_db
def test_create_refuses_an_error_or_an_unsigned_answer(wechat: WechatPayProvider, owner: User,
                                                       merchant_key: rsa.RSAPrivateKey,
                                                       platform_key: rsa.RSAPrivateKey) -> None:
    payment = Payment.objects.create(payer=owner, purpose="deposit", reference="merchant:1",
                                     amount_fen=100, provider="wechatpay")
    wechat.transport = FakeWechat(merchant_key, platform_key, status=400)
    with pytest.raises(ProviderError):
        wechat.create(payment)
    wechat.transport = FakeWechat(merchant_key, platform_key, sign_with=merchant_key)
    with pytest.raises(ProviderError):
        wechat.create(payment)


def test_platform_keys_in_every_documented_form(platform_key: rsa.RSAPrivateKey,
                                                tmp_path: Any) -> None:
    public = pem_public(platform_key)
    path = tmp_path / "platform.pem"
    path.write_text(public)
    numbers = platform_key.public_key().public_numbers()
    for value in (json.dumps({"plat01": public}), f"PLAT01:{path}", f"X:{path},PLAT01:{public}"):
        assert parse_platform_keys(value)["PLAT01"].public_numbers() == numbers
    assert parse_platform_keys("") == {}


def test_a_platform_certificate_gives_its_own_serial(platform_key: rsa.RSAPrivateKey) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = timezone.now()
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(platform_key.public_key()).serial_number(0x5157F09E6ADD)
                   .not_valid_before(now).not_valid_after(now + timedelta(days=365))
                   .sign(platform_key, hashes.SHA256()))
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    keys = parse_platform_keys(pem)
    assert list(keys) == ["5157F09E6ADD"]
    assert keys["5157F09E6ADD"].public_numbers() == platform_key.public_key().public_numbers()


def configured(merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey,
               apiv3_key: bytes) -> dict[str, str]:
    return {"WECHATPAY_MCHID": MCHID, "WECHATPAY_APPID": APPID,
            "WECHATPAY_MERCHANT_SERIAL": SERIAL,
            "WECHATPAY_PRIVATE_KEY": pem_private(merchant_key),
            "WECHATPAY_APIV3_KEY": apiv3_key.decode(),
            "WECHATPAY_PLATFORM_CERTS": json.dumps({PLATFORM_SERIAL: pem_public(platform_key)}),
            "WECHATPAY_NOTIFY_URL": "https://shop.test/pay/callback/wechatpay/",
            "WECHATPAY_API_BASE": API_BASE}


def test_without_settings_wechat_pay_is_off(merchant_key: rsa.RSAPrivateKey,
                                            platform_key: rsa.RSAPrivateKey,
                                            apiv3_key: bytes) -> None:
    full = configured(merchant_key, platform_key, apiv3_key)
    with override_settings(**full):
        assert "wechatpay" in [p.name for p in available_providers()]
    with override_settings(**{**full, "WECHATPAY_APIV3_KEY": ""}):
        assert WechatPayProvider.from_settings() is None
        assert "wechatpay" not in [p.name for p in available_providers()]


@pytest.mark.django_db
@pytest.mark.usefixtures("books_stay_sound")
def test_end_to_end_a_wechat_notification_pays_the_deposit(
        merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey, apiv3_key: bytes,
        owner: User, merchant: Merchant) -> None:
    with override_settings(**configured(merchant_key, platform_key, apiv3_key)):
        payment = services.deposit_payment_create(
            user=owner, merchant_id=merchant.pk, amount_fen=merchant.deposit_required_fen,
            provider="wechatpay")
        assert get_provider("wechatpay").name == payment.provider == "wechatpay"
        wrong = notification(platform_key, apiv3_key, payment_no=payment.payment_no,
                             amount=payment.amount_fen - 1, txn="4200000002")
        before = state()
        refused = services.callback_handle(provider="wechatpay", headers=wrong[0], body=wrong[1])
        assert (refused.http_status, refused.code) == (400, "amount_mismatch")
        assert state() == before
        headers, body = notification(platform_key, apiv3_key, payment_no=payment.payment_no,
                                     amount=payment.amount_fen)
        result = services.callback_handle(
            provider="wechatpay", headers={k.title(): v for k, v in headers.items()}, body=body)
    assert (result.outcome, result.http_status, result.http_body) == (
        "applied", 200, {"code": "SUCCESS"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.provider_txn_id == "4200000001"
    assert Journal.objects.filter(reference=f"payment:{payment.payment_no}").count() == 1
    assert [outcome for outcome, _ in logs()] == ["rejected", "applied"]


@pytest.mark.django_db
def test_the_h5_order_carries_the_payers_address(
        wechat: WechatPayProvider, owner: User, merchant: Merchant,
        merchant_key: rsa.RSAPrivateKey, platform_key: rsa.RSAPrivateKey,
        api_client_for: Callable[[User], Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """WeChat's risk checks compare payer_client_ip with where h5_url is opened: the API
    passes the address the request came from."""
    fake = FakeWechat(merchant_key, platform_key)
    wechat.transport = fake
    monkeypatch.setattr(WechatPayProvider, "from_settings", classmethod(lambda cls: wechat))
    response = api_client_for(owner).post(
        "/api/payments/deposits", {"merchant_id": merchant.pk, "amount_fen": 1_000_00,
                                   "provider": "wechatpay"},
        content_type="application/json", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 201, response.content
    [(_method, _path, order)] = fake.requests
    assert order["scene_info"]["payer_client_ip"] == "203.0.113.7"
