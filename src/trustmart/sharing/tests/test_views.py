from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.sharing import services
from trustmart.sharing.models import Binding, Share, Visit
from trustmart.sharing.selectors import DEVICE_COOKIE, SESSION_SHARE_KEY, session_share
from trustmart.stores.models import Store

pytestmark = pytest.mark.django_db
PASSWORD = "s3cure-Passw0rd"


def _share(user: User, product: Product, **kw: object) -> Share:
    kw.setdefault("channel", "wechat_friend")
    return services.share_create(user=user, target="product", product_id=product.pk, **kw)  # type: ignore[arg-type]


def test_landing_records_sets_device_and_redirects(
        make_user: Callable[..., User], product: Product,
        open_store: Callable[..., Store]) -> None:
    owner = make_user()
    store = open_store(owner, product)
    share = _share(owner, product)
    client = Client()
    response = client.get(f"/s/{share.code}?ch=weibo")
    assert response.status_code == 302
    assert response["Location"] == f"/p/{product.pk}/?store={store.pk}"
    device = response.cookies[DEVICE_COOKIE].value
    assert len(device) == 32 and response.cookies[DEVICE_COOKIE]["max-age"] > 3600 * 24 * 365
    visit = Visit.objects.get()
    assert (visit.channel, visit.device_id, visit.counted) == ("weibo", device, True)
    assert client.session[SESSION_SHARE_KEY] == share.code
    again = client.get(f"/s/{share.code}")
    assert DEVICE_COOKIE not in again.cookies  # kept, not reissued
    assert list(Visit.objects.order_by("pk").values_list("counted", flat=True)) == [True, False]


def test_landing_store_share_goes_to_store_page(make_user: Callable[..., User],
                                                open_store: Callable[..., Store]) -> None:
    store = open_store(make_user())
    share = services.share_create(user=make_user(), target="store", store_id=store.pk,
                                  channel="qq")
    assert Client().get(f"/s/{share.code}")["Location"] == f"/s/{store.pk}/"


def test_unknown_code_is_404_page(db: None) -> None:
    response = Client().get("/s/NoSuch12")
    assert response.status_code == 404 and b"<html" in response.content
    assert not Visit.objects.exists()


def test_anonymous_visitor_is_bound_on_log_in(make_user: Callable[..., User], product: Product,
                                              open_store: Callable[..., Store]) -> None:
    owner = make_user()
    open_store(owner, product)
    share = _share(owner, product)
    buyer = make_user(mobile="13700000009", password=PASSWORD)
    client = Client()
    client.get(f"/s/{share.code}")
    assert not Binding.objects.exists()
    client.post("/login/", {"mobile": "13700000009", "password": PASSWORD})
    binding = Binding.objects.get(buyer=buyer)
    assert binding.sharer == owner and binding.share == share
    # the share code survives the login for the cart
    request = type("R", (), {"session": client.session})()
    assert session_share(request) == share.code


def test_share_sheet_creates_share_with_parent_and_shows_kit(
        make_user: Callable[..., User], product: Product) -> None:
    first, second = make_user(), make_user()
    root = _share(first, product)
    client = Client()
    client.force_login(second)
    client.get(f"/s/{root.code}")
    sheet = client.get(f"/share/?target=product&id={product.pk}")
    assert sheet.status_code == 200 and b'data-testid="channel-wechat_friend"' in sheet.content
    response = client.post("/share/create/", {"target": "product", "id": product.pk,
                                              "channel": "wechat_friend"})
    share = Share.objects.get(sharer=second)
    assert share.parent == root and share.device_id == client.cookies[DEVICE_COOKIE].value
    assert response["Location"] == f"/my/shares/{share.code}/?ch=wechat_friend"
    kit = client.get(response["Location"])
    assert kit.status_code == 200
    html = kit.content.decode()
    assert product.name in html and f"/s/{share.code}?ch=wechat_friend" in html
    assert f"/s/{share.code}/poster.png" in html
    mine = client.get("/my/shares/")
    assert mine.status_code == 200 and product.name in mine.content.decode()


def test_kit_and_tree_of_someone_else_are_404(make_user: Callable[..., User],
                                              product: Product) -> None:
    share = _share(make_user(), product)
    client = Client()
    client.force_login(make_user())
    assert client.get(f"/my/shares/{share.code}/").status_code == 404
    assert client.get(f"/my/shares/{share.code}/tree/").status_code == 404
    operator = Client()
    operator.force_login(make_user(is_staff=True))
    assert operator.get(f"/my/shares/{share.code}/tree/").status_code == 200


