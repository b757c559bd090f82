"""Shared test fixtures. Tests run on SQLite; with DATABASE_URL/REDIS_URL set, on those too."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from trustmart.accounts.models import Role, User
from trustmart.accounts.sms import MemorySender


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1",
                                       parsed.port or default_port), timeout=3):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    """A configured service that cannot be reached fails the run; it is never skipped."""
    for name, port in (("DATABASE_URL", 5432), ("REDIS_URL", 6379),
                       ("CELERY_TEST_BROKER_URL", 5672)):
        url = os.environ.get(name)
        if url and not _reachable(url, port):
            raise pytest.UsageError(f"{name} is set but {urlparse(url).netloc} is unreachable")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    cache.clear()
    MemorySender.outbox.clear()
    yield
    cache.clear()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = iter(range(10_000_000))

    def make(nickname: str = "", password: str = "s3cure-Passw0rd",  # noqa: S107
             roles: tuple[str, ...] = (), **extra: object) -> User:
        n = next(counter)
        user = User.objects.create_user(
            mobile=str(extra.pop("mobile", f"1380000{n:04d}")), password=password,
            nickname=nickname or f"用户{n}", **extra)
        from trustmart.accounts.services import role_grant

        for role in roles:
            role_grant(user=user, role=role)
        return user

    return make


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user("小明")


@pytest.fixture
def operator(make_user: Callable[..., User]) -> User:
    return make_user("运营", roles=(Role.OPERATOR,))


@pytest.fixture
def api_client_for() -> Callable[[User], Client]:
    """A test client that authenticates with a fresh bearer token of ``user``."""
    from trustmart.accounts.services import api_token_create

    def make(user: User) -> Client:
        _token, raw = api_token_create(user=user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make
