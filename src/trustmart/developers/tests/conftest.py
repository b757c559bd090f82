"""Two merchants with a live product each, their owners, and apps that act for them."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category, Product, Sku
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.developers import services
from trustmart.developers.models import DeveloperApp
from trustmart.merchants.models import Merchant

from .tls import Pki, make_pki

ALL_SCOPES = ["orders:read", "orders:ship", "products:read", "products:write", "stock:write",
              "cases:read", "cases:reply", "webhooks:manage"]


@dataclass
class Registered:
    app: DeveloperApp
    secret: str


@pytest.fixture
def tea(db: None) -> Category:
    food = make_category("food", name="食品")
    return make_category("tea", name="茶叶", parent=food)


@pytest.fixture
def owner_a(make_user: Callable[..., User]) -> User:
    return make_user("甲老板", roles=(Role.MERCHANT_STAFF,))


@pytest.fixture
def owner_b(make_user: Callable[..., User]) -> User:
    return make_user("乙老板", roles=(Role.MERCHANT_STAFF,))


@pytest.fixture
def merchant_a(owner_a: User, tea: Category) -> Merchant:
    return make_merchant(owner_a, categories=[tea.parent], name="甲茶行")  # type: ignore[list-item]


@pytest.fixture
def merchant_b(owner_b: User, tea: Category) -> Merchant:
    return make_merchant(owner_b, categories=[tea.parent], name="乙茶行")  # type: ignore[list-item]


@pytest.fixture
def product_a(owner_a: User, merchant_a: Merchant, tea: Category, operator: User) -> Product:
    return make_live_product(owner_a, merchant_a, tea, operator, batch=False, stock=50)


@pytest.fixture
def product_b(owner_b: User, merchant_b: Merchant, tea: Category, operator: User) -> Product:
    return make_live_product(owner_b, merchant_b, tea, operator, batch=False, stock=50,
                             name="乙家 红茶")


@pytest.fixture
def sku_a(product_a: Product) -> Sku:
    return product_a.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def sku_b(product_b: Product) -> Sku:
    return product_b.skus.order_by("pk").first()  # type: ignore[return-value]


@pytest.fixture
def app_a(owner_a: User, merchant_a: Merchant) -> Registered:
    app, secret = services.app_register(user=owner_a, merchant_id=merchant_a.pk, name="甲的ERP",
                                        scopes=ALL_SCOPES)
    return Registered(app, secret)


@pytest.fixture
def app_b(owner_b: User, merchant_b: Merchant) -> Registered:
    app, secret = services.app_register(user=owner_b, merchant_id=merchant_b.pk, name="乙的ERP",
                                        scopes=ALL_SCOPES)
    return Registered(app, secret)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_for(registered: Registered, scope: str = "") -> str:
    response = Client().post("/api/oauth/token",
                             {"grant_type": "client_credentials", "scope": scope},
                             HTTP_AUTHORIZATION=basic(registered.app.client_id, registered.secret))
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


@pytest.fixture
def app_client() -> Callable[..., Client]:
    """A test client with an access token of the app (all its scopes, or ``scope``)."""

    def make(registered: Registered, scope: str = "") -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(registered, scope)}")

    return make


# --- a local HTTPS receiver in its own process ---------------------------------------------------
class Receiver:
    """``receiver.py`` as a subprocess on a fixed port, restartable after it dies."""

    def __init__(self, directory: Path, pki: Pki) -> None:
        self.directory, self.pki = directory, pki
        self.log = directory / "received.jsonl"
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[str] | None = None
        self.url = f"https://localhost:{self.port}/hooks/trustmart"

    def start(self, secret: str, *, die_on: int = 0, status: int = 200) -> None:
        args = [sys.executable, str(Path(__file__).with_name("receiver.py")), str(self.port),
                str(self.pki.cert_file), str(self.pki.key_file), secret, str(self.log),
                "--die-on", str(die_on), "--status", str(status)]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def wait_dead(self) -> int:
        assert self.process is not None
        return self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def entries(self, kind: str = "accepted") -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        rows = [json.loads(line) for line in self.log.read_text().splitlines() if line]
        return [row for row in rows if row["kind"] == kind]


@pytest.fixture
def receiver(tmp_path: Path, settings: Any) -> Iterator[Receiver]:
    pki = make_pki(tmp_path)
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CA_BUNDLE = str(pki.ca_file)
    found = Receiver(tmp_path, pki)
    yield found
    found.stop()
