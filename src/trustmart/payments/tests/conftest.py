"""Fixtures for payments: approved merchants, made with the ORM as the merchants app leaves them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.utils import timezone

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Sku
from trustmart.catalog.tests.factories import make_category, make_live_product
from trustmart.catalog.tests.factories import make_merchant as catalog_make_merchant
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStaff
from trustmart.orders import services as orders_services
from trustmart.orders.models import Checkout

REQUIRED_FEN = 5_000_00  # ¥5000


@pytest.fixture
def make_merchant(make_user: Callable[..., User]) -> Callable[..., Merchant]:
    counter = iter(range(1, 1000))

    def make(owner: User | None = None, *, required_fen: int = REQUIRED_FEN,
             application_status: str = MerchantApplication.Status.APPROVED,
             status: str = Merchant.Status.ACTIVE, name: str = "") -> Merchant:
        n = next(counter)
        owner = owner or make_user(f"店长{n}")
        credit_code = f"91330100MA{n:07d}X"
        application = MerchantApplication.objects.create(
            applicant=owner, company_name=f"山水茶业{n}有限公司", credit_code=credit_code,
            legal_representative="王建国", contact_name="王建国", contact_mobile=owner.mobile,
            brand_name=name or f"山水茶业{n}", business_licence="merchant-papers/l.pdf",
            brand_authorisation="merchant-papers/a.pdf", status=application_status,
            decided_at=timezone.now())
        merchant = Merchant.objects.create(
            owner=owner, application=application, name=name or f"山水茶业{n}",
            company_name=application.company_name, credit_code=credit_code, status=status,
            deposit_required_fen=required_fen)
        MerchantStaff.objects.create(merchant=merchant, user=owner, role=MerchantStaff.Role.OWNER)
        return merchant

    return make


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("王建国")


@pytest.fixture
def merchant(make_merchant: Callable[..., Merchant], owner: User) -> Merchant:
    return make_merchant(owner, name="山水茶业")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("路人甲")


@pytest.fixture
def books_stay_sound(db: None) -> Iterator[None]:
    """Assert the ledger's invariants after the test, whatever it did."""
    yield
    assert ledger_check() == []


# --- checkouts (issue 4): two merchants' goods in the cart, paid at once ---------------------
ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user("买家")


@pytest.fixture
def shop_skus(make_user: Callable[..., User], operator: User) -> list[Sku]:
    """One live SKU from each of two merchants, so a checkout makes two orders."""
    food = make_category("food", name="食品", licence=True, batches=True)
    tea = make_category("tea", name="茶叶", parent=food)
    skus = []
    for n, name in enumerate(["山水茶业", "别家茶行"]):
        seller = make_user(f"卖家{n}", roles=(Role.MERCHANT_STAFF,))
        shop = catalog_make_merchant(seller, categories=[food], name=name)
        product = make_live_product(seller, shop, tea, operator, name=f"{name} 龙井 250g",
                                    price_fen=12_800 + n * 1_000, stock=50)
        skus.append(product.skus.order_by("pk").first())
    return skus  # type: ignore[return-value]


@pytest.fixture
def make_checkout(shop_skus: list[Sku]) -> Callable[[User], Checkout]:
    def make(buyer: User) -> Checkout:
        address = orders_services.address_create(user=buyer, **ADDRESS)  # type: ignore[arg-type]
        for sku in shop_skus:
            orders_services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)
        return orders_services.checkout_create(buyer=buyer, address_id=address.pk)

    return make


@pytest.fixture
def checkout(make_checkout: Callable[[User], Checkout], buyer: User) -> Checkout:
    return make_checkout(buyer)


# --- local fake providers over HTTPS (see fake_providers.py) -----------------------------------
WX_MCHID, WX_APPID, WX_OA_APPID, WX_MINI_APPID = "1900000109", "wxh5h5h5h5h5h5h5", \
    "wxoaoaoaoaoaoaoa", "wxminiminiminimi"
WX_MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
# WeChat writes its certificate serials with a leading zero; ours read from the certificate
# has none (the bug this guards: they must compare as numbers).
WX_PLATFORM_SERIAL = "0A1B2C3D4E5F60718293A4B5C6D7E8F901234567"
WX_PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092026120300000000000001"
ALIPAY_APP_ID = "2021000000000001"


