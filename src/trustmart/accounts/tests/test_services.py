from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from trustmart.accounts import selectors, services
from trustmart.accounts.models import ApiToken, Follow, Role, User
from trustmart.accounts.validators import normalize_mobile
from trustmart.core.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
)

from .helpers import image_upload, last_code

pytestmark = pytest.mark.django_db
GOOD = "tea-garden-42"


def sign_up(mobile: str = "13912345678", **overrides: str) -> User:
    services.verification_code_send(mobile=mobile, purpose="sign_up", ip="1.2.3.4")
    data = {"mobile": mobile, "code": last_code(normalize_mobile(mobile)), "nickname": "阿明",
            "password": GOOD, "password_confirm": GOOD, **overrides}
    return services.user_sign_up(**data)


@pytest.mark.parametrize("raw", ["13912345678", "+86 139 1234 5678", "139-1234-5678",
                                 "008613912345678", "8613912345678"])
def test_mobile_numbers_are_normalised(raw: str) -> None:
    assert normalize_mobile(raw) == "13912345678"


@pytest.mark.parametrize("raw", ["", "12912345678", "1391234567", "139123456789", "abc",
                                 "+1 415 555 0100", "10012345678"])
def test_invalid_mobile_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        normalize_mobile(raw)
    assert info.value.code == "invalid_mobile"
    assert "mobile" in info.value.fields


def test_sign_up_creates_a_buyer() -> None:
    user = sign_up()
    assert user.check_password(GOOD)
    assert selectors.user_roles(user) == ["buyer"]


@pytest.mark.parametrize(("overrides", "code"), [
    ({"password": "12345678", "password_confirm": "12345678"}, "weak_password"),
    ({"password": "short1", "password_confirm": "short1"}, "weak_password"),
    ({"password": "password", "password_confirm": "password"}, "weak_password"),
    ({"password_confirm": "something-else-9"}, "password_mismatch"),
    ({"code": "not-it"}, "code_incorrect"),
    ({"nickname": "  "}, "invalid_nickname"),
    ({"nickname": "名" * 21}, "invalid_nickname"),
])
def test_bad_sign_up_input_saves_nothing(overrides: dict[str, str], code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        sign_up(**overrides)
    assert info.value.code == code
    assert not User.objects.exists()


def test_verification_code_expires_and_is_single_use() -> None:
    services.verification_code_send(mobile="13912345678", purpose="sign_up", ip="ip")
    code = last_code("13912345678")
    with time_machine.travel(timezone.now() + timedelta(minutes=11)), \
            pytest.raises(InvalidInput) as info:
        services.user_sign_up(mobile="13912345678", code=code, nickname="a", password=GOOD,
                              password_confirm=GOOD)
    assert info.value.code == "code_expired"


def test_code_guessing_is_capped() -> None:
    services.verification_code_send(mobile="13912345678", purpose="sign_up", ip="ip")
    code = last_code("13912345678")
    for guess in ("000001", "000002", "000003", "000004", "000005"):
        if guess == code:
            continue
        with pytest.raises(InvalidInput):
            services.user_sign_up(mobile="13912345678", code=guess, nickname="a", password=GOOD,
                                  password_confirm=GOOD)
    with pytest.raises(InvalidInput) as info:
        services.user_sign_up(mobile="13912345678", code=code, nickname="a", password=GOOD,
                              password_confirm=GOOD)
    assert info.value.code == "code_expired"  # five wrong guesses burn the code


def test_codes_are_rate_limited_per_number() -> None:
    services.verification_code_send(mobile="13912345678", purpose="sign_up", ip="ip")
    with pytest.raises(RateLimited) as info:
        services.verification_code_send(mobile="13912345678", purpose="sign_up", ip="ip")
    assert info.value.code == "code_too_frequent"


def test_a_registered_number_cannot_sign_up_again() -> None:
    sign_up()
    with pytest.raises(Conflict) as info:
        services.verification_code_send(mobile="13912345678", purpose="sign_up", ip="ip")
    assert info.value.code == "mobile_taken"


def test_log_in_and_lockout_after_repeated_failures(make_user: object, settings: object) -> None:
    make_user(mobile="13700000001", password=GOOD)  # type: ignore[operator]
    assert services.user_authenticate(mobile="13700000001", password=GOOD, ip="ip").pk
    for _ in range(5):
        with pytest.raises(NotAuthenticated) as info:
            services.user_authenticate(mobile="13700000001", password="wrong-one", ip="ip")
        assert info.value.code == "invalid_credentials"
    with pytest.raises(RateLimited) as locked:
        services.user_authenticate(mobile="13700000001", password=GOOD, ip="ip")
    assert locked.value.code == "login_locked"  # even the right password waits out the lock


def test_unknown_number_and_wrong_password_look_the_same(make_user: object) -> None:
    make_user(mobile="13700000001", password=GOOD)  # type: ignore[operator]
    messages = []
    for mobile, password in (("13700000001", "nope-nope-1"), ("13700000002", GOOD)):
        with pytest.raises(NotAuthenticated) as info:
            services.user_authenticate(mobile=mobile, password=password, ip="ip")
        messages.append((info.value.code, str(info.value.message)))
    assert messages[0] == messages[1]


def test_avatar_is_resized_to_a_square_jpeg(user: User) -> None:
    services.avatar_set(user=user, upload=image_upload("PNG", (800, 400)))
    user.refresh_from_db()
    from PIL import Image

    with user.avatar.open() as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (256, 256)


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("evil.png", b"<?php echo 1; ?>", content_type="image/png"),
    SimpleUploadedFile("doc.pdf", b"%PDF-1.4 fake", content_type="application/pdf"),
])
def test_non_images_are_refused(user: User, upload: SimpleUploadedFile) -> None:
    with pytest.raises(InvalidInput) as info:
        services.avatar_set(user=user, upload=upload)
    assert info.value.code == "invalid_image"
    user.refresh_from_db()
    assert not user.avatar


