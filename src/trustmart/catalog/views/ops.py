"""Operator pages (/ops/products/): the review queue, a product's review page, a revision's
diff, and the platform's commission bounds. For anyone who is not an operator they are 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.http import domain_errors

from .. import selectors, services
from ..forms import BoundsForm, ReasonForm
from ._common import form_error

TABS = ("pending", "revisions", "live", "rejected", "offline")


@login_required
@domain_errors
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "pending")
    if tab not in TABS:
        tab = "pending"
    query = request.GET.get("q", "").strip()[:50]
    revisions = selectors.revisions_pending(user=request.user)
    pending = selectors.products_for_operator(user=request.user)
    context = {"tab": tab, "query": query, "pending_count": pending.count(),
               "revision_count": revisions.count(), "tabs": TABS}
    if tab == "revisions":
        context["revisions"] = revisions[:100]
    else:
        context["products"] = selectors.products_for_operator(
            user=request.user, status=tab, query=query)[:100]
    return render(request, "catalog/ops/queue.html", context)


@login_required
@domain_errors
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    page = selectors.product_for_operator(user=request.user, product_id=product_id)
    return render(request, "catalog/ops/product.html", {
        "page": page, "product": page.product,
        "reviews": list(selectors.product_reviews(product=page.product)[:20]),
        "revision": selectors.revision_pending_of(product=page.product),
        "missing": selectors.product_missing(page.product),
        "reason_form": ReasonForm(),
    })


@login_required
@require_POST
@domain_errors
def product_decide(request: HttpRequest, product_id: int, action: str) -> HttpResponse:
    decide = {"approve": services.product_approve, "reject": services.product_reject,
              "take_down": services.product_take_down}.get(action)
    if decide is None:
        raise NotFound()
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        decide(operator=request.user, product_id=product_id, reason=reason)  # type: ignore[arg-type]
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, str(exc.message))
        return redirect("catalog:ops_product", product_id)
    done = {"approve": _("Approved: the product is live."),
            "reject": _("Rejected. The merchant sees your reason."),
            "take_down": _("Taken down. The merchant sees your reason.")}
    messages.success(request, done[action])
    return redirect(f"{reverse('catalog:ops_queue')}?tab="
                    f"{'live' if action == 'approve' else 'pending'}")


@login_required
@domain_errors
def revision(request: HttpRequest, revision_id: int) -> HttpResponse:
    change = selectors.revision_for_operator(user=request.user, revision_id=revision_id)
    return render(request, "catalog/ops/revision.html", {
        "revision": change, "product": change.product,
        "diff": selectors.revision_diff(revision=change), "reason_form": ReasonForm(),
    })


@login_required
@require_POST
@domain_errors
def revision_decide(request: HttpRequest, revision_id: int, action: str) -> HttpResponse:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        if action == "approve":
            services.revision_approve(operator=request.user, revision_id=revision_id,  # type: ignore[arg-type]
                                      reason=reason)
            messages.success(request, _("Change approved and applied."))
        elif action == "reject":
            services.revision_reject(operator=request.user, revision_id=revision_id,  # type: ignore[arg-type]
                                     reason=reason)
            messages.success(request, _("Change rejected. The merchant sees your reason."))
        else:
            raise NotFound()
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.code != "revision_not_found":
            raise
        messages.error(request, str(exc.message))
        return redirect("catalog:ops_revision", revision_id)
    return redirect(f"{reverse('catalog:ops_queue')}?tab=revisions")


@login_required
@domain_errors
def commission(request: HttpRequest) -> HttpResponse:
    low, high = selectors.commission_bounds_for_operator(user=request.user)
    form = BoundsForm(request.POST or None, initial={"min_bps": low, "max_bps": high})
    if request.method == "POST" and form.is_valid():
        try:
            services.commission_bounds_set(operator=request.user,  # type: ignore[arg-type]
                                           **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Commission bounds saved."))
            return redirect("catalog:ops_commission")
    return render(request, "catalog/ops/commission.html", {"form": form})

