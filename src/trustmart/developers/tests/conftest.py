"""Two merchants with a live product each, their owners, and apps that act for them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category, Product, Sku
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.developers import services
from trustmart.developers.models import DeveloperApp
from trustmart.merchants.models import Merchant

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
