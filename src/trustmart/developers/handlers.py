"""What the open platform does when a domain event arrives: turn it into webhook messages."""

from __future__ import annotations

from trustmart.core.events import Event, subscribe

from .catalogue import subscribable_names
from .services import messages_for_event


def webhook_fan_out(event: Event) -> None:
    messages_for_event(event)


for _name in sorted(subscribable_names()):
    subscribe(_name)(webhook_fan_out)
