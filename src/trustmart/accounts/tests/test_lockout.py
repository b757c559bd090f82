"""The password lockout cannot lock the owner out: log-in and password reset by SMS code work
while it holds, through the services, the API and the H5 pages, and codes keep their limits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts import services
from trustmart.accounts.models import ApiToken, User
from trustmart.accounts.sms import MemorySender
from trustmart.core.errors import InvalidInput, NotAuthenticated, RateLimited

from .helpers import last_code

pytestmark = pytest.mark.django_db
MOBILE = "13700000009"
GOOD = "tea-garden-42"
NEW = "river-stone-77"


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("主人", mobile=MOBILE, password=GOOD)


def _lock_out(mobile: str = MOBILE) -> None:
    """A stranger tries wrong passwords until the number is locked."""
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            services.user_authenticate(mobile=mobile, password="guess-guess-1", ip="6.6.6.6")
    with pytest.raises(RateLimited) as locked:
        services.user_authenticate(mobile=mobile, password=GOOD, ip="1.1.1.1")
    assert locked.value.code == "login_locked"


def _code(purpose: str, mobile: str = MOBILE) -> str:
    services.verification_code_send(mobile=mobile, purpose=purpose, ip="1.1.1.1")
    return last_code(mobile)


# --- services ---------------------------------------------------------------------------------
def test_a_locked_out_owner_logs_in_with_an_sms_code(owner: User) -> None:
    _lock_out()
    user = services.user_log_in_by_code(mobile=MOBILE, code=_code("log_in"), ip="1.1.1.1")
    assert user == owner
    # The password lock is untouched: the guesser got no new tries from the owner's log-in.
    with pytest.raises(RateLimited):
        services.user_authenticate(mobile=MOBILE, password=GOOD, ip="1.1.1.1")


def test_a_code_logs_in_once_and_wrong_codes_burn_it(owner: User) -> None:
    code = _code("log_in")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(InvalidInput) as info:
            services.user_log_in_by_code(mobile=MOBILE, code=wrong, ip="1.1.1.1")
        assert info.value.code == "code_incorrect"
    with pytest.raises(InvalidInput) as burnt:
        services.user_log_in_by_code(mobile=MOBILE, code=code, ip="1.1.1.1")
    assert burnt.value.code == "code_expired"
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        fresh = _code("log_in")
        assert services.user_log_in_by_code(mobile=MOBILE, code=fresh, ip="1.1.1.1") == owner
        with pytest.raises(InvalidInput):  # used once
            services.user_log_in_by_code(mobile=MOBILE, code=fresh, ip="1.1.1.1")


def test_a_sign_up_code_does_not_log_in(owner: User, make_user: Callable[..., User]) -> None:
    services.verification_code_send(mobile="13700000010", purpose="sign_up", ip="1.1.1.1")
    make_user(mobile="13700000010")
    with pytest.raises(InvalidInput):
        services.user_log_in_by_code(mobile="13700000010", code=last_code("13700000010"),
                                     ip="1.1.1.1")


def test_codes_for_every_purpose_share_the_sending_limits(owner: User) -> None:
    services.verification_code_send(mobile=MOBILE, purpose="log_in", ip="1.1.1.1")
    with pytest.raises(RateLimited) as info:
        services.verification_code_send(mobile=MOBILE, purpose="password_reset", ip="1.1.1.1")
    assert info.value.code == "code_too_frequent"


def test_a_code_for_an_unknown_number_is_sent_to_nobody(owner: User) -> None:
    assert services.verification_code_send(mobile="13700000077", purpose="log_in",
                                           ip="1.1.1.1") == ""
    assert not [m for m in MemorySender.outbox if m.mobile == "13700000077"]
    with pytest.raises(InvalidInput) as info:
        services.user_log_in_by_code(mobile="13700000077", code="123456", ip="1.1.1.1")
    assert info.value.code == "code_expired"
    # Still rate-limited like a real one: the answer gives nothing away.
    with pytest.raises(RateLimited):
        services.verification_code_send(mobile="13700000077", purpose="log_in", ip="1.1.1.1")


def test_a_password_reset_ends_the_lockout_and_revokes_tokens(owner: User) -> None:
    token, _raw = services.api_token_create(user=owner, name="old phone")
    _lock_out()
    services.user_password_reset(mobile=MOBILE, code=_code("password_reset"), password=NEW,
                                 password_confirm=NEW)
    assert services.user_authenticate(mobile=MOBILE, password=NEW, ip="1.1.1.1") == owner
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(NotAuthenticated):
        services.user_authenticate(mobile=MOBILE, password=GOOD, ip="1.1.1.1")


def test_a_weak_new_password_changes_nothing_and_keeps_the_code(owner: User) -> None:
    code = _code("password_reset")
    with pytest.raises(InvalidInput) as info:
        services.user_password_reset(mobile=MOBILE, code=code, password="12345678",
                                     password_confirm="12345678")
    assert info.value.code == "weak_password"
    owner.refresh_from_db()
    assert owner.check_password(GOOD)
    services.user_password_reset(mobile=MOBILE, code=code, password=NEW, password_confirm=NEW)


# --- API --------------------------------------------------------------------------------------
def _post(client: Client, url: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


def test_api_log_in_by_code_while_locked(owner: User) -> None:
    client = Client()
    _lock_out()
    locked = _post(client, "/api/auth/login", {"mobile": MOBILE, "password": GOOD},
                   HTTP_ACCEPT_LANGUAGE="en")
    assert locked.status_code == 429 and locked.json()["code"] == "login_locked"
    assert "SMS code" in locked.json()["message"]
    assert _post(client, "/api/auth/codes", {"mobile": MOBILE, "purpose": "log_in"}
                 ).status_code == 202
    response = _post(client, "/api/auth/login/code", {"mobile": MOBILE,
                                                      "code": last_code(MOBILE)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["id"] == owner.pk and body["token"]["token"].startswith("tm_")
    me = Client(HTTP_AUTHORIZATION=f"Bearer {body['token']['token']}").get("/api/me")
    assert me.status_code == 200


def test_api_password_reset(owner: User) -> None:
    client = Client()
    _lock_out()
    assert _post(client, "/api/auth/codes", {"mobile": MOBILE, "purpose": "password_reset"}
                 ).status_code == 202
    bad = _post(client, "/api/auth/password/reset", {
        "mobile": MOBILE, "code": last_code(MOBILE), "password": NEW, "password_confirm": "x"})
    assert bad.status_code == 422 and bad.json()["code"] == "password_mismatch"
    done = _post(client, "/api/auth/password/reset", {
        "mobile": MOBILE, "code": last_code(MOBILE), "password": NEW, "password_confirm": NEW})
    assert done.status_code == 204
    assert _post(client, "/api/auth/login", {"mobile": MOBILE, "password": NEW}
                 ).status_code == 200
    assert not ApiToken.objects.filter(user=owner, revoked_at__isnull=True,
                                       name="old").exists()


def test_api_code_requests_are_rate_limited(owner: User) -> None:
    client = Client()
    assert _post(client, "/api/auth/codes", {"mobile": MOBILE, "purpose": "log_in"}
                 ).status_code == 202
    again = _post(client, "/api/auth/codes", {"mobile": MOBILE, "purpose": "log_in"})
    assert again.status_code == 429 and again.json()["code"] == "code_too_frequent"


# --- H5 ---------------------------------------------------------------------------------------
def test_h5_log_in_by_code_while_locked(owner: User) -> None:
    _lock_out()
    client = Client()
    locked = client.post("/login/", {"mobile": MOBILE, "password": GOOD})
    assert "/login/code/" in locked.content.decode()  # the way out is on the refused page
    sent = client.post("/signup/code/", {"mobile": MOBILE, "purpose": "log_in"})
    assert sent.status_code == 200 and b"field-error" not in sent.content
    response = client.post("/login/code/", {"mobile": MOBILE, "code": last_code(MOBILE),
                                            "next": "/orders/"})
    assert response.status_code == 302 and response["Location"] == "/orders/"
    assert client.get("/me/").status_code == 200


def test_h5_password_reset_logs_in_with_the_new_password(owner: User) -> None:
    _lock_out()
    client = Client()
    client.post("/signup/code/", {"mobile": MOBILE, "purpose": "password_reset"})
    wrong = client.post("/password/reset/", {"mobile": MOBILE, "code": "999999"
                                             if last_code(MOBILE) != "999999" else "888888",
                                             "password": NEW, "password_confirm": NEW})
    assert wrong.status_code == 200 and "field-error" in wrong.content.decode()
    done = client.post("/password/reset/", {"mobile": MOBILE, "code": last_code(MOBILE),
                                            "password": NEW, "password_confirm": NEW})
    assert done.status_code == 302 and done["Location"] == "/me/"
    owner.refresh_from_db()
    assert owner.check_password(NEW)
