import json
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.accounts.sms import MemorySender
from trustmart.core.models import IdempotencyKey


def _signup_payload(client: Client, mobile: str = "13912345678") -> dict[str, Any]:
    response = client.post("/api/auth/codes", {"mobile": mobile}, content_type="application/json")
    assert response.status_code == 202, response.content
    return {"mobile": mobile, "code": MemorySender.outbox[-1].code, "nickname": "阿明",
            "password": "tea-garden-42", "password_confirm": "tea-garden-42"}


@pytest.mark.django_db
def test_retry_with_same_key_returns_the_first_response() -> None:
    client = Client()
    payload = _signup_payload(client)
    first = client.post("/api/auth/signup", payload, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    # Same JSON, other key order: still the same request.
    reordered = json.dumps(dict(reversed(list(payload.items()))))
    again = client.post("/api/auth/signup", reordered, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert User.objects.filter(mobile=payload["mobile"]).count() == 1


@pytest.mark.django_db
def test_same_key_with_other_parameters_is_refused() -> None:
    client = Client()
    payload = _signup_payload(client)
    assert client.post("/api/auth/signup", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201
    other = {**payload, "nickname": "别人"}
    response = client.post("/api/auth/signup", other, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="k-2")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert User.objects.get(mobile=payload["mobile"]).nickname == "阿明"


@pytest.mark.django_db
def test_a_failed_request_does_not_burn_its_key() -> None:
    client = Client()
    payload = _signup_payload(client)
    bad = client.post("/api/auth/signup", {**payload, "code": "000000" if payload["code"] !=
                                           "000000" else "111111"},
                      content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.filter(key="k-3").exists()
    good = client.post("/api/auth/signup", payload, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


@pytest.mark.django_db
def test_keys_are_scoped_to_the_caller(make_user: Any, api_client_for: Any) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    for who in (alice, bob):
        response = api_client_for(who).post("/api/tokens", {"name": "ci"},
                                            content_type="application/json",
                                            HTTP_IDEMPOTENCY_KEY="shared-key")
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert alice.api_tokens.filter(name="ci").count() == 1
    assert bob.api_tokens.filter(name="ci").count() == 1


@pytest.mark.django_db
def test_a_key_still_in_progress_gets_a_conflict(user: User, api_client_for: Any) -> None:
    client = api_client_for(user)
    first = client.post("/api/tokens", {"name": "x"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="busy")
    assert first.status_code == 201
    IdempotencyKey.objects.filter(key="busy").update(status=IdempotencyKey.Status.IN_PROGRESS)
    second = client.post("/api/tokens", {"name": "x"}, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="busy")
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_in_progress"
