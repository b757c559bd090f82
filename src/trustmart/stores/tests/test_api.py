from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.catalog.models import Product
from trustmart.merchants.models import Merchant
from trustmart.stores import services
from trustmart.stores.models import Store, StoreItem

from .factories import png

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def client_of(api_client_for: Callable[[User], Client]) -> Callable[[User], Client]:
    return api_client_for


def test_open_store_and_read_it(user: User, client_of: Callable[[User], Client]) -> None:
    client = client_of(user)
    assert client.get("/api/stores/mine").status_code == 404
    response = client.post("/api/stores", {"name": "小雨的好物分享", "introduction": "好物"},
                           content_type=JSON)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "小雨的好物分享" and body["status"] == "open"
    assert body["owner"]["nickname"] == user.nickname and body["product_count"] == 0
    assert body["url"] == f"/s/{body['id']}/"
    assert user_has_role(user, Role.STORE_OWNER)
    assert client.get("/api/stores/mine").json()["id"] == body["id"]
    again = client.post("/api/stores", {"name": "第二家"}, content_type=JSON)
    assert again.status_code == 409 and again.json()["code"] == "store_exists"


def test_open_store_needs_log_in() -> None:
    response = Client().post("/api/stores", {"name": "x"}, content_type=JSON)
    assert response.status_code == 401
    assert not Store.objects.exists()


def test_bad_name_is_422_and_nothing_saved(user: User,
                                           client_of: Callable[[User], Client]) -> None:
    response = client_of(user).post("/api/stores", {"name": "  "}, content_type=JSON,
                                    HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_store_name"
    assert response.json()["message"] == "A store name has 1 to 30 characters."
    assert not Store.objects.exists()


def test_edit_close_reopen_and_avatar(user: User, client_of: Callable[[User], Client]) -> None:
    client = client_of(user)
    client.post("/api/stores", {"name": "好店"}, content_type=JSON)
    edited = client.patch("/api/stores/mine", {"name": "宝妈精选铺", "introduction": "母婴"},
                          content_type=JSON)
    assert edited.status_code == 200 and edited.json()["name"] == "宝妈精选铺"
    closed = client.patch("/api/stores/mine", {"status": "closed"}, content_type=JSON)
    assert closed.json()["status"] == "closed"
    public = Client().get(f"/api/stores/{closed.json()['id']}")
    assert public.status_code == 200 and public.json()["status"] == "closed"
    assert client.patch("/api/stores/mine", {"status": "open"},
                        content_type=JSON).json()["status"] == "open"
    bad = client.patch("/api/stores/mine", {"status": "gone"}, content_type=JSON)
    assert bad.status_code == 422
    avatar = client.post("/api/stores/mine/avatar", {"avatar": png()})
    assert avatar.status_code == 200 and avatar.json()["avatar_url"].endswith(".jpg")
    junk = client.post("/api/stores/mine/avatar", {"avatar": png(name="a.txt")})
    assert junk.status_code == 200  # decoded, not judged by its name
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = client.post("/api/stores/mine/avatar",
                       {"avatar": SimpleUploadedFile("a.png", b"no", content_type="image/png")})
    assert fake.status_code == 422 and fake.json()["code"] == "invalid_image"


def test_resell_flow(user: User, client_of: Callable[[User], Client],
                     product_factory: Callable[..., Product]) -> None:
    a, b, c = (product_factory(n, price_fen=1000 + i) for i, n in enumerate("ABC"))
    client = client_of(user)
    store_id = client.post("/api/stores", {"name": "好店"}, content_type=JSON).json()["id"]
    first = client.post("/api/stores/mine/items", {"product_id": a.pk}, content_type=JSON)
    assert first.status_code == 201
    item = first.json()
    assert item["name"] == "A" and item["price_fen"] == 1000 and item["price"] == "¥10.00"
    assert item["url"] == f"/p/{a.pk}/?store={store_id}" and item["image_url"]
    again = client.post("/api/stores/mine/items", {"product_id": a.pk}, content_type=JSON)
    assert again.status_code == 200 and StoreItem.objects.count() == 1
    for p in (b, c):
        client.post("/api/stores/mine/items", {"product_id": p.pk}, content_type=JSON)
    featured = client.patch(f"/api/stores/mine/items/{c.pk}", {"featured": True},
                            content_type=JSON)
    assert featured.status_code == 200 and featured.json()["featured"] is True
    order = client.post("/api/stores/mine/items/reorder", {"product_ids": [b.pk, a.pk]},
                        content_type=JSON)
    assert [i["product_id"] for i in order.json()] == [c.pk, b.pk, a.pk]
    public = Client().get(f"/api/stores/{store_id}/items")
    assert public.status_code == 200
    assert public.json()["count"] == 3
    assert [i["product_id"] for i in public.json()["items"]] == [c.pk, b.pk, a.pk]
    assert Client().get(f"/api/stores/{store_id}").json()["product_count"] == 3
    assert client.delete(f"/api/stores/mine/items/{b.pk}").status_code == 204
    again_gone = client.delete(f"/api/stores/mine/items/{b.pk}")
    assert again_gone.status_code == 404 and again_gone.json()["code"] == "store_item_not_found"
    mine = client.get("/api/stores/mine/items").json()
    assert [i["product_id"] for i in mine["items"]] == [c.pk, a.pk]


def test_unavailable_product_is_refused(user: User, client_of: Callable[[User], Client],
                                        product_factory: Callable[..., Product]) -> None:
    draft = product_factory(status=Product.Status.DRAFT)
    client = client_of(user)
    client.post("/api/stores", {"name": "好店"}, content_type=JSON)
    response = client.post("/api/stores/mine/items", {"product_id": draft.pk},
                           content_type=JSON, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["code"] == "product_unavailable"
    assert "not on sale" in response.json()["message"]
    assert not StoreItem.objects.exists()


def test_suspended_merchant_hidden_in_api_and_back_on_reinstatement(
        user: User, client_of: Callable[[User], Client], merchant: Merchant,
        product: Product) -> None:
    client = client_of(user)
    store_id = client.post("/api/stores", {"name": "好店"}, content_type=JSON).json()["id"]
    client.post("/api/stores/mine/items", {"product_id": product.pk}, content_type=JSON)
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.SUSPENDED)
    assert Client().get(f"/api/stores/{store_id}/items").json()["count"] == 0
    assert Client().get(f"/api/stores/{store_id}").json()["product_count"] == 0
    assert client.get("/api/stores/mine/items").json()["count"] == 0
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.ACTIVE)
    assert Client().get(f"/api/stores/{store_id}/items").json()["count"] == 1


