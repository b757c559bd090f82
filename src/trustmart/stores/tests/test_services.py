from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.catalog.models import Product
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.merchants.models import Merchant
from trustmart.stores import selectors, services
from trustmart.stores.models import Store, StoreItem

from .factories import make_merchant, png

pytestmark = pytest.mark.django_db


def shown(store: Store) -> list[int]:
    store.refresh_from_db()
    return [p.pk for p in selectors.store_products_shown(store=store)]


# --- opening and editing -----------------------------------------------------------------------
def test_open_a_store_in_one_step_grants_the_role(user: User) -> None:
    assert not user_has_role(user, Role.STORE_OWNER)
    store = services.store_open(owner=user, name="  小雨的好物分享 ", introduction=" 只分享用过的 ",
                                avatar=png((500, 300)))
    assert store.name == "小雨的好物分享" and store.introduction == "只分享用过的"
    assert store.status == Store.Status.OPEN
    assert user_has_role(user, Role.STORE_OWNER)
    with store.avatar.open() as f, Image.open(f) as stored:
        assert stored.size == (256, 256) and stored.format == "JPEG"


def test_one_store_per_user(user: User) -> None:
    services.store_open(owner=user, name="第一家")
    with pytest.raises(Conflict) as exc:
        services.store_open(owner=user, name="第二家")
    assert exc.value.code == "store_exists"
    assert list(Store.objects.values_list("name", flat=True)) == ["第一家"]


