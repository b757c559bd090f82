"""Test helpers: a correctly signed webhook post, as a carrier aggregator sends it."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.test import Client
from django.utils import timezone

from trustmart.logistics.signing import webhook_signature


def signed_post(client: Client, payload: object, *, secret: str | None = None,
                timestamp: int | None = None) -> Any:
    body = json.dumps(payload).encode()
    stamp = str(timestamp if timestamp is not None else int(timezone.now().timestamp()))
    signature = webhook_signature(secret=secret or settings.LOGISTICS_WEBHOOK_SECRET,
                                  timestamp=stamp, body=body)
    return client.post("/logistics/webhook/", body, content_type="application/json",
                       HTTP_X_LOGISTICS_TIMESTAMP=stamp, HTTP_X_LOGISTICS_SIGNATURE=signature)
