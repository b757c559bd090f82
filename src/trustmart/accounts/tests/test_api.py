from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User

from .helpers import image_upload, last_code

pytestmark = pytest.mark.django_db
JSON = "application/json"
PASSWORD = "tea-garden-42"


def signup(client: Client, mobile: str = "13912345678") -> dict[str, Any]:
    assert client.post("/api/auth/codes", {"mobile": mobile}, content_type=JSON).status_code == 202
    response = client.post("/api/auth/signup", {
        "mobile": mobile, "code": last_code(mobile), "nickname": "阿明",
        "password": PASSWORD, "password_confirm": PASSWORD}, content_type=JSON)
    assert response.status_code == 201, response.content
    return response.json()


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_sign_up_then_use_the_token() -> None:
    body = signup(Client())
    assert body["user"]["roles"] == ["buyer"]
    me = bearer(body["token"]["token"]).get("/api/me")
    assert me.status_code == 200
    assert me.json()["nickname"] == "阿明"
    assert me.json()["mobile"] == "13912345678"


def test_log_in_returns_a_new_token(make_user: Any) -> None:
    make_user(mobile="13700000001", password=PASSWORD)
    response = Client().post("/api/auth/login", {"mobile": "13700000001", "password": PASSWORD},
                             content_type=JSON)
    assert response.status_code == 200
    assert response.json()["token"]["token"].startswith("tm_")
    wrong = Client().post("/api/auth/login", {"mobile": "13700000001", "password": "nope-nope"},
                          content_type=JSON)
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"


def test_errors_speak_the_users_language() -> None:
    payload = {"mobile": "12345"}
    zh = Client().post("/api/auth/codes", payload, content_type=JSON)
    en = Client().post("/api/auth/codes", payload, content_type=JSON, HTTP_ACCEPT_LANGUAGE="en")
    assert zh.status_code == en.status_code == 422
    assert zh.json()["code"] == en.json()["code"] == "invalid_mobile"
    assert en.json()["message"] == "Enter a valid mainland China mobile number (11 digits)."
    assert zh.json()["message"] == "请输入有效的中国大陆手机号（11 位数字）。"


def test_malformed_input_gets_the_standard_error_shape() -> None:
    response = Client().post("/api/auth/signup", {"mobile": "13912345678"}, content_type=JSON,
                             HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert set(body["fields"]) >= {"code", "password", "password_confirm", "nickname"}


def test_weak_password_is_explained_and_nothing_saved() -> None:
    client = Client()
    client.post("/api/auth/codes", {"mobile": "13912345678"}, content_type=JSON)
    response = client.post("/api/auth/signup", {
        "mobile": "13912345678", "code": last_code("13912345678"), "nickname": "x",
        "password": "12345678", "password_confirm": "12345678"}, content_type=JSON,
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["code"] == "weak_password"
    assert "This password is entirely numeric." in response.json()["fields"]["password"]
    assert not User.objects.exists()


def test_profile_edit_and_avatar(user: User, api_client_for: Any) -> None:
    client = api_client_for(user)
    response = client.patch("/api/me", {"nickname": "新名字", "bio": "你好"}, content_type=JSON)
    assert response.status_code == 200
    assert response.json()["nickname"] == "新名字"
    upload = client.post("/api/me/avatar", {"avatar": image_upload()})
    assert upload.status_code == 200, upload.content
    assert upload.json()["avatar_url"].endswith(".jpg")
    bad = client.post("/api/me/avatar", {"avatar": image_upload("PNG", name="x.png").__class__(
        "x.png", b"not an image", content_type="image/png")})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_image"


def test_follow_through_the_api(make_user: Any, api_client_for: Any) -> None:
    a, b = make_user("a"), make_user("b")
    client = api_client_for(a)
    assert client.post(f"/api/users/{b.pk}/follow").status_code == 204
    assert client.get(f"/api/users/{b.pk}").json()["follower_count"] == 1
    following = client.get("/api/me/following").json()
    assert [u["id"] for u in following["items"]] == [b.pk]
    assert api_client_for(b).get("/api/me/followers").json()["count"] == 1
    assert client.delete(f"/api/users/{b.pk}/follow").status_code == 204
    missing = client.post("/api/users/999999/follow")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_tokens_listed_revoked_and_refused_after(user: User, api_client_for: Any) -> None:
    client = api_client_for(user)
    created = client.post("/api/tokens", {"name": "script", "expires_in_days": 30},
                          content_type=JSON)
    assert created.status_code == 201
    secret, token_id = created.json()["token"], created.json()["id"]
    listed = client.get("/api/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "script"}
    assert all("token" not in t for t in listed)  # secrets are never listed
    assert bearer(secret).get("/api/me").status_code == 200
    assert client.delete(f"/api/tokens/{token_id}").status_code == 200
    refused = bearer(secret).get("/api/me")
    assert refused.status_code == 401
    assert refused.json()["code"] == "token_revoked"


def test_expired_token_is_refused(user: User) -> None:
    from trustmart.accounts.services import api_token_create

    _token, raw = api_token_create(user=user, name="short", expires_in_days=1)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        response = bearer(raw).get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "token_expired"


def test_another_users_token_is_not_found(make_user: Any, api_client_for: Any) -> None:
    a, b = make_user("a"), make_user("b")
    from trustmart.accounts.services import api_token_create

    token, _raw = api_token_create(user=a, name="mine")
    response = api_client_for(b).delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_anonymous_and_garbage_tokens_are_401() -> None:
    assert Client().get("/api/me").json()["code"] == "not_authenticated"
    assert bearer("tm_nonsense").get("/api/me").json()["code"] == "token_invalid"


def test_session_auth_works_for_the_h5_site(user: User) -> None:
    client = Client()
    client.force_login(user)
    assert client.get("/api/me").json()["id"] == user.pk


def test_openapi_and_docs_are_served() -> None:
    schema = Client().get("/api/openapi.json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/auth/signup" in spec["paths"]
    assert Client().get("/api/docs").status_code == 200
