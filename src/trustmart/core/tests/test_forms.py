"""core.forms.YuanField: yuan typed as text, cleaned to integer fen, with one message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django import forms
from django.utils import translation

from trustmart.core.forms import YuanField


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


class PriceForm(forms.Form):
    price = YuanField()
    fee = YuanField(required=False, min_fen=0, max_fen=100_00)


@pytest.mark.parametrize(("typed", "fen"), [("12.34", 1234), ("¥12.3", 1230), (" 0 ", 0),
                                            ("1,000", 100000), ("0.01", 1)])
def test_yuan_text_becomes_fen(typed: str, fen: int) -> None:
    form = PriceForm(data={"price": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["price"] == fen
    assert form.cleaned_data["fee"] is None


@pytest.mark.parametrize("typed", ["abc", "1.234", "NaN", "1e400x"])
def test_not_an_amount_has_one_message(typed: str) -> None:
    form = PriceForm(data={"price": typed})
    assert not form.is_valid()
    assert form.errors["price"] == ["Enter an amount in yuan, like 12.50."]
    assert form.errors.as_data()["price"][0].code == "invalid_amount"


def test_message_in_chinese_by_default() -> None:
    with translation.override("zh-hans"):
        form = PriceForm(data={"price": "abc"})
        assert not form.is_valid()
        assert form.errors["price"] == ["请输入以元为单位的金额，例如 12.50。"]


def test_bounds_in_fen_are_shown_in_yuan() -> None:
    form = PriceForm(data={"price": "1", "fee": "-0.01"})
    assert not form.is_valid()
    assert form.errors["fee"] == ["Enter at least ¥0.00."]
    form = PriceForm(data={"price": "1", "fee": "100.01"})
    assert not form.is_valid()
    assert form.errors["fee"] == ["Enter at most ¥100.00."]
    assert PriceForm(data={"price": "1", "fee": "100"}).is_valid()


def test_required_and_length_checks_read_the_text() -> None:
    assert PriceForm(data={"price": ""}).errors["price"] == ["This field is required."]
    form = PriceForm(data={"price": "1" * 17})
    assert not form.is_valid() and "price" in form.errors
    assert PriceForm(data={"price": "1" * 16}).is_valid()


def test_initial_fen_is_shown_in_yuan() -> None:
    form = PriceForm(initial={"price": 1250})
    assert 'value="12.50"' in str(form["price"])
    assert 'inputmode="decimal"' in str(form["price"])
