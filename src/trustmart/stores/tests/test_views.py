from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.catalog.models import Product
from trustmart.merchants.models import Merchant
from trustmart.stores import services
from trustmart.stores.models import Store, StoreItem

from .factories import make_category, png

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_my_store_without_a_store_shows_the_open_form(user: User) -> None:
    response = logged_in(user).get("/my/store/")
    assert response.status_code == 200
    assert b"open-store-form" in response.content


def test_my_store_requires_log_in() -> None:
    response = Client().get("/my/store/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_open_store_in_one_step_and_come_back(user: User, product: Product) -> None:
    client = logged_in(user)
    response = client.post("/my/store/", {"name": "小雨的好物分享", "introduction": "好物",
                                          "avatar": png(), "next": f"/p/{product.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/p/{product.pk}/"
    store = Store.objects.get(owner=user)
    assert store.name == "小雨的好物分享" and store.avatar
    assert user_has_role(user, Role.STORE_OWNER)
    evil = logged_in(User.objects.create_user(mobile="13700000009", nickname="x"))
    response = evil.post("/my/store/", {"name": "店", "next": "https://evil.example/"})
    assert response["Location"] == "/my/store/"


def test_open_store_bad_input_shows_error_and_saves_nothing(user: User) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = logged_in(user).post("/my/store/", {
        "name": "好店", "avatar": SimpleUploadedFile("a.png", b"nope", content_type="image/png")})
    assert response.status_code == 200
    assert "Upload a JPEG, PNG, WebP or GIF image." in response.content.decode()
    assert not Store.objects.exists()


def test_dashboard_shows_items_tiles_and_share_link(user: User, product: Product) -> None:
    store = services.store_open(owner=user, name="宝妈精选铺")
    services.store_item_add(owner=user, product_id=product.pk)
    page = logged_in(user).get("/my/store/").content.decode()
    assert "宝妈精选铺" in page and product.name in page
    assert f"http://testserver/s/{store.pk}/" in page
    for label in ("Visits", "Orders", "Pending commission", "Available commission"):
        assert label in page
    assert page.count("¥0.00") == 2


def test_edit_store_page(user: User) -> None:
    services.store_open(owner=user, name="好店")
    client = logged_in(user)
    assert client.get("/my/store/edit/").status_code == 200
    response = client.post("/my/store/edit/", {"name": "新名字", "introduction": "新简介",
                                               "avatar": png()})
    assert response.status_code == 302
    store = Store.objects.get()
    assert (store.name, store.introduction) == ("新名字", "新简介") and store.avatar
    bad = client.post("/my/store/edit/", {"name": "   ", "introduction": ""})
    assert bad.status_code == 200
    assert Store.objects.get().name == "新名字"


def test_close_and_reopen_from_the_dashboard(user: User, product: Product) -> None:
    store = services.store_open(owner=user, name="好店")
    services.store_item_add(owner=user, product_id=product.pk)
    client = logged_in(user)
    client.post("/my/store/status/", {"action": "close"})
    closed = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{store.pk}/")
    assert closed.status_code == 200 and b"store-closed" in closed.content
    assert product.name.encode() not in closed.content
    client.post("/my/store/status/", {"action": "reopen"})
    assert product.name.encode() in Client().get(f"/s/{store.pk}/").content


def test_item_actions_with_htmx(user: User, product_factory: Callable[..., Product]) -> None:
    a, b = product_factory("甲"), product_factory("乙")
    services.store_open(owner=user, name="好店")
    services.store_item_add(owner=user, product_id=a.pk)
    services.store_item_add(owner=user, product_id=b.pk)
    client = logged_in(user)
    moved = client.post(f"/my/store/items/{b.pk}/", {"action": "top"}, HTTP_HX_REQUEST="true")
    assert moved.status_code == 200 and b"<html" not in moved.content
    html = moved.content.decode()
    assert html.index("乙") < html.index("甲")
    client.post(f"/my/store/items/{a.pk}/", {"action": "feature"}, HTTP_HX_REQUEST="true")
    assert StoreItem.objects.get(product=a).featured
    client.post(f"/my/store/items/{a.pk}/", {"action": "remove"}, HTTP_HX_REQUEST="true")
    assert list(StoreItem.objects.values_list("product_id", flat=True)) == [b.pk]
    bad = client.post(f"/my/store/items/{b.pk}/", {"action": "explode"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422


def test_another_owners_item_is_404_on_the_pages(user: User, make_user: Callable[..., User],
                                                 product: Product) -> None:
    stranger = make_user()
    services.store_open(owner=stranger, name="别人的店")
    services.store_item_add(owner=stranger, product_id=product.pk)
    services.store_open(owner=user, name="我的店")
    client = logged_in(user)
    for action in ("remove", "feature", "top"):
        response = client.post(f"/my/store/items/{product.pk}/", {"action": action},
                               HTTP_HX_REQUEST="true")
        assert response.status_code == 404
    item = StoreItem.objects.get()
    assert item.store.owner == stranger and not item.featured
    # Without a store, the item URLs do not exist either.
    lonely = logged_in(make_user())
    assert lonely.post(f"/my/store/items/{product.pk}/", {"action": "remove"}).status_code == 404
    assert StoreItem.objects.count() == 1


def test_public_store_page(user: User, product_factory: Callable[..., Product]) -> None:
    a, b = product_factory("明前龙井", price_fen=12_800), product_factory("安吉白茶")
    store = services.store_open(owner=user, name="小雨的好物分享", introduction="只卖好茶")
    services.store_item_add(owner=user, product_id=a.pk)
    services.store_item_add(owner=user, product_id=b.pk)
    services.store_item_update(owner=user, product_id=b.pk, featured=True)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/s/{store.pk}/").content.decode()
    assert "小雨的好物分享" in page and "只卖好茶" in page and user.nickname in page
    assert "2 products" in page and "¥128.00" in page
    assert f'href="/p/{a.pk}/?store={store.pk}"' in page
    assert page.index("安吉白茶") < page.index("明前龙井")  # featured first
    assert Client().get("/s/999999/").status_code == 404


def test_store_page_hides_suspended_merchant_and_shows_it_again(
        user: User, merchant: Merchant, product: Product) -> None:
    store = services.store_open(owner=user, name="好店")
    services.store_item_add(owner=user, product_id=product.pk)
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.SUSPENDED)
    assert product.name.encode() not in Client().get(f"/s/{store.pk}/").content
    dashboard = logged_in(user).get("/my/store/").content.decode()
    assert product.name not in dashboard and "hidden-note" in dashboard
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.ACTIVE)
    assert product.name.encode() in Client().get(f"/s/{store.pk}/").content


def test_store_page_loads_more_with_htmx(user: User,
                                         product_factory: Callable[..., Product]) -> None:
    store = services.store_open(owner=user, name="好店")
    for n in range(22):
        services.store_item_add(owner=user, product_id=product_factory(f"商品{n:02d}").pk)
    first = Client().get(f"/s/{store.pk}/").content.decode()
    assert "商品19" in first and "商品20" not in first and "?page=2" in first
    more = Client().get(f"/s/{store.pk}/?page=2", HTTP_HX_REQUEST="true").content.decode()
    assert "商品20" in more and "商品21" in more and "<html" not in more


# --- the 一键代销 button ------------------------------------------------------------------------
def test_button_for_anonymous_links_to_log_in(product: Product) -> None:
    current = f"http://testserver/p/{product.pk}/"
    response = Client().get(f"/stores/item-button/{product.pk}/", HTTP_HX_REQUEST="true",
                            HTTP_HX_CURRENT_URL=current)
    assert b"resell-login" in response.content
    assert f"/login/?next=/p/{product.pk}/".encode() in response.content
    assert Client().post(f"/stores/item-button/{product.pk}/",
                         {"action": "add"}).status_code == 401


def test_button_without_a_store_links_to_opening_one(user: User, product: Product) -> None:
    response = logged_in(user).get(f"/stores/item-button/{product.pk}/", HTTP_HX_REQUEST="true")
    assert b"resell-open-store" in response.content
    assert f"/my/store/?next=/p/{product.pk}/".encode() in response.content


def test_button_adds_and_removes(user: User, product: Product) -> None:
    services.store_open(owner=user, name="好店")
    client = logged_in(user)
    url = f"/stores/item-button/{product.pk}/"
    assert b"resell-add" in client.get(url).content
    added = client.post(url, {"action": "add"}, HTTP_HX_REQUEST="true")
    assert b"resell-remove" in added.content and StoreItem.objects.count() == 1
    assert b"resell-remove" in client.post(url, {"action": "add"}).content  # idempotent
    assert StoreItem.objects.count() == 1
    removed = client.post(url, {"action": "remove"}, HTTP_HX_REQUEST="true")
    assert b"resell-add" in removed.content and not StoreItem.objects.exists()
    again = client.post(url, {"action": "remove"}, HTTP_HX_REQUEST="true")
    assert b"resell-add" in again.content and b"resell-error" not in again.content


def test_button_refuses_unavailable_product(user: User,
                                            product_factory: Callable[..., Product]) -> None:
    draft = product_factory(status=Product.Status.DRAFT)
    services.store_open(owner=user, name="好店")
    response = logged_in(user).post(f"/stores/item-button/{draft.pk}/", {"action": "add"})
    assert b"resell-error" in response.content
    assert "not on sale" in response.content.decode()
    assert not StoreItem.objects.exists()


# --- supply catalog ----------------------------------------------------------------------------
def test_supply_page_with_category_tabs(user: User,
                                        product_factory: Callable[..., Product]) -> None:
    tea = make_category("茶叶")
    snacks = make_category("零食")
    green = make_category("绿茶", parent=tea)
    longjing = product_factory("明前龙井", category=green)
    chips = product_factory("薯片", category=snacks)
    hidden = product_factory("草稿", status=Product.Status.DRAFT)
    services.store_open(owner=user, name="好店")
    services.store_item_add(owner=user, product_id=chips.pk)
    client = logged_in(user)
    page = client.get("/stores/supply/").content.decode()
    assert "明前龙井" in page and "薯片" in page and hidden.name not in page
    assert "茶叶" in page and "零食" in page
    tab = client.get(f"/stores/supply/?category={tea.slug}", HTTP_HX_REQUEST="true")
    html = tab.content.decode()
    assert "明前龙井" in html and "薯片" not in html and "<html" not in html
    snack_tab = client.get(f"/stores/supply/?category={snacks.slug}").content.decode()
    assert f'id="resell-{chips.pk}"' in snack_tab and "resell-remove" in snack_tab
    assert longjing.name not in snack_tab
