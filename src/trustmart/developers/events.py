"""The one event the open platform itself declares: the test message an endpoint's owner asks
for. It is not published through the outbox; it is declared so that the catalogue, its schema
and its example come from the same place as every other event's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from trustmart.core.events import EventType, Payload


@dataclass(frozen=True)
class WebhookTest(Payload):
    """A test message sent from the console or the API to one endpoint."""

    endpoint_id: Annotated[int, "The endpoint it was sent to."]
    note: Annotated[str, "A human-readable note."]


WEBHOOK_TEST = EventType("webhook.test", WebhookTest)