def test_tree_page_draws_svg(make_user: Callable[..., User], product: Product) -> None:
    a, b = make_user("阿甲<b>"), make_user("阿乙")
    root = _share(a, product)
    _share(b, product, parent_code=root.code, channel="douyin")
    client = Client()
    client.force_login(a)
    html = client.get(f"/my/shares/{root.code}/tree/").content.decode()
    assert "<svg" in html and "阿甲&lt;b&gt;" in html and "阿乙" in html
    assert 'data-testid="fission"' in html


def test_a_sharer_lower_in_the_tree_sees_their_branch_only(
        make_user: Callable[..., User], product: Product) -> None:
    a, b, c = make_user("阿甲"), make_user("阿乙"), make_user("阿丙")
    root = _share(a, product)
    b_share = _share(b, product, parent_code=root.code, channel="weibo")
    c_share = _share(c, product, parent_code=root.code, channel="qq")
    client = Client()
    client.force_login(b)
    html = client.get(f"/my/shares/{b_share.code}/tree/").content.decode()
    assert "阿乙" in html and b_share.code in html
    assert "阿丙" not in html and c_share.code not in html  # not the other branch
    assert "阿甲" not in html and f'data-code="{root.code}"' not in html  # nor who is above
    assert 'data-testid="ancestors"' in html
    client.force_login(a)
    html = client.get(f"/my/shares/{root.code}/tree/").content.decode()
    assert "阿乙" in html and "阿丙" in html and 'data-testid="ancestors"' not in html


def test_product_and_store_pages_carry_open_graph(
        make_user: Callable[..., User], product: Product,
        open_store: Callable[..., Store]) -> None:
    html = Client().get(f"/p/{product.pk}/").content.decode()
    for tag in ('og:title" content="保湿面霜 50g"', 'og:description" content="¥128.00',
                'og:type" content="product"',
                f'og:url" content="http://testserver/p/{product.pk}/"',
                'og:image" content="http://testserver/media/',
                'product:price:amount" content="128.00"',
                'product:price:currency" content="CNY"', 'data-testid="share-button"'):
        assert tag in html, tag
    store = open_store(make_user(), product)
    html = Client().get(f"/s/{store.pk}/").content.decode()
    assert f'og:title" content="{store.name}"' in html
    assert 'og:url" content="http://testserver/s/' in html
    assert "/share/?target=store" in html


