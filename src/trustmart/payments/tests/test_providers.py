"""The provider interface and the sandbox's signature: pure, no database."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from trustmart.core.errors import InvalidInput
from trustmart.payments.providers import (
    BadSignature,
    CallbackData,
    MalformedCallback,
    Outcome,
    StaleTimestamp,
    available_providers,
    get_provider,
)
from trustmart.payments.providers.sandbox import SandboxProvider, sign

SECRET = "test-secret-一二三"
NO = "a" * 24


def provider() -> SandboxProvider:
    return SandboxProvider(secret=SECRET)


def lowered(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def signed(body: dict[str, object], *, secret: str = SECRET, timestamp: int | None = None,
           nonce: str = "nonce-0123456789") -> tuple[dict[str, str], bytes]:
    """Sign an arbitrary body (a broken one too) the way the sandbox does."""
    stamp = str(timestamp if timestamp is not None else int(timezone.now().timestamp()))
    raw = json.dumps(body).encode()
    return {"x-sandbox-timestamp": stamp, "x-sandbox-nonce": nonce,
            "x-sandbox-signature": sign(secret=secret, timestamp=stamp, nonce=nonce,
                                        body=raw)}, raw


def good_body(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {"payment_no": NO, "txn_id": "T1", "amount_fen": 100_00,
                               "outcome": "succeeded",
                               "timestamp": int(timezone.now().timestamp()),
                               "nonce": "nonce-0123456789"}
    body.update(changes)
    return body


def test_a_good_notification_is_read() -> None:
    headers, body = provider().notification(payment_no=NO, amount_fen=12_345,
                                            outcome=Outcome.FAILED, txn_id="TX-9")
    data = provider().parse_callback(lowered(headers), body)
    assert data == CallbackData(provider_txn_id="TX-9", payment_no=NO, amount_fen=12_345,
                                outcome=Outcome.FAILED)


def test_the_signature_covers_timestamp_nonce_and_body_exactly() -> None:
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="cancelled")
    stamp, nonce = headers["X-Sandbox-Timestamp"], headers["X-Sandbox-Nonce"]
    expected = hmac.new(SECRET.encode(), f"{stamp}\n{nonce}\n".encode() + body + b"\n",
                        hashlib.sha256).hexdigest()
    assert headers["X-Sandbox-Signature"] == expected
    assert json.loads(body) == {"payment_no": NO, "txn_id": f"SBX{NO}", "amount_fen": 100,
                                "outcome": "cancelled", "timestamp": int(stamp),
                                "nonce": nonce}


def test_a_tampered_body_is_a_bad_signature() -> None:
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="succeeded")
    tampered = body.replace(b'"amount_fen":100', b'"amount_fen":1')
    assert tampered != body
    with pytest.raises(BadSignature):
        provider().parse_callback(lowered(headers), tampered)


def test_a_tampered_header_is_a_bad_signature() -> None:
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="succeeded")
    headers = lowered(headers)
    headers["x-sandbox-nonce"] = "another-nonce-123"
    with pytest.raises(BadSignature):
        provider().parse_callback(headers, body)


def test_a_notification_signed_with_another_secret_is_refused() -> None:
    headers, body = SandboxProvider(secret="not-the-secret").notification(
        payment_no=NO, amount_fen=100, outcome="succeeded")
    with pytest.raises(BadSignature):
        provider().parse_callback(lowered(headers), body)


@pytest.mark.parametrize("minutes", [-6, 6, -60 * 24])
def test_a_stale_or_future_timestamp_is_refused(minutes: int) -> None:
    now = timezone.now()
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="succeeded",
                                            now=now + timedelta(minutes=minutes))
    with pytest.raises(StaleTimestamp):
        provider().parse_callback(lowered(headers), body, now=now)


@pytest.mark.parametrize("seconds", [-299, 0, 299])
def test_five_minutes_of_clock_skew_are_tolerated(seconds: int) -> None:
    now = timezone.now()
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="succeeded",
                                            now=now + timedelta(seconds=seconds))
    assert provider().parse_callback(lowered(headers), body, now=now).amount_fen == 100


@pytest.mark.parametrize("missing", ["x-sandbox-timestamp", "x-sandbox-nonce",
                                     "x-sandbox-signature"])
def test_missing_headers_are_malformed(missing: str) -> None:
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="succeeded")
    headers = lowered(headers)
    del headers[missing]
    with pytest.raises(MalformedCallback):
        provider().parse_callback(headers, body)


@pytest.mark.parametrize("header,value", [
    ("x-sandbox-timestamp", "yesterday"), ("x-sandbox-nonce", "short"),
    ("x-sandbox-nonce", "has space in it!"), ("x-sandbox-signature", "zz" * 32),
])
def test_malformed_headers_are_refused(header: str, value: str) -> None:
    headers, body = provider().notification(payment_no=NO, amount_fen=100, outcome="succeeded")
    headers = lowered(headers)
    headers[header] = value
    with pytest.raises(MalformedCallback):
        provider().parse_callback(headers, body)


@pytest.mark.parametrize("changes", [
    {"amount_fen": "10000"}, {"amount_fen": 100.0}, {"amount_fen": True}, {"amount_fen": 0},
    {"outcome": "refunded"}, {"outcome": ["succeeded"]}, {"payment_no": ""},
    {"txn_id": 7}, {"timestamp": 1}, {"nonce": "other-nonce-value"}, {"extra": "field"},
])
def test_well_signed_but_malformed_bodies_are_refused(changes: dict[str, object]) -> None:
    headers, body = signed(good_body(**changes))
    with pytest.raises(MalformedCallback):
        provider().parse_callback(headers, body)


def test_a_body_that_is_not_a_json_object_is_malformed() -> None:
    for raw in (b"not json", b"[1, 2]", b"\xff\xfe"):
        stamp, nonce = str(int(timezone.now().timestamp())), "nonce-0123456789"
        headers = {"x-sandbox-timestamp": stamp, "x-sandbox-nonce": nonce,
                   "x-sandbox-signature": sign(secret=SECRET, timestamp=stamp, nonce=nonce,
                                               body=raw)}
        with pytest.raises(MalformedCallback):
            provider().parse_callback(headers, raw)


def test_a_missing_field_is_malformed() -> None:
    body = good_body()
    del body["txn_id"]
    headers, raw = signed(body)
    with pytest.raises(MalformedCallback):
        provider().parse_callback(headers, raw)


def test_the_well_signed_good_body_passes_the_same_checks() -> None:
    """The control for the two tests above: only the broken field made them fail."""
    headers, raw = signed(good_body())
    assert provider().parse_callback(headers, raw).provider_txn_id == "T1"


def test_the_registry_offers_the_configured_sandbox() -> None:
    sandbox = get_provider("sandbox")
    assert isinstance(sandbox, SandboxProvider)
    assert [p.name for p in available_providers()] == ["sandbox"]


def test_an_unknown_provider_is_not_available() -> None:
    with pytest.raises(InvalidInput) as caught:
        get_provider("wechatpay")
    assert caught.value.code == "payment_provider_unavailable"


@override_settings(SANDBOX_PAYMENT_SECRET="")
def test_a_provider_without_configuration_is_off() -> None:
    assert available_providers() == []
    with pytest.raises(InvalidInput):
        get_provider("sandbox")


def test_the_default_secret_is_derived_from_the_secret_key() -> None:
    assert len(settings.SANDBOX_PAYMENT_SECRET) == 64
    assert settings.SECRET_KEY not in settings.SANDBOX_PAYMENT_SECRET


def test_the_callback_answer_is_what_providers_expect() -> None:
    assert provider().callback_response(accepted=True) == (200, {"code": "SUCCESS"})
    assert provider().callback_response(accepted=False, message="bad_signature") == (
        400, {"code": "FAIL", "message": "bad_signature"})


def test_the_sandbox_can_be_switched_off_and_the_deploy_check_says_so(settings) -> None:
    from trustmart.payments.checks import sandbox_off_in_deployment
    from trustmart.payments.providers import available_providers

    assert [w.id for w in sandbox_off_in_deployment()] == ["payments.W001"]
    settings.PAYMENT_SANDBOX_ENABLED = False
    assert sandbox_off_in_deployment() == []
    assert "sandbox" not in [p.name for p in available_providers()]
