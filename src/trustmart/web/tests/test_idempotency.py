import json
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from trustmart.accounts.models import ApiToken, User
from trustmart.accounts.sms import MemorySender
from trustmart.core import idempotency
from trustmart.core.idempotency import idempotent
from trustmart.core.models import IdempotencyKey
from trustmart.stores.models import Store


def _signup_payload(client: Client, mobile: str = "13912345678") -> dict[str, Any]:
    response = client.post("/api/auth/codes", {"mobile": mobile}, content_type="application/json")
    assert response.status_code == 202, response.content
    return {"mobile": mobile, "code": MemorySender.outbox[-1].code, "nickname": "阿明",
            "password": "tea-garden-42", "password_confirm": "tea-garden-42"}


def _open_store(client: Client, key: str, body: Any = None) -> Any:
    return client.post("/api/stores", body or {"name": "小明的店"},
                       content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def _row_text(row: IdempotencyKey) -> str:
    """Every stored value of the row, as text, to look for a secret anywhere in it."""
    values = [getattr(row, f.attname) for f in IdempotencyKey._meta.fields]
    return " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for v in values)


@pytest.mark.django_db
def test_retry_with_same_key_returns_the_first_response(user: User, api_client_for: Any) -> None:
    client = api_client_for(user)
    first = _open_store(client, "k-1")
    assert first.status_code == 201
    # Same JSON, other spacing and key order: still the same request.
    again = _open_store(client, "k-1", json.dumps({"name": "小明的店"}, indent=2))
    assert again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Store.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
def test_same_key_with_other_parameters_is_refused(user: User, api_client_for: Any) -> None:
    client = api_client_for(user)
    assert _open_store(client, "k-2").status_code == 201
    response = _open_store(client, "k-2", {"name": "别的店"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Store.objects.get(owner=user).name == "小明的店"


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


# --- responses that carry a secret ------------------------------------------------------------
@pytest.mark.django_db
def test_a_new_token_is_never_stored_and_a_retry_is_told_so(user: User,
                                                            api_client_for: Any) -> None:
    client = api_client_for(user)
    first = client.post("/api/tokens", {"name": "ci"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="t-1")
    assert first.status_code == 201
    raw = first.json()["token"]
    row = IdempotencyKey.objects.get(key="t-1")
    assert row.status == IdempotencyKey.Status.SECRET_WITHHELD
    assert row.response_body is None and row.response_status == 201
    assert raw not in _row_text(row) and raw[3:] not in _row_text(row)

    retry = client.post("/api/tokens", {"name": "ci"}, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="t-1", HTTP_ACCEPT_LANGUAGE="en")
    assert retry.status_code == 409
    assert retry.json()["code"] == "token_already_issued"
    assert "shown only once" in retry.json()["message"]
    assert raw not in retry.content.decode()
    chinese = client.post("/api/tokens", {"name": "ci"}, content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY="t-1")
    assert chinese.json()["code"] == "token_already_issued"
    assert "令牌" in chinese.json()["message"]
    # The retry did not run again: still one token named ci.
    assert ApiToken.objects.filter(user=user, name="ci").count() == 1


@pytest.mark.django_db
def test_a_replayed_sign_up_does_not_hand_out_its_token_again() -> None:
    client = Client()
    payload = _signup_payload(client)
    first = client.post("/api/auth/signup", payload, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="s-1")
    assert first.status_code == 201
    raw = first.json()["token"]["token"]
    row = IdempotencyKey.objects.get(key="s-1")
    assert row.response_body is None and raw not in _row_text(row)
    again = client.post("/api/auth/signup", payload, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="s-1")
    assert again.status_code == 409 and again.json()["code"] == "token_already_issued"
    assert User.objects.filter(mobile=payload["mobile"]).count() == 1


# --- leases -----------------------------------------------------------------------------------
def _in_progress(key: str, actor: str, scope: str, request_hash: str, *,
                 seconds_left: int) -> IdempotencyKey:
    return IdempotencyKey.objects.create(
        actor=actor, scope=scope, key=key, request_hash=request_hash, lease_token="dead" * 8,
        locked_until=timezone.now() + timedelta(seconds=seconds_left))


@pytest.mark.django_db
def test_a_key_still_in_progress_gets_a_conflict(user: User, api_client_for: Any) -> None:
    client = api_client_for(user)
    assert _open_store(client, "busy").status_code == 201
    IdempotencyKey.objects.filter(key="busy").update(
        status=IdempotencyKey.Status.IN_PROGRESS,
        locked_until=timezone.now() + timedelta(seconds=30))
    second = _open_store(client, "busy")
    assert second.status_code == 409
    assert second.json()["code"] == "idempotency_in_progress"
    assert 1 <= int(second["Retry-After"]) <= 30


@pytest.mark.django_db
def test_a_request_that_died_frees_its_key_after_the_lease(user: User, api_client_for: Any,
                                                           settings: Any,
                                                           monkeypatch: Any) -> None:
    """The first attempt claimed the key and died (no row update ever came): a retry inside the
    lease is told to wait, a retry after it runs and stores its answer."""
    settings.IDEMPOTENCY_LEASE_SECONDS = 60
    client = api_client_for(user)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        # Claim the key the way a request does, then "die" before the view returns.
        dying = RequestFactory().post("/api/stores", {"name": "小明的店"},
                                      content_type="application/json",
                                      HTTP_IDEMPOTENCY_KEY="crash",
                                      HTTP_AUTHORIZATION=client.defaults["HTTP_AUTHORIZATION"])

        def crash(request: HttpRequest) -> HttpResponse:
            raise SystemExit  # a killed worker: BaseException, like the real thing

        with monkeypatch.context() as patch:
            # A killed process never gets to clean up after itself.
            patch.setattr(idempotency, "_release", lambda pk, token: None)
            with pytest.raises(SystemExit):
                idempotency.idempotent(crash)(dying)
        assert IdempotencyKey.objects.filter(
            key="crash", status=IdempotencyKey.Status.IN_PROGRESS).exists()

        traveller.shift(timedelta(seconds=59))
        waiting = _open_store(client, "crash")
        assert waiting.status_code == 409 and waiting["Retry-After"] == "1"
        assert not Store.objects.filter(owner=user).exists()

        traveller.shift(timedelta(seconds=2))
        retried = _open_store(client, "crash")
        assert retried.status_code == 201
        assert Store.objects.filter(owner=user).count() == 1
        replay = _open_store(client, "crash")
        assert replay["Idempotent-Replayed"] == "true" and replay.content == retried.content


@pytest.mark.django_db
def test_the_replaced_attempt_cannot_store_its_answer_late() -> None:
    """A slow first attempt that outlived its lease finishes after a retry took the key over:
    its late answer is not stored over the retry's."""
    factory = RequestFactory()
    calls: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        calls.append("run")
        if len(calls) == 1:
            # While the first attempt runs, its lease expires and a retry takes the key over.
            IdempotencyKey.objects.filter(key="slow").update(
                locked_until=timezone.now() - timedelta(seconds=1))
            assert idempotent(view)(_request()).status_code == 200
        return JsonResponse({"attempt": len(calls)})

    def _request() -> HttpRequest:
        return factory.post("/x", {"a": 1}, content_type="application/json",
                            HTTP_IDEMPOTENCY_KEY="slow")

    first = idempotent(view)(_request())
    assert json.loads(first.content) == {"attempt": 2}  # returned after the retry's answer
    stored = IdempotencyKey.objects.get(key="slow")
    assert stored.status == IdempotencyKey.Status.DONE
    assert json.loads(bytes(stored.response_body or b"")) == {"attempt": 2}  # the retry's


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_retries_cannot_both_take_over_an_expired_key() -> None:
    """Real threads on PostgreSQL retry the same dead key at once: exactly one runs."""
    factory = RequestFactory()
    body = {"a": 1}
    probe = factory.post("/x", body, content_type="application/json")
    from trustmart.core.idempotency import _actor, _request_hash

    _in_progress("dead-key", _actor(probe), "POST /x", _request_hash(probe), seconds_left=-5)
    runs: list[int] = []
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def view(request: HttpRequest) -> HttpResponse:
        runs.append(1)
        time.sleep(0.2)
        return JsonResponse({"ok": True})

    def retry() -> None:
        try:
            barrier.wait()
            request = factory.post("/x", body, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY="dead-key")
            statuses.append(idempotent(view)(request).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1
    assert sorted(statuses) == [200, 409, 409, 409]
    assert IdempotencyKey.objects.get(key="dead-key").status == IdempotencyKey.Status.DONE
