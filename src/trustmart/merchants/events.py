"""The events merchants publishes: a merchant approved, suspended, reinstated or closed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from trustmart.core.events import EventType, Payload


@dataclass(frozen=True)
class MerchantApproved(Payload):
    """An operator approved an application: the merchant exists (selling needs the deposit)."""

    merchant_id: Annotated[int, "The new merchant."]
    application_id: Annotated[int, "The application that was approved."]


@dataclass(frozen=True)
class MerchantStatusChanged(Payload):
    """A merchant's status changed (the event's name says to what)."""

    merchant_id: Annotated[int, "The merchant."]


MERCHANT_APPROVED = EventType("merchant.approved", MerchantApproved)
MERCHANT_SUSPENDED = EventType("merchant.suspended", MerchantStatusChanged)
MERCHANT_REINSTATED = EventType("merchant.reinstated", MerchantStatusChanged)
MERCHANT_CLOSED = EventType("merchant.closed", MerchantStatusChanged)
