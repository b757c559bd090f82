"""A newcomer on a phone: signs up, logs out and in, edits the profile, switches language."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from trustmart.accounts.models import User
from trustmart.accounts.sms import MemorySender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def test_sign_up_log_in_edit_profile_switch_language(page: Any, shot: Any,
                                                     tmp_path: Path) -> None:
    page.goto("/")
    assert page.locator(".tabbar").is_visible()
    assert page.get_by_text("首页").is_visible()
    shot("home")

    page.get_by_role("link", name="注册").first.click()
    page.get_by_label("手机号").fill("139 1234 5678")
    page.get_by_test_id("send-code").click()
    page.locator("#code-status .ok").wait_for()
    code = MemorySender.outbox[-1].code
    page.get_by_label("验证码").fill(code)
    page.get_by_label("昵称").fill("小橙子")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    shot("sign-up-filled")
    page.get_by_role("button", name="注册").click()
    page.get_by_test_id("nickname").wait_for()
    assert page.get_by_test_id("nickname").inner_text() == "小橙子"
    assert User.objects.filter(mobile="13912345678").exists()
    shot("signed-up")

    page.get_by_role("button", name="退出登录").click()
    page.goto("/login/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    page.get_by_text("手机号或密码不正确").wait_for()  # the refused form comes back
    shot("log-in-refused")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("nickname").wait_for()

    avatar = tmp_path / "me.png"
    Image.new("RGB", (500, 500), (40, 120, 220)).save(avatar)
    page.get_by_test_id("edit-profile").click()
    page.get_by_test_id("profile-form").wait_for()
    page.get_by_label("昵称").fill("橙子妈妈")
    page.get_by_label("简介").fill("只买正品的宝妈")
    page.set_input_files("input[type=file]", str(avatar))
    shot("edit-profile")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("profile-card").wait_for()
    assert page.get_by_test_id("nickname").inner_text() == "橙子妈妈"
    assert page.locator("#profile-card img.avatar").is_visible()
    user = User.objects.get(mobile="13912345678")
    assert user.nickname == "橙子妈妈" and user.avatar
    with user.avatar.open() as f, Image.open(io.BytesIO(f.read())) as stored:
        assert stored.size == (256, 256)
    shot("profile-saved")

    page.get_by_test_id("language-link").click()
    page.get_by_test_id("lang-en").click()
    page.get_by_role("heading", name="Language").wait_for()
    assert page.locator(".tabbar").get_by_text("Home").is_visible()
    shot("english")
    page.goto("/me/")
    assert page.get_by_role("button", name="Log out").is_visible()
    shot("me-in-english")
    page.get_by_test_id("language-link").click()
    page.get_by_test_id("lang-zh-hans").click()
    page.locator(".tabbar").get_by_text("首页").wait_for()
