"""H5 pages for the address book, the merchant's shipping rule and the cart. Thin: parse, call a
service or selector, render the result or the error."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors
from trustmart.core.money import format_fen
from trustmart.merchants.selectors import merchants_of_user
from trustmart.sharing.selectors import session_share

from .. import selectors, services
from ..forms import AddressForm, CartAddForm, ShippingRuleForm


# --- addresses -----------------------------------------------------------------------------------
@login_required
def address_list(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/address_list.html",
                  {"addresses": selectors.addresses_of_user(user=request.user)})


@domain_errors
def _address_form_page(request: HttpRequest, address_id: int | None) -> HttpResponse:
    address = (selectors.address_get(user=request.user, address_id=address_id)
               if address_id is not None else None)
    if request.method == "POST":
        form = AddressForm(request.POST)
        if form.is_valid():
            try:
                if address is None:
                    services.address_create(user=request.user, **form.cleaned_data)
                else:
                    services.address_update(user=request.user, address_id=address.pk,
                                            **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Address saved."))
                return redirect("orders:addresses")
    elif address is not None:
        form = AddressForm(initial={f: getattr(address, f) for f in AddressForm.base_fields})
    else:
        form = AddressForm()
    return render(request, "orders/address_form.html", {"form": form, "address": address})


@login_required
def address_new(request: HttpRequest) -> HttpResponse:
    return _address_form_page(request, None)


@login_required
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    return _address_form_page(request, address_id)


@login_required
@require_POST
@domain_errors
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    services.address_delete(user=request.user, address_id=address_id)
    messages.success(request, _("Address deleted."))
    return redirect("orders:addresses")


@login_required
@require_POST
@domain_errors
def address_default(request: HttpRequest, address_id: int) -> HttpResponse:
    services.address_set_default(user=request.user, address_id=address_id)
    return redirect("orders:addresses")


# --- the merchant's shipping rule --------------------------------------------------------------
@login_required
@domain_errors
def shipping_rule_edit(request: HttpRequest) -> HttpResponse:
    """For the merchant of the signed-in staff member (``?merchant=`` picks one of several)."""
    merchant_ids = list(merchants_of_user(user=request.user).values_list("pk", flat=True))
    wanted = request.GET.get("merchant", "")
    merchant_id = int(wanted) if wanted.isdigit() else (merchant_ids[0] if merchant_ids else 0)
    merchant, rule = selectors.shipping_rule_for_staff(user=request.user,
                                                       merchant_id=merchant_id)
    if request.method == "POST":
        form = ShippingRuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.shipping_rule_set(
                    user=request.user, merchant_id=merchant.pk,
                    flat_fee_fen=data["flat_fee"] or 0, free_over_fen=data["free_over"],
                    remote_provinces=data["remote_provinces"],
                    remote_surcharge_fen=data["remote_surcharge"] or 0)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Shipping rule saved."))
                return redirect(f"{reverse('orders:shipping')}?merchant={merchant.pk}")
    elif rule is not None:
        form = ShippingRuleForm(initial={
            "flat_fee": f"{rule.flat_fee_fen / 100:.2f}",
            "free_over": f"{rule.free_over_fen / 100:.2f}" if rule.free_over_fen else "",
            "remote_provinces": rule.remote_provinces,
            "remote_surcharge": f"{rule.remote_surcharge_fen / 100:.2f}"})
    else:
        form = ShippingRuleForm(initial={"flat_fee": "0.00", "remote_surcharge": "0.00"})
    return render(request, "orders/shipping_rule.html",
                  {"form": form, "merchant": merchant, "rule": rule})


# --- cart ---------------------------------------------------------------------------------------
def cart_page(request: HttpRequest) -> HttpResponse:
    """The cart tab. Visitors get a log-in prompt rather than a redirect, so the tab bar page
    itself always renders."""
    if not request.user.is_authenticated:
        return render(request, "orders/cart_login.html")
    return render(request, "orders/cart.html", _cart_context(request))


def _cart_context(request: HttpRequest) -> dict[str, object]:
    view = selectors.cart_view(user=request.user)
    return {"cart": view, "total": format_fen(view.total_fen),
            "default_address": selectors.address_default(user=request.user)}


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        login = f"{reverse('accounts:login')}?next={request.POST.get('next', '/cart/')}"
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(status=204, headers={"HX-Redirect": login})
        return redirect(login)
    form = CartAddForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a variant first.")
    else:
        data = form.cleaned_data
        try:
            services.cart_line_add(user=request.user, sku_id=data["sku_id"],
                                   quantity=data["quantity"] or 1, store_id=data["store_id"],
                                   share_code=session_share(request))
        except DomainError as exc:
            error = str(exc.message)
    if request.htmx:  # type: ignore[attr-defined]
        # The answer also swaps the tab bar's cart tab (its badge reads the new count).
        return render(request, "orders/_cart_added.html", {"error": error}, status=200)
    if error:
        messages.error(request, error)
        return redirect(request.META.get("HTTP_REFERER") or reverse("web:cart"))
    messages.success(request, _("Added to cart."))
    return redirect("web:cart")


@login_required
@require_POST
@domain_errors
def cart_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """One form for a line's stepper, checkbox and remove button (``action``)."""
    action = request.POST.get("action", "")
    error = ""
    try:
        line = selectors.cart_line_get(user=request.user, line_id=line_id)
        if action == "remove":
            services.cart_line_remove(user=request.user, line_id=line_id)
        elif action in ("inc", "dec"):
            step = 1 if action == "inc" else -1
            if line.quantity + step >= 1:
                services.cart_line_update(user=request.user, line_id=line_id,
                                          quantity=line.quantity + step)
        elif action in ("select", "deselect"):
            services.cart_line_update(user=request.user, line_id=line_id,
                                      selected=action == "select")
    except NotFound:
        raise
    except DomainError as exc:
        error = str(exc.message)
    if request.htmx:  # type: ignore[attr-defined]
        context = _cart_context(request)
        context["error"] = error
        return render(request, "orders/_cart_body.html", context)
    if error:
        messages.error(request, error)
    return redirect("web:cart")