@pytest.fixture(scope="session")
def provider_keys() -> dict[str, Any]:
    from .fake_providers import new_key

    return {name: new_key() for name in ("merchant", "platform", "app", "alipay")}


@pytest.fixture(scope="session")
def apiv3() -> str:
    return "0123456789abcdef0123456789ABCDEF"


@pytest.fixture(scope="session")
def tls(tmp_path_factory: Any) -> Any:
    from .fake_providers import make_tls

    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake_wechat(tls: Any, provider_keys: dict[str, Any], apiv3: str, settings: Any
                ) -> Iterator[Any]:
    """WeChat Pay at https://127.0.0.1:<port>, configured with platform certificates."""
    from .fake_providers import FakeWechatPay, pem_private, pem_public, serving

    fake = FakeWechatPay(mchid=WX_MCHID, merchant_public=provider_keys["merchant"].public_key(),
                         platform_key=provider_keys["platform"],
                         platform_serial=WX_PLATFORM_SERIAL,
                         appids={WX_APPID, WX_OA_APPID, WX_MINI_APPID})
    with serving(fake, tls) as base:
        fake.base_url = base
        settings.PAYMENT_CA_BUNDLE = str(tls.ca_file)
        settings.WECHATPAY_MCHID, settings.WECHATPAY_APPID = WX_MCHID, WX_APPID
        settings.WECHATPAY_MERCHANT_SERIAL = WX_MERCHANT_SERIAL
        settings.WECHATPAY_PRIVATE_KEY = pem_private(provider_keys["merchant"])
        settings.WECHATPAY_APIV3_KEY = apiv3
        settings.WECHATPAY_PLATFORM_CERTS = json.dumps(
            {WX_PLATFORM_SERIAL.lstrip("0"): pem_public(provider_keys["platform"])})
        settings.WECHATPAY_PUBLIC_KEY_ID = settings.WECHATPAY_PUBLIC_KEY = ""
        settings.WECHATPAY_NOTIFY_URL = "https://shop.test/pay/callback/wechatpay/"
        settings.WECHATPAY_API_BASE = base
        settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET = WX_OA_APPID, "oa-secret"
        settings.WECHAT_MINIPROGRAM_APPID = WX_MINI_APPID
        settings.WECHAT_MINIPROGRAM_SECRET = "mini-secret"
        yield fake


@pytest.fixture
def fake_wechat_api(tls: Any, settings: Any) -> Iterator[Any]:
    """WeChat's own APIs (web authorisation, jscode2session, JS-SDK tokens) over HTTPS."""
    from .fake_providers import FakeWechatApi, serving

    fake = FakeWechatApi(appid=WX_OA_APPID, secret="oa-secret", mini_appid=WX_MINI_APPID,
                         mini_secret="mini-secret")
    with serving(fake, tls) as base:
        settings.PAYMENT_CA_BUNDLE = str(tls.ca_file)
        settings.WECHAT_API_BASE = base
        settings.WECHAT_OPEN_BASE = "https://open.weixin.test"
        settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET = WX_OA_APPID, "oa-secret"
        settings.WECHAT_MINIPROGRAM_APPID = WX_MINI_APPID
        settings.WECHAT_MINIPROGRAM_SECRET = "mini-secret"
        yield fake


@pytest.fixture
def fake_alipay(tls: Any, provider_keys: dict[str, Any], settings: Any) -> Iterator[Any]:
    """Alipay's gateway at https://127.0.0.1:<port>/gateway.do."""
    from .fake_providers import FakeAlipay, pem_private, pem_public, serving

    fake = FakeAlipay(app_id=ALIPAY_APP_ID, app_public=provider_keys["app"].public_key(),
                      alipay_key=provider_keys["alipay"])
    with serving(fake, tls) as base:
        fake.base_url = base
        settings.PAYMENT_CA_BUNDLE = str(tls.ca_file)
        settings.ALIPAY_APP_ID = ALIPAY_APP_ID
        settings.ALIPAY_PRIVATE_KEY = pem_private(provider_keys["app"])
        settings.ALIPAY_PUBLIC_KEY = pem_public(provider_keys["alipay"])
        settings.ALIPAY_NOTIFY_URL = "https://shop.test/pay/callback/alipay/"
        settings.ALIPAY_GATEWAY = f"{base}/gateway.do"
        yield fake
