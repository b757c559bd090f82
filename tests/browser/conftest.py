"""Real Chromium (Debian's) at a phone's size, driven by Playwright, against a live server."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"browser tests need Chromium at {CHROMIUM} (make browser)")
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}; run `make browser` as root")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; the test body's ORM calls are
    # still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"])
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser: object, live_server: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(  # type: ignore[attr-defined]
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", base_url=live_server.url)  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def shot(page: object, request: pytest.FixtureRequest) -> Callable[[str], Path]:
    """Save a screenshot as an artifact: artifacts/screenshots/<test>-<n>-<step>.png."""
    name = re.sub(r"[^\w]+", "_", request.node.name).strip("_")
    counter = iter(range(1, 100))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()

    def take(step: str) -> Path:
        path = ARTIFACTS / f"{name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    return take


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@pytest.fixture
def log_in(page: object) -> Callable[[str, str], None]:
    """Log in on a fresh session: ``log_in(mobile, password)`` (the previous user is gone)."""

    def go(mobile: str, password: str) -> None:
        page.context.clear_cookies()  # type: ignore[attr-defined]
        page.goto("/login/")  # type: ignore[attr-defined]
        page.get_by_label("手机号").fill(mobile)  # type: ignore[attr-defined]
        page.get_by_label("密码").fill(password)  # type: ignore[attr-defined]
        page.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
        page.get_by_test_id("nickname").wait_for()  # type: ignore[attr-defined]

    return go
