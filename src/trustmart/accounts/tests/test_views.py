from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User

from .helpers import image_upload, last_code

pytestmark = pytest.mark.django_db
PASSWORD = "tea-garden-42"


def test_sign_up_page_flow() -> None:
    client = Client()
    assert client.get("/signup/").status_code == 200
    sent = client.post("/signup/code/", {"mobile": "13912345678"}, HTTP_HX_REQUEST="true")
    assert sent.status_code == 200
    response = client.post("/signup/", {
        "mobile": "13912345678", "code": last_code("13912345678"), "nickname": "小红",
        "password": PASSWORD, "password_confirm": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    me = client.get("/me/")
    assert "小红" in me.content.decode()


def test_sign_up_errors_show_next_to_the_field() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/signup/code/", {"mobile": "123"}, HTTP_HX_REQUEST="true")
    assert "Enter a valid mainland China mobile number" in response.content.decode()
    client.post("/signup/code/", {"mobile": "13912345678"})
    response = client.post("/signup/", {
        "mobile": "13912345678", "code": last_code("13912345678"), "nickname": "小红",
        "password": PASSWORD, "password_confirm": "different-1"})
    assert response.status_code == 200
    assert "The two passwords do not match." in response.content.decode()
    assert not User.objects.exists()


def test_log_in_page_and_next_redirect(make_user: Any) -> None:
    make_user(mobile="13700000001", password=PASSWORD)
    client = Client()
    response = client.post("/login/?next=/discover/", {"mobile": "13700000001",
                                                         "password": PASSWORD,
                                                         "next": "/discover/"})
    assert response.status_code == 302 and response["Location"] == "/discover/"
    evil = Client().post("/login/", {"mobile": "13700000001", "password": PASSWORD,
                                     "next": "https://evil.example/"})
    assert evil["Location"] == "/me/"


def test_me_requires_log_in() -> None:
    response = Client().get("/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/me/")


def test_profile_edit_with_htmx(user: User) -> None:
    client = Client()
    client.force_login(user)
    form = client.get("/me/edit/", HTTP_HX_REQUEST="true")
    assert b"profile-form" in form.content and b"<html" not in form.content
    saved = client.post("/me/edit/", {"nickname": "改好了", "bio": "简介",
                                      "avatar": image_upload()}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert "改好了" in saved.content.decode()
    user.refresh_from_db()
    assert user.nickname == "改好了" and user.avatar


def test_bad_avatar_is_reported_and_nothing_changes(user: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    response = client.post("/me/edit/", {
        "nickname": "另一个", "bio": "",
        "avatar": SimpleUploadedFile("x.png", b"nope", content_type="image/png")})
    assert response.status_code == 200
    assert "Upload a valid image" in response.content.decode() or \
        "Upload a JPEG, PNG, WebP or GIF image." in response.content.decode()
    user.refresh_from_db()
    assert not user.avatar


def test_follow_button_toggles(make_user: Any) -> None:
    a, b = make_user("a"), make_user("b")
    client = Client()
    client.force_login(a)
    followed = client.post(f"/u/{b.pk}/follow/", {"action": "follow"}, HTTP_HX_REQUEST="true")
    assert b'data-testid="unfollow"' in followed.content
    unfollowed = client.post(f"/u/{b.pk}/follow/", {"action": "unfollow"},
                             HTTP_HX_REQUEST="true")
    assert b'data-testid="follow"' in unfollowed.content
    anonymous = Client().post(f"/u/{b.pk}/follow/")
    assert anonymous.status_code == 401 and anonymous["HX-Redirect"].startswith("/login/")


def test_tokens_page_creates_and_revokes(user: User) -> None:
    client = Client()
    client.force_login(user)
    created = client.post("/me/tokens/", {"name": "脚本", "expires_in_days": 30})
    assert b'data-testid="new-token"' in created.content
    token = user.api_tokens.get()
    client.post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_another_users_token_cannot_be_revoked_from_the_page(make_user: Any) -> None:
    from trustmart.accounts.services import api_token_create

    a, b = make_user("a"), make_user("b")
    token, _raw = api_token_create(user=a, name="a")
    client = Client()
    client.force_login(b)
    client.post(f"/me/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is None


def test_unknown_profile_is_404() -> None:
    assert Client().get("/u/424242/").status_code == 404
