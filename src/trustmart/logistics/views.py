"""H5 pages: the merchant's ship page, the tracking timeline partial, and the carriers' signed
webhook. Thin: parse, call a service or selector, render. Others' orders are a plain 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors
from trustmart.orders import selectors as order_selectors

from . import selectors, services
from .forms import EventForm, ShipmentForm
from .signing import SIGNATURE_HEADER, TIMESTAMP_HEADER


@login_required
@domain_errors
def ship(request: HttpRequest, order_no: str) -> HttpResponse:
    """发货: enter a carrier and tracking number; add more packages or a manual event."""
    order = order_selectors.order_for_merchant_staff(user=request.user, order_no=order_no)
    action = request.POST.get("action") if request.method == "POST" else None
    ship_form = ShipmentForm(request.POST if action == "ship" else None)
    event_form = EventForm(request.POST if action == "event" else None)
    if action == "ship" and ship_form.is_valid():
        try:
            services.shipment_create(user=request.user, order_no=order_no,
                                     carrier=ship_form.cleaned_data["carrier"],
                                     tracking_no=ship_form.cleaned_data["tracking_no"])
        except DomainError as exc:
            form_error(ship_form, exc)
        else:
            messages.success(request, _("Package added."))
            return redirect("logistics:ship", order_no=order_no)
    if action == "event" and event_form.is_valid():
        try:
            services.tracking_event_add(user=request.user,
                                        shipment_id=event_form.cleaned_data["shipment_id"],
                                        status=event_form.cleaned_data["status"],
                                        location=event_form.cleaned_data["location"],
                                        description=event_form.cleaned_data["description"])
        except DomainError as exc:
            form_error(event_form, exc)
        else:
            messages.success(request, _("Tracking event added."))
            return redirect("logistics:ship", order_no=order_no)
    shipments = selectors.shipments_of_order(order=order)
    return render(request, "logistics/ship.html", {
        "order": order, "shipments": shipments, "ship_form": ship_form,
        "event_form": event_form,
    }, status=422 if action else 200)


@login_required
@domain_errors
def tracking(request: HttpRequest, order_no: str) -> HttpResponse:
    """The packages of an order and their events, newest first: an htmx partial (or a page)."""
    order = selectors.order_for_tracking(user=request.user, order_no=order_no)
    template = ("logistics/_tracking.html" if request.htmx  # type: ignore[attr-defined]
                else "logistics/tracking.html")
    return render(request, template, {"order": order,
                                      "shipments": selectors.shipments_of_order(order=order)})


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Tracking pushes from a carrier aggregator, signed as docs/logistics.md describes."""
    try:
        result = services.webhook_receive(timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
                                          signature=request.headers.get(SIGNATURE_HEADER, ""),
                                          body=request.body)
    except DomainError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"code": "ok", "created": result.created,
                         "duplicates": result.duplicates})
