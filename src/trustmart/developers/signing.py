"""Standard Webhooks signatures (https://www.standardwebhooks.com).

A secret is ``whsec_`` + base64 of random bytes; the HMAC key is those bytes. The signature of
one attempt is ``v1,`` + base64(HMAC-SHA256(key, "{msg_id}.{timestamp}.{body}")); while a
rotated secret is still valid, both sign and the header carries both, separated by a space, so
a receiver holding either secret verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw + "=" * (-len(raw) % 4))


def sign(*, secret: str, msg_id: str, timestamp: int, body: str) -> str:
    digest = hmac.new(_key(secret), f"{msg_id}.{timestamp}.{body}".encode(),
                      hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(*, secrets_: Iterable[str], msg_id: str, timestamp: int,
            body: str) -> dict[str, str]:
    """The three headers of one attempt, signed with every given secret."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(secret=s, msg_id=msg_id, timestamp=timestamp,
                                           body=body) for s in secrets_),
    }