def test_closed_store_lists_nothing(user: User, product: Product) -> None:
    store = services.store_open(owner=user, name="好店")
    services.store_item_add(owner=user, product_id=product.pk)
    services.store_close(owner=user)
    assert Client().get(f"/api/stores/{store.pk}/items").json()["count"] == 0


def test_unknown_store_is_404() -> None:
    assert Client().get("/api/stores/999999").status_code == 404
    assert Client().get("/api/stores/999999/items").status_code == 404


def test_another_owners_items_are_404(user: User, make_user: Callable[..., User],
                                      client_of: Callable[[User], Client],
                                      product: Product) -> None:
    stranger = make_user()
    services.store_open(owner=stranger, name="别人的店")
    services.store_item_add(owner=stranger, product_id=product.pk)
    client = client_of(user)
    client.post("/api/stores", {"name": "我的店"}, content_type=JSON)
    attempts = [
        client.delete(f"/api/stores/mine/items/{product.pk}"),
        client.patch(f"/api/stores/mine/items/{product.pk}", {"featured": True},
                     content_type=JSON),
        client.post("/api/stores/mine/items/reorder", {"product_ids": [product.pk]},
                    content_type=JSON),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]
    assert all(r.json()["code"] == "store_item_not_found" for r in attempts)
    item = StoreItem.objects.get()
    assert item.store.owner == stranger and not item.featured


def test_without_a_store_the_mine_routes_are_404(user: User,
                                                 client_of: Callable[[User], Client],
                                                 product: Product) -> None:
    client = client_of(user)
    responses = [
        client.get("/api/stores/mine"),
        client.patch("/api/stores/mine", {"name": "x"}, content_type=JSON),
        client.get("/api/stores/mine/items"),
        client.post("/api/stores/mine/items", {"product_id": product.pk}, content_type=JSON),
        client.patch(f"/api/stores/mine/items/{product.pk}", {"featured": True},
                     content_type=JSON),
    ]
    assert [r.status_code for r in responses] == [404] * 5
    assert not StoreItem.objects.exists()


def test_open_store_retry_with_idempotency_key_replays(
        user: User, client_of: Callable[[User], Client]) -> None:
    client = client_of(user)
    first = client.post("/api/stores", {"name": "好店"}, content_type=JSON,
                        HTTP_IDEMPOTENCY_KEY="open-1")
    retry = client.post("/api/stores", {"name": "好店"}, content_type=JSON,
                        HTTP_IDEMPOTENCY_KEY="open-1")
    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true" and retry.json() == first.json()
    assert Store.objects.count() == 1
