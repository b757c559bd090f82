"""Chinese mobile numbers: 11 digits starting 13-19, optionally written with +86 and spaces."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import invalid

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_mobile(raw: str) -> str:
    """Return the 11-digit form of ``raw`` or raise ``InvalidInput`` on the ``mobile`` field."""
    digits = _SEPARATORS.sub("", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise invalid("mobile", _("Enter a valid mainland China mobile number (11 digits)."),
                      code="invalid_mobile")
    return digits


def mask_mobile(mobile: str) -> str:
    """``13812345678`` → ``138****5678``: how a number is shown to anyone but its owner."""
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) == 11 else mobile
