"""The webhook signature (pure): hex HMAC-SHA256 over ``timestamp + "\\n" + body``.

Signing the timestamp with the body lets us refuse replays older than ``MAX_SKEW``; the
protocol is written up in docs/logistics.md for carrier aggregators.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

MAX_SKEW = timedelta(minutes=5)
TIMESTAMP_HEADER = "X-Logistics-Timestamp"
SIGNATURE_HEADER = "X-Logistics-Signature"


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature_valid(*, secret: str, timestamp: str, signature: str, body: bytes,
                            now: datetime) -> bool:
    """True if the signature matches and the timestamp (Unix seconds) is within the skew."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now.timestamp() - sent) > MAX_SKEW.total_seconds():
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, (signature or "").strip().lower())
