"""Builds the whole demo data set, app by app, from one seed.

The order follows the layers: people, then categories and vetted merchants, their deposits
(paid through the sandbox provider, so the ledger holds real journals), their products, the
microstores that resell them, and orders bought through those stores in every state.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction

from trustmart.accounts import demo as accounts_demo
from trustmart.accounts.models import Role, User
from trustmart.aftersales import demo as aftersales_demo
from trustmart.aftersales.models import Case
from trustmart.catalog import demo as catalog_demo
from trustmart.catalog.models import Product
from trustmart.commissions import demo as commissions_demo
from trustmart.core.storage import PRIVATE_FOLDERS
from trustmart.developers import demo as developers_demo
from trustmart.logistics import demo as orders_demo
from trustmart.merchants import demo as merchants_demo
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order
from trustmart.payments import demo as payments_demo
from trustmart.reviews import demo as reviews_demo
from trustmart.sharing import demo as sharing_demo
from trustmart.sharing.models import Share
from trustmart.stores import demo as stores_demo
from trustmart.stores.models import Store

SEED = 20261122
MEDIA_FOLDERS = ("avatars", "merchant-logos", "product-images", "store-avatars", "posters",
                 "reviews")


def demo_exists() -> bool:
    return User.objects.filter(mobile=accounts_demo.DEMO_ACCOUNTS[0].mobile).exists()


def wipe_media() -> None:
    folders = [Path(settings.MEDIA_ROOT) / f for f in MEDIA_FOLDERS]
    folders += [Path(settings.PRIVATE_MEDIA_ROOT) / f for f in sorted(PRIVATE_FOLDERS)]
    for path in folders:
        if path.exists():
            shutil.rmtree(path)


@transaction.atomic
def build_demo(seed: int = SEED) -> dict[str, int]:
    rng = random.Random(seed)
    by_role = accounts_demo.build(rng)
    crowd = list(User.objects.filter(is_staff=False).exclude(
        pk__in=[u.pk for u in by_role.values()]).order_by("pk"))
    operator = by_role[Role.OPERATOR]

    categories = catalog_demo.build_categories()
    merchant_owners = [by_role[Role.MERCHANT_STAFF], *crowd[:5]]
    merchants = merchants_demo.build(rng, owners=merchant_owners, categories=categories,
                                     pending_applicant=crowd[5], operator=operator)
    payments_demo.pay_deposits(merchants)
    products = catalog_demo.build_products(rng, merchants=merchants, operator=operator)

    store_owners = [by_role[Role.STORE_OWNER], by_role[Role.INFLUENCER], *crowd[6:36]]
    stores = stores_demo.build(rng, owners=store_owners, products=products)
    sharing_demo.build(rng, stores=stores, products=products, crowd=crowd[20:60])
    # The demo buyer first: it gets an order in every state.
    buyers = [by_role[Role.BUYER], *crowd[36:48]]
    orders_demo.build(rng, buyers=buyers, stores=stores, operator=operator)
    aftersales_demo.build(rng, buyer=by_role[Role.BUYER], operator=operator)
    commissions_demo.build(rng, buyers=buyers, stores=stores)
    commissions_demo.build_payouts(by_role[Role.STORE_OWNER])
    payments_demo.build_reconciliation(merchants[0])
    reviews_demo.build(rng, buyers=buyers, merchants=merchants, stores=stores)
    developers_demo.build(owner=by_role[Role.MERCHANT_STAFF], merchant=merchants[0])
    return {
        "users": User.objects.count(),
        "merchants": Merchant.objects.count(),
        "products": Product.objects.count(),
        "stores": Store.objects.count(),
        "shares": Share.objects.count(),
        "orders": Order.objects.count(),
        "cases": Case.objects.count(),
    }
