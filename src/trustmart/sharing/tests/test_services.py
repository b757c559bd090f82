from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.core.errors import InvalidInput, NotFound
from trustmart.sharing import selectors, services
from trustmart.sharing.models import Binding, BindingMode, Share, SharingPolicy, Visit
from trustmart.stores.models import Store

pytestmark = pytest.mark.django_db
OpenStore = Callable[..., Store]


def _share(user: User, product: Product, **kw: object) -> Share:
    kw.setdefault("channel", "wechat_friend")
    return services.share_create(user=user, target="product", product_id=product.pk, **kw)  # type: ignore[arg-type]


# --- shares ------------------------------------------------------------------------------------
def test_share_code_is_short_random_base62(make_user: Callable[..., User],
                                           product: Product) -> None:
    share = _share(make_user(), product)
    assert len(share.code) == 8 and share.code.isalnum() and not share.code.isdigit()
    assert share.depth == 0 and share.root is None and share.parent is None


def test_share_code_collision_draws_again(make_user: Callable[..., User], product: Product,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = _share(make_user(), product)
    codes = iter([first.code, "Zz9Yy8Xx"])
    monkeypatch.setattr(services, "share_code_new", lambda: next(codes))
    second = _share(make_user(), product)
    assert second.code == "Zz9Yy8Xx"


def test_share_store_is_sharers_open_store(make_user: Callable[..., User], product: Product,
                                           open_store: OpenStore) -> None:
    owner, plain = make_user(), make_user()
    store = open_store(owner)  # does not carry the product: stored anyway
    assert _share(owner, product).store == store
    assert _share(plain, product).store is None


def test_hidden_product_and_closed_store_cannot_be_shared(
        make_user: Callable[..., User], product_factory: Callable[..., Product],
        open_store: OpenStore) -> None:
    user = make_user()
    draft = product_factory(status=Product.Status.DRAFT)
    with pytest.raises(NotFound):  # never public: it does not exist for the sharer
        _share(user, draft)
    offline = product_factory(status=Product.Status.OFFLINE)
    with pytest.raises(InvalidInput) as not_for_sale:
        _share(user, offline)
    assert not_for_sale.value.code == "product_not_for_sale"
    closed = open_store(make_user(), status=Store.Status.CLOSED)
    with pytest.raises(InvalidInput) as closed_error:
        services.share_create(user=user, target="store", store_id=closed.pk, channel="qq")
    assert closed_error.value.code == "store_closed"
    with pytest.raises(NotFound):
        services.share_create(user=user, target="store", store_id=999_999, channel="qq")
    assert not Share.objects.exists()
    with pytest.raises(InvalidInput):
        _share(user, product_factory(), channel="myspace")


def test_reshare_is_child_and_own_reshare_is_not(make_user: Callable[..., User],
                                                 product: Product) -> None:
    a, b, c = make_user("阿甲"), make_user("阿乙"), make_user("阿丙")
    root = _share(a, product)
    child = _share(b, product, parent_code=root.code, channel="weibo")
    grandchild = _share(c, product, parent_code=child.code)
    assert (child.parent, child.root, child.depth) == (root, root, 1)
    assert (grandchild.parent, grandchild.root, grandchild.depth) == (child, root, 2)
    again = _share(b, product, parent_code=child.code, channel="qq")
    assert again.parent == root and again.depth == 1  # not a child of b's own share
    mine = _share(a, product, parent_code=root.code, channel="douyin")
    assert mine.parent is None and mine.depth == 0
    assert _share(b, product, parent_code=root.code, channel="weibo") == child  # same again


# --- visits ------------------------------------------------------------------------------------
def test_burst_from_one_device_counts_once(make_user: Callable[..., User],
                                           product: Product) -> None:
    share = _share(make_user(), product)
    first = services.visit_record(code=share.code, channel="weibo", visitor=None, device_id="d1")
    again = services.visit_record(code=share.code, channel=None, visitor=None, device_id="d1")
    other = services.visit_record(code=share.code, channel=None, visitor=None, device_id="d2")
    assert (first.counted, again.counted, other.counted) == (True, False, True)
    assert first.channel == "weibo" and again.channel == share.channel
    assert (first.first_visit, again.first_visit, other.first_visit) == (True, False, True)
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        later = services.visit_record(code=share.code, channel=None, visitor=None,
                                      device_id="d1")
    assert later.counted and not later.first_visit
    assert Visit.objects.filter(share=share).count() == 4


def test_same_user_on_two_devices_is_a_repeat(make_user: Callable[..., User],
                                              product: Product) -> None:
    share, visitor = _share(make_user(), product), make_user()
    services.visit_record(code=share.code, channel=None, visitor=visitor, device_id="p1")
    second = services.visit_record(code=share.code, channel=None, visitor=visitor,
                                   device_id="p2")
    assert not second.counted


def test_unknown_code_is_not_found(db: None) -> None:
    with pytest.raises(NotFound):
        services.visit_record(code="nOpE1234", channel=None, visitor=None, device_id="x")


# --- binding -----------------------------------------------------------------------------------
def test_visit_binds_logged_in_visitor_to_store_owner(
        make_user: Callable[..., User], product: Product, open_store: OpenStore) -> None:
    owner, plain, buyer = make_user(), make_user(), make_user()
    open_store(owner, product)
    services.visit_record(code=_share(plain, product).code, channel=None, visitor=buyer,
                          device_id="b")
    assert not Binding.objects.exists()  # a sharer without a store earns nothing: no binding
    share = _share(owner, product)
    services.visit_record(code=share.code, channel=None, visitor=buyer, device_id="b")
    binding = Binding.objects.get(buyer=buyer)
    assert binding.sharer == owner and binding.share == share
    assert binding.expires_at is not None and (
        binding.expires_at - timezone.now()).days in (14, 15)


def test_never_bound_to_oneself(make_user: Callable[..., User], product: Product,
                                open_store: OpenStore) -> None:
    owner = make_user()
    open_store(owner, product)
    services.visit_record(code=_share(owner, product).code, channel=None, visitor=owner,
                          device_id="o")
    assert not Binding.objects.exists()


def test_no_cycles(make_user: Callable[..., User], product: Product,
                   open_store: OpenStore) -> None:
    a, b, c = make_user(), make_user(), make_user()
    for owner in (a, b, c):
        open_store(owner, product)
    services.visit_record(code=_share(b, product).code, channel=None, visitor=a, device_id="a")
    assert Binding.objects.get(buyer=a).sharer == b
    services.visit_record(code=_share(a, product).code, channel=None, visitor=b, device_id="b")
    assert not Binding.objects.filter(buyer=b).exists()  # A→B forbids B→A
    services.visit_record(code=_share(c, product).code, channel=None, visitor=b, device_id="b")
    services.visit_record(code=_share(a, product).code, channel=None, visitor=c, device_id="c")
    assert not Binding.objects.filter(buyer=c).exists()  # A→B→C forbids C→A


def test_latest_mode_latest_share_wins_and_expires(
        make_user: Callable[..., User], product: Product, open_store: OpenStore) -> None:
    a, b, buyer = make_user(), make_user(), make_user()
    open_store(a, product)
    open_store(b, product)
    services.visit_record(code=_share(a, product).code, channel=None, visitor=buyer,
                          device_id="x")
    services.visit_record(code=_share(b, product).code, channel=None, visitor=buyer,
                          device_id="x")
    assert selectors.binding_of(buyer_id=buyer.pk).sharer == b  # type: ignore[union-attr]
    with time_machine.travel(timezone.now() + timedelta(days=16)):
        assert selectors.binding_of(buyer_id=buyer.pk) is None
        assert services.binding_expire_due() == 1


def test_first_mode_is_permanent(make_user: Callable[..., User], product: Product,
                                 open_store: OpenStore) -> None:
    SharingPolicy.objects.create(pk=1, binding_mode=BindingMode.FIRST)
    a, b, buyer = make_user(), make_user(), make_user()
    open_store(a, product)
    open_store(b, product)
    services.visit_record(code=_share(a, product).code, channel=None, visitor=buyer,
                          device_id="x")
    services.visit_record(code=_share(b, product).code, channel=None, visitor=buyer,
                          device_id="x")
    with time_machine.travel(timezone.now() + timedelta(days=400)):
        binding = selectors.binding_of(buyer_id=buyer.pk)
        assert binding is not None and binding.sharer == a and binding.expires_at is None


def test_binding_renew_extends_latest(make_user: Callable[..., User], product: Product,
                                      open_store: OpenStore) -> None:
    a, buyer = make_user(), make_user()
    open_store(a, product)
    services.visit_record(code=_share(a, product).code, channel=None, visitor=buyer,
                          device_id="x")
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        assert services.binding_renew(buyer_id=buyer.pk, sharer_id=a.pk)
        assert not services.binding_renew(buyer_id=buyer.pk, sharer_id=buyer.pk)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        assert selectors.binding_of(buyer_id=buyer.pk) is not None


def test_policy_update_is_for_operators(make_user: Callable[..., User]) -> None:
    with pytest.raises(NotFound):
        services.policy_update(operator=make_user(), binding_days=3)
    operator = make_user(is_staff=True)
    policy = services.policy_update(operator=operator, binding_mode="first", binding_days=30)
    assert (policy.binding_mode, policy.binding_days) == ("first", 30)
    with pytest.raises(InvalidInput):
        services.policy_update(operator=operator, binding_days=0)


# --- attribution -------------------------------------------------------------------------------
def test_attribution_binding_wins_when_store_carries_product(
        make_user: Callable[..., User], product: Product, product_factory: Callable[..., Product],
        open_store: OpenStore) -> None:
    bound_to, other, buyer = make_user("绑定店主"), make_user(), make_user()
    other_product = product_factory("别的商品")
    open_store(bound_to, product)
    other_store = open_store(other, product, other_product)
    share = _share(bound_to, product)
    services.visit_record(code=share.code, channel=None, visitor=buyer, device_id="x")
    # then the buyer is bound, and comes through other's share: latest wins, rebind to other
    Binding.objects.filter(buyer=buyer).update(sharer=bound_to, share=share)
    line_share = _share(other, product, channel="qq")
    result = selectors.attribution_for(buyer_id=buyer.pk, product_id=product.pk,
                                       store_id=other_store.pk, share_code=line_share.code)
    assert (result.store_id, result.share_code, result.sharer_id, result.sharer_nickname) == (
        bound_to.store.pk, share.code, bound_to.pk, "绑定店主")
    # the bound sharer's store lacks this product: the line's own share/store
    result = selectors.attribution_for(buyer_id=buyer.pk, product_id=other_product.pk,
                                       store_id=other_store.pk, share_code=None)
    assert (result.store_id, result.sharer_id, result.share_code) == (
        other_store.pk, other.pk, None)


def test_attribution_line_share_needs_sharer_owning_store(
        make_user: Callable[..., User], product: Product, open_store: OpenStore) -> None:
    owner, plain, buyer = make_user(), make_user(), make_user()
    store = open_store(owner, product)
    owned = _share(owner, product)
    result = selectors.attribution_for(buyer_id=buyer.pk, product_id=product.pk,
                                       store_id=None, share_code=owned.code)
    assert (result.store_id, result.share_code, result.self_purchase) == (
        store.pk, owned.code, False)
    unowned = _share(plain, product)  # no store: earns nothing
    assert selectors.attribution_for(buyer_id=buyer.pk, product_id=product.pk, store_id=None,
                                     share_code=unowned.code) == selectors.NO_ATTRIBUTION
    assert selectors.attribution_for(buyer_id=buyer.pk, product_id=product.pk, store_id=None,
                                     share_code=None) == selectors.NO_ATTRIBUTION


def test_attribution_self_purchase_is_flagged(make_user: Callable[..., User], product: Product,
                                              open_store: OpenStore) -> None:
    owner = make_user()
    store = open_store(owner, product)
    share = _share(owner, product)
    result = selectors.attribution_for(buyer_id=owner.pk, product_id=product.pk,
                                       store_id=store.pk, share_code=share.code)
    assert result.self_purchase and result.store_id == store.pk and result.sharer_id == owner.pk


def test_attribution_closed_store_gives_nothing(make_user: Callable[..., User],
                                                product: Product, open_store: OpenStore) -> None:
    owner, buyer = make_user(), make_user()
    store = open_store(owner, product)
    share = _share(owner, product)
    Store.objects.filter(pk=store.pk).update(status=Store.Status.CLOSED)
    assert selectors.attribution_for(buyer_id=buyer.pk, product_id=product.pk,
                                     store_id=store.pk,
                                     share_code=share.code) == selectors.NO_ATTRIBUTION


# --- anti-fraud facts --------------------------------------------------------------------------
def test_devices_and_last_visit(make_user: Callable[..., User], product: Product) -> None:
    sharer, visitor = make_user(), make_user()
    share = _share(sharer, product, device_id="dev-sharer")
    assert selectors.last_visit_at(user_id=visitor.pk, share_code=share.code) is None
    visit = services.visit_record(code=share.code, channel=None, visitor=visitor,
                                  device_id="dev-visitor")
    assert selectors.devices_of_user(user_id=visitor.pk) == {"dev-visitor"}
    assert selectors.devices_of_user(user_id=sharer.pk) == {"dev-sharer"}
    assert selectors.last_visit_at(user_id=visitor.pk, share_code=share.code) == visit.created_at
    assert selectors.share_get(code=share.code) == share
    with pytest.raises(NotFound):
        selectors.share_get(code="missing1")


# --- tree and sales ----------------------------------------------------------------------------
def test_tree_counts_and_fission(make_user: Callable[..., User], product: Product) -> None:
    a, b, c = make_user("阿甲"), make_user("阿乙"), make_user("阿丙")
    root = _share(a, product, channel="wechat_moments")
    for device in ("v1", "v2"):
        services.visit_record(code=root.code, channel=None, visitor=None, device_id=device)
    services.visit_record(code=root.code, channel=None, visitor=None, device_id="v1")  # repeat
    child = _share(b, product, parent_code=root.code, channel="weibo")
    for device in ("v3", "v4", "v5", "v1"):
        services.visit_record(code=child.code, channel=None, visitor=None, device_id=device)
    _share(c, product, parent_code=child.code, channel="douyin")
    services.share_sales_record(order_no="O1", lines=[
        services.SaleLine(line_id=1, paid_fen=12_800, share_code=child.code),
        services.SaleLine(line_id=2, paid_fen=500, share_code="")])
    services.share_sales_record(order_no="O1", lines=[  # redelivered
        services.SaleLine(line_id=1, paid_fen=12_800, share_code=child.code)])
    services.share_sales_refund(lines=[services.RefundLine(line_id=1, total_refunded_fen=800)])
    tree = selectors.share_tree(user=a, code=root.code)
    by_code = {n.share.code: n for n in tree.nodes}
    assert tree.depth == 2 and [n.share.depth for n in tree.nodes] == [0, 1, 2]
    top, mid = by_code[root.code], by_code[child.code]
    assert (top.visits, top.unique_visitors, top.new_visitors, top.reshares) == (2, 2, 2, 1)
    assert (mid.visits, mid.unique_visitors, mid.new_visitors) == (4, 4, 3)
    assert (mid.orders, mid.sales_fen) == (1, 12_000)
    assert top.subtree_new_visitors == 5 and top.fission_bps == 25_000


def test_tree_is_for_its_sharer_and_operators(make_user: Callable[..., User],
                                              product: Product) -> None:
    a, b = make_user(), make_user()
    root = _share(a, product)
    child = _share(b, product, parent_code=root.code)
    with pytest.raises(NotFound):
        selectors.share_tree(user=b, code=root.code)
    assert selectors.share_tree(user=b, code=child.code).root.share == child
    assert selectors.share_tree(user=make_user(is_staff=True), code=root.code)


def test_a_sharer_lower_in_the_tree_sees_only_their_branch(
        make_user: Callable[..., User], product: Product) -> None:
    a, b, c, d = (make_user(n) for n in ("阿甲", "阿乙", "阿丙", "阿丁"))
    root = _share(a, product)
    b_share = _share(b, product, parent_code=root.code, channel="weibo")
    c_share = _share(c, product, parent_code=root.code, channel="qq")
    d_share = _share(d, product, parent_code=b_share.code, channel="douyin")
    for device in ("v1", "v2"):
        services.visit_record(code=b_share.code, channel=None, visitor=None, device_id=device)
    services.visit_record(code=d_share.code, channel=None, visitor=None, device_id="v3")
    services.visit_record(code=c_share.code, channel=None, visitor=None, device_id="v4")

    branch = selectors.share_tree(user=b, code=b_share.code)
    assert [n.share.code for n in branch.nodes] == [b_share.code, d_share.code]
    assert branch.root.share == b_share and branch.ancestors == 1 and not branch.whole
    assert branch.depth == 1 and branch.root.reshares == 1
    # B's fission counts B's own branch: 3 new visitors (v1, v2, v3) per 2 unique visitors
    assert branch.root.fission_bps == 15_000
    # D, two levels down, sees only D
    leaf = selectors.share_tree(user=d, code=d_share.code)
    assert [n.share.code for n in leaf.nodes] == [d_share.code] and leaf.ancestors == 2

    # the root sharer and operators keep the whole tree, whichever share they ask for
    for viewer, code in ((a, root.code), (make_user(is_staff=True), b_share.code)):
        whole = selectors.share_tree(user=viewer, code=code)
        assert whole.whole and whole.root.share == root
        assert {n.share.code for n in whole.nodes} == {root.code, b_share.code, c_share.code,
                                                       d_share.code}
