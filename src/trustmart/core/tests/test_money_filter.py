"""The ``fen`` template filter is a builtin: every template has it without ``{% load %}``."""

from __future__ import annotations

import pytest
from django.template import engines


@pytest.mark.parametrize(("value", "shown"), [(1234, "¥12.34"), (-5, "-¥0.05"), (0, "¥0.00"),
                                              ("500", "¥5.00"), (None, ""), ("", "")])
def test_fen_without_load(value: object, shown: str) -> None:
    template = engines["django"].from_string("{{ amount|fen }}")
    assert template.render({"amount": value}) == shown
