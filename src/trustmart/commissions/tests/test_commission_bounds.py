"""Commission bounds never exceed the published cap: the ceiling of 50% fixed in code, and the
cap of the commission policy in force. The operator's form takes percent and shows stored
rates as plain percent digits ("30", never "3E+1")."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django import forms
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.selectors import commission_bounds
from trustmart.commissions import services as commission_services
from trustmart.core.errors import InvalidInput
from trustmart.core.forms import PercentField, bps_to_percent_text

pytestmark = pytest.mark.django_db


def _ops(operator: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(operator)
    return client


@pytest.mark.parametrize("bps, text", [(3000, "30"), (1250, "12.5"), (5, "0.05"), (0, "0"),
                                       (10_000, "100"), (100, "1")])
def test_rates_are_shown_as_plain_percent(bps: int, text: str) -> None:
    assert bps_to_percent_text(bps) == text
    assert PercentField().prepare_value(bps) == text
    assert PercentField().prepare_value(Decimal("3E+1")) == "30"


def test_the_field_cleans_percent_to_basis_points() -> None:
    field = PercentField()
    assert field.clean("30") == 3000 and field.clean("12.55") == 1255
    assert field.clean("0.5") == 50
    for bad in ("12.345", "abc", "-1", "101"):
        with pytest.raises(forms.ValidationError):
            field.clean(bad)


def test_the_ceiling_is_enforced_by_the_service(operator: User) -> None:
    # The ceiling check holds even where the policy's cap would allow more.
    commission_services.policy_change(user=operator, max_total_bps=5000)
    with pytest.raises(InvalidInput) as caught:
        services.commission_bounds_set(operator=operator, min_bps=100, max_bps=6000)
    assert caught.value.code == "commission_bounds_over_cap"
    assert "50%" in str(caught.value.message)
    assert commission_bounds() == (100, 3000)
    assert services.commission_bounds_set(operator=operator, min_bps=100, max_bps=5000).max_bps \
        == 5000


def test_bounds_may_not_exceed_the_policy_cap(operator: User) -> None:
    commission_services.policy_change(user=operator, max_total_bps=2000)
    with pytest.raises(InvalidInput) as caught:
        services.commission_bounds_set(operator=operator, min_bps=100, max_bps=2500)
    assert caught.value.code == "commission_bounds_over_cap"
    assert "20%" in str(caught.value.message)
    assert commission_bounds() == (100, 3000)
    assert services.commission_bounds_set(operator=operator, min_bps=100, max_bps=2000).max_bps \
        == 2000


def test_the_form_refuses_60_percent_and_shows_30_as_30(operator: User) -> None:
    client = _ops(operator)
    page = client.get("/ops/commission/").content.decode()
    assert 'name="max_bps" value="30"' in page and 'name="min_bps" value="1"' in page
    assert "E+" not in page
    refused = client.post("/ops/commission/", {"min_bps": "1", "max_bps": "60"})
    assert refused.status_code == 200
    assert "may not exceed 50%" in refused.content.decode()  # the published ceiling
    over_cap = client.post("/ops/commission/", {"min_bps": "1", "max_bps": "40"})
    assert "may not exceed 30%" in over_cap.content.decode()  # the policy's default cap
    assert commission_bounds() == (100, 3000)
    saved = client.post("/ops/commission/", {"min_bps": "1.5", "max_bps": "25"})
    assert saved.status_code == 302
    assert commission_bounds() == (150, 2500)
    assert 'name="min_bps" value="1.5"' in client.get("/ops/commission/").content.decode()


def test_the_api_refuses_bounds_over_the_cap(operator: User,
                                             api_client_for: Callable[[User], Client]) -> None:
    response = api_client_for(operator).put("/api/catalog/ops/commission-bounds",
                                            {"min_bps": 100, "max_bps": 6000},
                                            content_type="application/json",
                                            HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["code"] == "commission_bounds_over_cap"
    assert "max_bps" in response.json()["fields"]
    assert commission_bounds() == (100, 3000)
