"""Carrier codes, tracking-number shape and the webhook signature: pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trustmart.core.errors import InvalidInput
from trustmart.logistics.carriers import CARRIERS, carrier_clean, tracking_no_clean
from trustmart.logistics.signing import webhook_signature, webhook_signature_valid

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
STAMP = str(int(NOW.timestamp()))


def test_the_ten_common_carriers_are_listed() -> None:
    codes = {c.code for c in CARRIERS}
    assert codes == {"SF", "ZTO", "YTO", "STO", "YD", "JD", "EMS", "JTSDEX", "DBL", "YZPY"}
    assert carrier_clean("sf").name_zh == "顺丰速运"


@pytest.mark.parametrize("code", ["", "UPS", "S F"])
def test_unknown_carrier_is_refused(code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        carrier_clean(code)
    assert info.value.code == "unknown_carrier"


@pytest.mark.parametrize(("raw", "clean"), [("SF1234567890", "SF1234567890"),
                                            ("jt 0012 3456 78", "JT0012345678"),
                                            ("12345678", "12345678"), ("A" * 30, "A" * 30)])
def test_tracking_numbers_are_normalised(raw: str, clean: str) -> None:
    assert tracking_no_clean(raw) == clean


@pytest.mark.parametrize("raw", ["", "1234567", "A" * 31, "SF-12345678", "顺丰12345678"])
def test_malformed_tracking_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        tracking_no_clean(raw)
    assert info.value.code == "invalid_tracking_no"


def test_signature_covers_timestamp_and_body() -> None:
    body = b'{"a": 1}'
    signature = webhook_signature(secret="k", timestamp=STAMP, body=body)
    assert webhook_signature_valid(secret="k", timestamp=STAMP, signature=signature, body=body,
                                   now=NOW)
    assert webhook_signature_valid(secret="k", timestamp=STAMP, signature=signature.upper(),
                                   body=body, now=NOW)
    assert not webhook_signature_valid(secret="other", timestamp=STAMP, signature=signature,
                                       body=body, now=NOW)
    assert not webhook_signature_valid(secret="k", timestamp=STAMP, signature=signature,
                                       body=b'{"a": 2}', now=NOW)
    later = str(int(NOW.timestamp()) + 1)
    assert not webhook_signature_valid(secret="k", timestamp=later, signature=signature,
                                       body=body, now=NOW)
    assert not webhook_signature_valid(secret="k", timestamp="soon", signature=signature,
                                       body=body, now=NOW)


@pytest.mark.parametrize(("offset", "ok"), [(timedelta(minutes=4, seconds=59), True),
                                            (timedelta(minutes=-4, seconds=-59), True),
                                            (timedelta(minutes=5, seconds=1), False),
                                            (timedelta(minutes=-5, seconds=-1), False)])
def test_signature_allows_five_minutes_of_skew(offset: timedelta, ok: bool) -> None:
    body = b"{}"
    signature = webhook_signature(secret="k", timestamp=STAMP, body=body)
    assert webhook_signature_valid(secret="k", timestamp=STAMP, signature=signature, body=body,
                                   now=NOW + offset) is ok