@pytest.mark.parametrize("name", ["", "   ", "店" * 31])
def test_bad_name_opens_nothing(user: User, name: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.store_open(owner=user, name=name)
    assert exc.value.code == "invalid_store_name" and "name" in exc.value.fields
    assert not Store.objects.exists()
    assert not user_has_role(user, Role.STORE_OWNER)


def test_bad_avatar_opens_nothing(user: User) -> None:
    fake = SimpleUploadedFile("a.png", b"not an image", content_type="image/png")
    with pytest.raises(InvalidInput) as exc:
        services.store_open(owner=user, name="好店", avatar=fake)
    assert exc.value.code == "invalid_image"
    assert not Store.objects.exists()


def test_too_long_introduction_changes_nothing(user: User) -> None:
    services.store_open(owner=user, name="好店", introduction="原来的")
    with pytest.raises(InvalidInput):
        services.store_update(owner=user, name="新名字", introduction="字" * 201)
    store = Store.objects.get()
    assert (store.name, store.introduction) == ("好店", "原来的")


def test_edit_store_and_avatar(user: User) -> None:
    services.store_open(owner=user, name="好店")
    services.store_update(owner=user, name="宝妈精选铺", introduction="母婴好物")
    store = services.store_avatar_set(owner=user, upload=png())
    store.refresh_from_db()
    assert (store.name, store.introduction) == ("宝妈精选铺", "母婴好物") and store.avatar


def test_editing_without_a_store_is_not_found(user: User) -> None:
    with pytest.raises(NotFound) as exc:
        services.store_update(owner=user, name="x")
    assert exc.value.code == "store_not_found"


def test_close_and_reopen_keeps_items(user: User, product: Product) -> None:
    store = services.store_open(owner=user, name="好店")
    services.store_item_add(owner=user, product_id=product.pk)
    services.store_close(owner=user)
    assert shown(store) == []
    assert [p.pk for p in selectors.store_products_managed(store=store)] == [product.pk]
    services.store_reopen(owner=user)
    assert shown(store) == [product.pk]


# --- items -------------------------------------------------------------------------------------
@pytest.fixture
def owner(user: User) -> User:
    services.store_open(owner=user, name="阿杰的零食仓")
    return user


def test_add_is_idempotent(owner: User, product: Product) -> None:
    item, created = services.store_item_add(owner=owner, product_id=product.pk)
    again, created_again = services.store_item_add(owner=owner, product_id=product.pk)
    assert created and not created_again and item.pk == again.pk
    assert StoreItem.objects.count() == 1


def test_add_appends_and_remove_takes_out(owner: User,
                                          product_factory: Callable[..., Product]) -> None:
    a, b = product_factory("A"), product_factory("B")
    services.store_item_add(owner=owner, product_id=a.pk)
    services.store_item_add(owner=owner, product_id=b.pk)
    assert shown(owner.store) == [a.pk, b.pk]
    services.store_item_remove(owner=owner, product_id=a.pk)
    assert shown(owner.store) == [b.pk]
    with pytest.raises(NotFound) as exc:  # removing again: already gone, state unchanged
        services.store_item_remove(owner=owner, product_id=a.pk)
    assert exc.value.code == "store_item_not_found"
    assert shown(owner.store) == [b.pk]


@pytest.mark.parametrize("case", ["draft", "rejected", "offline", "suspended", "deposit_unpaid",
                                  "missing"])
def test_unavailable_product_is_refused_and_nothing_saved(
        owner: User, make_user: Callable[..., User],
        product_factory: Callable[..., Product], case: str) -> None:
    if case in ("draft", "rejected", "offline"):
        product_id = product_factory(status=case).pk
    elif case == "missing":
        product_id = 999_999
    else:
        merchant = make_merchant(make_user(), deposit_ok=case != "deposit_unpaid",
                                 status=Merchant.Status.SUSPENDED if case == "suspended"
                                 else Merchant.Status.ACTIVE)
        product_id = product_factory(merchant=merchant).pk
    with pytest.raises(InvalidInput) as exc:
        services.store_item_add(owner=owner, product_id=product_id)
    assert exc.value.code == "product_unavailable"
    assert "product_id" in exc.value.fields
    assert not StoreItem.objects.exists()


def test_adding_without_a_store_is_not_found(user: User, product: Product) -> None:
    with pytest.raises(NotFound):
        services.store_item_add(owner=user, product_id=product.pk)
    assert not StoreItem.objects.exists()


def test_feature_puts_first_and_reorder(owner: User,
                                        product_factory: Callable[..., Product]) -> None:
    a, b, c, d = (product_factory(n) for n in "ABCD")
    for p in (a, b, c, d):
        services.store_item_add(owner=owner, product_id=p.pk)
    services.store_item_update(owner=owner, product_id=c.pk, featured=True)
    assert shown(owner.store) == [c.pk, a.pk, b.pk, d.pk]
    services.store_items_reorder(owner=owner, product_ids=[d.pk, b.pk])
    assert shown(owner.store) == [c.pk, d.pk, b.pk, a.pk]  # featured still first
    services.store_item_update(owner=owner, product_id=c.pk, featured=False, position=3)
    assert shown(owner.store) == [d.pk, b.pk, a.pk, c.pk]
    services.store_item_update(owner=owner, product_id=a.pk, position=0)
    assert shown(owner.store) == [a.pk, d.pk, b.pk, c.pk]


def test_move_up_down_top(owner: User, product_factory: Callable[..., Product]) -> None:
    a, b, c = (product_factory(n) for n in "ABC")
    for p in (a, b, c):
        services.store_item_add(owner=owner, product_id=p.pk)
    services.store_item_move(owner=owner, product_id=c.pk, direction="up")
    assert shown(owner.store) == [a.pk, c.pk, b.pk]
    services.store_item_move(owner=owner, product_id=a.pk, direction="down")
    assert shown(owner.store) == [c.pk, a.pk, b.pk]
    services.store_item_move(owner=owner, product_id=b.pk, direction="top")
    assert shown(owner.store) == [b.pk, c.pk, a.pk]
    services.store_item_move(owner=owner, product_id=b.pk, direction="up")  # already first
    assert shown(owner.store) == [b.pk, c.pk, a.pk]


def test_move_skips_hidden_neighbours(owner: User, make_user: Callable[..., User],
                                      product_factory: Callable[..., Product]) -> None:
    other = make_merchant(make_user(), name="别家")
    a, hidden, c = product_factory("A"), product_factory("H", merchant=other), product_factory("C")
    for p in (a, hidden, c):
        services.store_item_add(owner=owner, product_id=p.pk)
    Merchant.objects.filter(pk=other.pk).update(status=Merchant.Status.SUSPENDED)
    services.store_item_move(owner=owner, product_id=c.pk, direction="up")
    assert shown(owner.store) == [c.pk, a.pk]


def test_reorder_refuses_bad_lists_and_changes_nothing(
        owner: User, make_user: Callable[..., User],
        product_factory: Callable[..., Product]) -> None:
    a, b = product_factory("A"), product_factory("B")
    services.store_item_add(owner=owner, product_id=a.pk)
    services.store_item_add(owner=owner, product_id=b.pk)
    stranger = make_user()
    services.store_open(owner=stranger, name="别人的店")
    theirs = product_factory("T")
    services.store_item_add(owner=stranger, product_id=theirs.pk)
    with pytest.raises(InvalidInput) as dup:
        services.store_items_reorder(owner=owner, product_ids=[b.pk, b.pk])
    assert dup.value.code == "duplicate_product"
    with pytest.raises(NotFound):
        services.store_items_reorder(owner=owner, product_ids=[b.pk, theirs.pk])
    with pytest.raises(InvalidInput):
        services.store_item_update(owner=owner, product_id=b.pk, position=-1)
    assert shown(owner.store) == [a.pk, b.pk]


def test_another_owners_item_is_not_found(owner: User, make_user: Callable[..., User],
                                          product: Product) -> None:
    stranger = make_user()
    services.store_open(owner=stranger, name="别人的店")
    services.store_item_add(owner=stranger, product_id=product.pk)
    for act in (
        lambda: services.store_item_remove(owner=owner, product_id=product.pk),
        lambda: services.store_item_update(owner=owner, product_id=product.pk, featured=True),
        lambda: services.store_item_move(owner=owner, product_id=product.pk, direction="top"),
    ):
        with pytest.raises(NotFound):
            act()
    item = StoreItem.objects.get()
    assert item.store.owner == stranger and not item.featured


def test_suspended_merchant_disappears_from_every_store_and_comes_back(
        owner: User, make_user: Callable[..., User], merchant: Merchant,
        product_factory: Callable[..., Product]) -> None:
    mine, other = product_factory("自家"), product_factory("别家", merchant=make_merchant(
        make_user(), name="别家"))
    second = make_user()
    services.store_open(owner=second, name="第二家店")
    for who in (owner, second):
        services.store_item_add(owner=who, product_id=mine.pk)
        services.store_item_add(owner=who, product_id=other.pk)
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.SUSPENDED)
    assert shown(owner.store) == [other.pk] and shown(second.store) == [other.pk]
    assert selectors.store_items_hidden_count(store=owner.store) == 1
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.ACTIVE)
    assert shown(owner.store) == [mine.pk, other.pk] and shown(second.store) == [mine.pk,
                                                                                  other.pk]


