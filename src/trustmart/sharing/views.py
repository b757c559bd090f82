"""H5 pages of sharing: the landing redirect, the share sheet and kit, my shares, the tree."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from trustmart.accounts.models import User
from trustmart.core.errors import DomainError
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors
from trustmart.core.money import format_fen

from . import selectors, services
from .forms import ShareForm
from .kit import share_kit, share_link, site_url
from .models import Channel, Share
from .poster import poster_get
from .selectors import DEVICE_COOKIE, SESSION_SHARE_KEY
from .session import device_id_of
from .svg import tree_svg

DEVICE_COOKIE_AGE = 2 * 365 * 24 * 3600


def target_url(share: Share) -> str:
    """Where a share lands: the product page in the sharer's store, or the store page."""
    if share.target == Share.Target.PRODUCT:
        url = reverse("catalog:product", args=[share.product_id])
        return f"{url}?store={share.store_id}" if share.store_id else url
    return reverse("stores:page", args=[share.store_id])


@domain_errors
def landing(request: HttpRequest, code: str) -> HttpResponse:
    """``/s/<code>``: record the visit, remember the share, send the visitor to the target."""
    device, new_device = device_id_of(request)
    visitor = request.user if request.user.is_authenticated else None
    visit = services.visit_record(code=code, channel=request.GET.get("ch"),
                                  visitor=visitor, device_id=device, new_device=new_device)
    if request.session.get(SESSION_SHARE_KEY) != code:
        request.session[SESSION_SHARE_KEY] = code
    response = redirect(target_url(visit.share))
    if new_device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=DEVICE_COOKIE_AGE, httponly=True,
                            samesite="Lax", secure=request.is_secure())
    return response


@domain_errors
def poster(request: HttpRequest, code: str) -> HttpResponse | FileResponse:
    """The share's poster PNG (public: whoever has the link may see its poster), in the
    viewer's language."""
    share = selectors.share_get(code=code)
    path = poster_get(share=share, link=share_link(share=share, base=site_url(request)))
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    # The language comes from Accept-Language or the language cookie: shared caches must keep
    # the Chinese and the English poster apart.
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _sheet(request: HttpRequest, form: ShareForm, *, status: int = 200) -> HttpResponse:
    return render(request, "sharing/sheet.html", {
        "target": form.data.get("target", ""), "object_id": form.data.get("id", ""),
        "form": form, "channels": Channel.choices,
        # Nothing to pick when the product or store itself cannot be shared.
        "can_share": "id" not in form.errors and "target" not in form.errors}, status=status)


def _object_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@login_required
@domain_errors
def sheet(request: HttpRequest) -> HttpResponse:
    """分享: the channels to share a product or a store to. A missing product or store is 404;
    one that cannot be shared now says why."""
    form = ShareForm({"target": request.GET.get("target", "product"),
                      "id": request.GET.get("id", "")})
    form.is_valid()
    try:
        selectors.share_target_get(target=form.data["target"],
                                   object_id=_object_id(form.data["id"]))
    except DomainError as exc:
        form_error(form, exc, aliases=ShareForm.ALIASES)
    return _sheet(request, form)


@login_required
@require_POST
@domain_errors
def create(request: HttpRequest) -> HttpResponse:
    """One channel's button on the sheet. Bad input re-shows the sheet with the error (400);
    a missing product or store is 404."""
    user: User = request.user  # type: ignore[assignment]
    form = ShareForm(request.POST)
    form.is_valid()
    target = form.data.get("target", "")
    ident = _object_id(form.data.get("id", ""))
    try:
        share = services.share_create(
            user=user, target=target,
            product_id=ident if target == Share.Target.PRODUCT else None,
            store_id=ident if target == Share.Target.STORE else None,
            channel=form.data.get("channel", Channel.LINK),
            parent_code=selectors.session_share(request),
            device_id=request.COOKIES.get(DEVICE_COOKIE, ""))
    except DomainError as exc:
        form_error(form, exc, aliases=ShareForm.ALIASES)
        return _sheet(request, form, status=400)
    return redirect(f"{reverse('sharing:kit', args=[share.code])}?ch={share.channel}")


@login_required
@domain_errors
def kit(request: HttpRequest, code: str) -> HttpResponse:
    share = selectors.share_mine_get(user=request.user, code=code)
    the_kit = share_kit(share=share, base=site_url(request))
    chosen = request.GET.get("ch") or share.channel
    current = next((i for i in the_kit.items if i.channel == chosen), the_kit.items[0])
    return render(request, "sharing/kit.html", {
        "share": share, "kit": the_kit, "current": current,
        "others": [i for i in the_kit.items if i.channel != current.channel]})


@login_required
def my_shares(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    shares = list(selectors.shares_of(user=user)[:100])
    for share in shares:
        share.sales_label = format_fen(  # type: ignore[attr-defined]
            int(share.sales_fen) - int(share.refunds_fen))  # type: ignore[attr-defined]
    return render(request, "sharing/my_shares.html", {"shares": shares})


@login_required
@domain_errors
def tree(request: HttpRequest, code: str) -> HttpResponse:
    the_tree = selectors.share_tree(user=request.user, code=code)
    return render(request, "sharing/tree.html", {
        "tree": the_tree, "code": code,
        "svg": mark_safe(tree_svg(the_tree)),  # noqa: S308  (every label is escaped)
        "fission": f"{the_tree.root.fission_bps / 10_000:.2f}"})