def test_oversized_avatar_is_refused(user: User, settings: object) -> None:
    settings.AVATAR_MAX_BYTES = 1000  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput) as info:
        services.avatar_set(user=user, upload=image_upload("BMP", (400, 400), "big.bmp"))
    assert info.value.code == "file_too_large"


def test_follow_and_unfollow(make_user: object) -> None:
    a, b = make_user("a"), make_user("b")  # type: ignore[operator]
    services.follow(follower=a, followee_id=b.pk)
    services.follow(follower=a, followee_id=b.pk)  # twice is still once
    assert Follow.objects.filter(follower=a, followee=b).count() == 1
    profile = selectors.user_profile(user_id=b.pk, viewer=a)
    assert profile.follower_count == 1  # type: ignore[attr-defined]
    assert profile.followed_by_viewer  # type: ignore[attr-defined]
    services.unfollow(follower=a, followee_id=b.pk)
    assert not Follow.objects.exists()
    with pytest.raises(InvalidInput):
        services.follow(follower=a, followee_id=a.pk)
    with pytest.raises(NotFound):
        services.follow(follower=a, followee_id=99999)


def test_api_tokens_are_hashed_expire_and_revoke(user: User) -> None:
    token, raw = services.api_token_create(user=user, name="mini-program", expires_in_days=1)
    assert raw.startswith("tm_") and raw.startswith(token.prefix)
    assert raw not in token.token_hash and len(token.token_hash) == 64
    assert services.api_token_authenticate(raw) == user
    with time_machine.travel(timezone.now() + timedelta(days=2)), \
            pytest.raises(NotAuthenticated) as expired:
        services.api_token_authenticate(raw)
    assert expired.value.code == "token_expired"
    services.api_token_revoke(user=user, token_id=token.pk)
    with pytest.raises(NotAuthenticated) as revoked:
        services.api_token_authenticate(raw)
    assert revoked.value.code == "token_revoked"


def test_a_cached_token_follows_its_user_and_its_revocation(
        user: User, django_assert_num_queries: Any) -> None:
    token, raw = services.api_token_create(user=user, name="app")
    assert services.api_token_authenticate(raw) == user  # read, stamped and cached
    with django_assert_num_queries(0):
        assert services.api_token_authenticate(raw) == user
    user.nickname = "改名"
    user.save()  # any change to the user drops the cached token...
    assert services.api_token_authenticate(raw).nickname == "改名"
    user.is_active = False
    user.save(update_fields=["is_active"])  # ...so deactivation takes effect at once
    with pytest.raises(NotAuthenticated) as inactive:
        services.api_token_authenticate(raw)
    assert inactive.value.code == "token_invalid"
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert services.api_token_authenticate(raw) == user
    services.api_token_revoke(user=user, token_id=token.pk)  # revoked: refused at once
    with pytest.raises(NotAuthenticated) as revoked:
        services.api_token_authenticate(raw)
    assert revoked.value.code == "token_revoked"


def test_with_the_cache_off_every_request_reads_the_token(
        user: User, settings: Any, django_assert_num_queries: Any) -> None:
    settings.API_TOKEN_CACHE_SECONDS = 0
    _token, raw = services.api_token_create(user=user, name="app")
    services.api_token_authenticate(raw)
    with django_assert_num_queries(1):
        assert services.api_token_authenticate(raw) == user


def test_nobody_revokes_another_users_token(make_user: object) -> None:
    a, b = make_user("a"), make_user("b")  # type: ignore[operator]
    token, _raw = services.api_token_create(user=a, name="a's")
    with pytest.raises(NotFound):
        services.api_token_revoke(user=b, token_id=token.pk)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_operator_role_opens_the_admin(user: User) -> None:
    services.role_grant(user=user, role=Role.OPERATOR)
    user.refresh_from_db()
    assert user.is_staff
    assert selectors.user_roles(user) == ["buyer", "operator"]
    services.role_revoke(user=user, role=Role.OPERATOR)
    user.refresh_from_db()
    assert not user.is_staff
