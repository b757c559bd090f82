"""On a phone: the merchant's owner connects an app and a webhook endpoint, sends a test to a
real local receiver (which verifies the signature with standardwebhooks), and reads the log."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.tests.factories import make_category, make_merchant
from trustmart.developers import services
from trustmart.developers.models import DeveloperApp, WebhookEndpoint
from trustmart.developers.tests.conftest import Receiver
from trustmart.developers.tests.tls import make_pki

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def test_owner_connects_an_app_and_a_webhook_and_sends_a_test(
        page: Any, shot: Any, make_user: Callable[..., User], tmp_path: Path,
        settings: Any) -> None:
    owner = make_user("王建国", mobile="13900000004", password=PASSWORD,
                      roles=(Role.MERCHANT_STAFF,))
    make_merchant(owner, categories=[make_category("tea", name="茶叶")], name="山水茶业")
    receiver = Receiver(tmp_path, make_pki(tmp_path))
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CA_BUNDLE = str(receiver.pki.ca_file)

    page.goto("/login/")
    page.get_by_label("手机号").fill(owner.mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("nickname").wait_for()
    page.goto("/merchant/")
    page.get_by_test_id("developers-link").click()

    form = page.get_by_test_id("app-form")
    form.get_by_test_id("app-name").fill("ERP 同步")
    form.get_by_label("orders:read").check()
    form.get_by_label("orders:ship").check()
    form.get_by_role("button", name="注册").click()
    secret = page.get_by_test_id("secret-value").inner_text()
    assert secret.startswith("tmcs_")
    app = DeveloperApp.objects.get(name="ERP 同步")
    assert services.token_issue(client_id=app.client_id, client_secret=secret).scopes == [
        "orders:read", "orders:ship"]
    shot("app-registered")

    form = page.get_by_test_id("endpoint-form")
    form.get_by_test_id("endpoint-url").fill(receiver.url)
    form.get_by_label("order.paid").check()
    form.get_by_role("button", name="添加").click()
    signing_secret = page.get_by_test_id("secret-value").inner_text()
    assert signing_secret.startswith("whsec_")
    receiver.start(signing_secret)
    try:
        page.get_by_test_id("test-send").click()
        page.get_by_test_id("flash").wait_for()
        services.deliveries_send_due()  # what the worker does every few seconds
        page.reload()
        assert page.get_by_test_id("delivery-status").first.inner_text() == "已送达"
        assert "HTTP 200" in page.get_by_test_id("attempt").first.inner_text()
        shot("test-delivered")
    finally:
        receiver.stop()
    assert [e["type"] for e in receiver.entries()] == ["webhook.test"]
    assert WebhookEndpoint.objects.get().event_types == ["order.paid"]

    page.goto("/developers/")
    page.get_by_test_id("dev-event").first.wait_for()
    assert page.get_by_test_id("dev-sample").inner_text().startswith("from standardwebhooks")
    shot("developer-page")
