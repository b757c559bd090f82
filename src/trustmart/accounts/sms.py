"""Verification-code senders. Choose one with ``VERIFICATION_CODE_SENDER`` (a dotted path).

The default writes the code to the log, which is all a development machine or the demo needs.
An SMS provider plugs in as another class with the same ``send`` method.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("trustmart.sms")


class CodeSender(Protocol):
    def send(self, *, mobile: str, code: str, purpose: str) -> None: ...


class ConsoleSender:
    def send(self, *, mobile: str, code: str, purpose: str) -> None:
        logger.warning("verification code for %s (%s): %s", mobile, purpose, code)


@dataclass
class SentCode:
    mobile: str
    code: str
    purpose: str


class MemorySender:
    """Keeps sent codes in ``MemorySender.outbox`` (like Django's locmem e-mail backend)."""

    outbox: list[SentCode] = []

    def send(self, *, mobile: str, code: str, purpose: str) -> None:
        MemorySender.outbox.append(SentCode(mobile, code, purpose))


@cache
def _sender_class(path: str) -> type[CodeSender]:
    sender: type[CodeSender] = import_string(path)
    return sender


def get_sender() -> CodeSender:
    return _sender_class(settings.VERIFICATION_CODE_SENDER)()