def test_poster_is_png_and_cached(make_user: Callable[..., User], product: Product,
                                  settings: object, tmp_path: object) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    share = _share(make_user(), product)
    response = Client().get(f"/s/{share.code}/poster.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "posters" / f"{share.code}.zh-hans.png").exists()  # type: ignore[operator]
    assert Client().get("/s/NoSuch12/poster.png").status_code == 404


def _poster(client: Client, code: str, **headers: str) -> tuple[bytes, Any]:
    response = client.get(f"/s/{code}/poster.png", **headers)  # type: ignore[arg-type]
    assert response.status_code == 200
    return b"".join(response.streaming_content), response  # type: ignore[attr-defined]


def test_each_language_gets_its_own_poster_and_each_is_cached(
        make_user: Callable[..., User], product: Product, settings: object,
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from trustmart.sharing import poster

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    share = _share(make_user(), product)
    drawn: list[str] = []
    real_render = poster.render_poster

    def counting_render(**kw: Any) -> bytes:
        from django.utils.translation import get_language

        drawn.append(get_language())
        return real_render(**kw)

    monkeypatch.setattr(poster, "render_poster", counting_render)
    chinese, first = _poster(Client(), share.code)  # no preference: the default, Chinese
    assert first["Content-Language"] == "zh-hans"
    assert "Accept-Language" in first["Vary"] and "Cookie" in first["Vary"]
    english, response = _poster(Client(), share.code, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
    assert chinese != english  # the header and the "shared by" line are in each language
    english_by_cookie = Client()
    english_by_cookie.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # type: ignore[attr-defined]
    assert _poster(english_by_cookie, share.code)[0] == english
    assert _poster(Client(), share.code, HTTP_ACCEPT_LANGUAGE="zh-CN")[0] == chinese
    assert drawn == ["zh-hans", "en"]  # each drawn once, then served from its file
    folder = tmp_path / "posters"  # type: ignore[operator]
    assert sorted(p.name for p in folder.iterdir()) == [f"{share.code}.en.png",
                                                        f"{share.code}.zh-hans.png"]


def test_poster_is_redrawn_after_the_product_changes(
        make_user: Callable[..., User], product: Product, settings: object,
        tmp_path: object) -> None:
    import os

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    share = _share(make_user(), product)
    Client().get(f"/s/{share.code}/poster.png")
    path = tmp_path / "posters" / f"{share.code}.zh-hans.png"  # type: ignore[operator]
    os.utime(path, (1, 1))  # drawn long ago
    product.price_fen = 9_900
    product.save()
    Client().get(f"/s/{share.code}/poster.png")
    assert path.stat().st_mtime > 1


def test_a_click_costs_few_queries(make_user: Callable[..., User], product: Product,
                                   django_assert_max_num_queries: Any) -> None:
    share = _share(make_user(), product)
    # a new phone: share, visit insert, session (check, savepoint, insert, release); no reads
    # of earlier visits
    with django_assert_max_num_queries(6):
        first = Client().get(f"/s/{share.code}")
    assert first.status_code == 302 and Visit.objects.get().first_visit
    client = Client()
    client.cookies[DEVICE_COOKIE] = "knownphone1"
    with django_assert_max_num_queries(8):  # + the burst and first-visit reads
        client.get(f"/s/{share.code}")
    client.get(f"/s/{share.code}")
    assert list(Visit.objects.filter(device_id="knownphone1").values_list(
        "counted", flat=True).order_by("pk")) == [True, False]


def test_share_a_store_from_the_sheet(make_user: Callable[..., User],
                                      open_store: Callable[..., Store]) -> None:
    store = open_store(make_user("店主小雨"))
    client = Client()
    client.force_login(make_user())
    response = client.post("/share/create/", {"target": "store", "id": store.pk,
                                              "channel": "wechat_moments"})
    share = Share.objects.get(target="store")
    assert share.store == store and response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert store.name in html and f"/s/{share.code}?ch=wechat_moments" in html
    bad = client.post("/share/create/", {"target": "store", "id": 999_999, "channel": "qq"})
    assert bad.status_code == 404


def test_the_sheet_says_what_is_wrong_and_a_missing_object_is_404(
        make_user: Callable[..., User], product: Product,
        product_factory: Callable[..., Product], open_store: Callable[..., Store]) -> None:
    client = Client(headers={"accept-language": "en"})  # the new messages are checked in English
    client.force_login(make_user())

    def error_of(response: Any) -> str:
        html = response.content.decode()
        assert 'data-testid="share-sheet"' in html, html[:300]
        start = html.index('data-testid="share-error"')
        return html[start:html.index("</div>", start)]

    bad_channel = client.post("/share/create/", {"target": "product", "id": product.pk,
                                                 "channel": "myspace"})
    assert bad_channel.status_code == 400 and "Choose a channel." in error_of(bad_channel)
    # the sheet is shown again with every channel to pick the right one
    assert b'data-testid="channel-wechat_friend"' in bad_channel.content

    offline = product_factory(status=Product.Status.OFFLINE)
    response = client.post("/share/create/", {"target": "product", "id": offline.pk,
                                              "channel": "qq"})
    assert response.status_code == 400
    assert "not for sale" in error_of(response)
    assert b'data-testid="channel-qq"' not in response.content  # nothing to pick
    sheet = client.get(f"/share/?target=product&id={offline.pk}")
    assert sheet.status_code == 200 and "not for sale" in error_of(sheet)

    closed = open_store(make_user(), status=Store.Status.CLOSED)
    response = client.post("/share/create/", {"target": "store", "id": closed.pk,
                                              "channel": "qq"})
    assert response.status_code == 400 and "closed" in error_of(response)
    assert not Share.objects.exists()

    draft = product_factory(status=Product.Status.DRAFT)  # never public: missing to others
    for path in (f"/share/?target=product&id={draft.pk}", "/share/?target=product&id=999999",
                 "/share/?target=store&id=999999"):
        assert client.get(path).status_code == 404, path
    assert client.post("/share/create/", {"target": "product", "id": 999_999,
                                          "channel": "qq"}).status_code == 404