def test_product_taken_down_is_hidden(owner: User, product: Product) -> None:
    services.store_item_add(owner=owner, product_id=product.pk)
    Product.objects.filter(pk=product.pk).update(status=Product.Status.OFFLINE)
    assert shown(owner.store) == []
    assert StoreItem.objects.filter(product=product).exists()


def test_hidden_item_cannot_be_re_added_or_arranged_but_can_be_removed(
        owner: User, merchant: Merchant, product_factory: Callable[..., Product]) -> None:
    a, b = product_factory("A"), product_factory("B")
    services.store_item_add(owner=owner, product_id=a.pk)
    services.store_item_add(owner=owner, product_id=b.pk)
    Product.objects.filter(pk=a.pk).update(status=Product.Status.OFFLINE)
    for act in (
        lambda: services.store_item_add(owner=owner, product_id=a.pk),
        lambda: services.store_item_update(owner=owner, product_id=a.pk, featured=True),
        lambda: services.store_item_move(owner=owner, product_id=a.pk, direction="top"),
    ):
        with pytest.raises(InvalidInput) as exc:
            act()
        assert exc.value.code == "product_unavailable"
    assert not StoreItem.objects.get(product=a).featured
    services.store_item_remove(owner=owner, product_id=a.pk)
    assert list(StoreItem.objects.values_list("product_id", flat=True)) == [b.pk]


def test_store_item_limit(owner: User, product_factory: Callable[..., Product],
                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "STORE_ITEM_LIMIT", 2)
    a, b, c = (product_factory(n) for n in "ABC")
    services.store_item_add(owner=owner, product_id=a.pk)
    services.store_item_add(owner=owner, product_id=b.pk)
    with pytest.raises(Conflict) as exc:
        services.store_item_add(owner=owner, product_id=c.pk)
    assert exc.value.code == "store_full"
    assert StoreItem.objects.count() == 2
