"""H5 pages of reviews and credit. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trustmart.accounts.models import User
from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors, not_found
from trustmart.merchants.selectors import merchants_of_user

from . import selectors, services
from .forms import ReasonForm, ReviewForm, TextForm
from .levels import all_levels
from .models import SubjectType

PAGE_SIZE = 10
FILTER_LABELS = (("all", gettext_lazy("All")), ("images", gettext_lazy("With pictures")),
                 ("positive", gettext_lazy("Positive")), ("neutral", gettext_lazy("Neutral")),
                 ("negative", gettext_lazy("Negative")),
                 ("followup", gettext_lazy("Follow-ups")))


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- product reviews -----------------------------------------------------------------------------
@domain_errors
def product_reviews(request: HttpRequest, product_id: int) -> HttpResponse:
    """全部 / 有图 / 好评 / 中评 / 差评 / 追评: the full page, or the list alone for htmx."""
    product = selectors.product_for_reviews(product_id=product_id)
    current = request.GET.get("filter", "all")
    if current not in selectors.FILTERS:
        current = "all"
    page = Paginator(selectors.product_reviews(product_id=product_id, filter=current),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    summary = selectors.product_review_summary(product_id=product_id)
    counts = summary.filter_counts()
    context = {"product": product, "page": page, "summary": summary, "current": current,
               "filters": [(key, label, counts[key]) for key, label in FILTER_LABELS]}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "reviews/_review_list.html", context)
    return render(request, "reviews/product_reviews.html", context)


@login_required
@domain_errors
def report(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_public_get(review_id=review_id)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_report(user=_user(request), review_id=review.pk,
                                   reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Thank you. An operator will look at this review."))
            return redirect("reviews:product", product_id=review.product_id)
    return render(request, "reviews/report.html", {"review": review, "form": form})


# --- the buyer ---------------------------------------------------------------------------------
@login_required
def my_reviews(request: HttpRequest) -> HttpResponse:
    """待评价 and my reviews (with 追评)."""
    return render(request, "reviews/my_reviews.html", {
        "pending": list(selectors.lines_to_review(buyer=_user(request))[:50]),
        "reviews": list(selectors.reviews_of_buyer(buyer=_user(request))[:50]),
    })


@login_required
@domain_errors
def write(request: HttpRequest, line_id: int) -> HttpResponse:
    line = selectors.line_for_buyer(buyer=_user(request), line_id=line_id)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(buyer=_user(request), line_id=line.pk,
                                            images=request.FILES.getlist("images"),
                                            **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Thank you for your review!"))
            return redirect(f"/products/{review.product_id}/reviews")
    refusal = services.review_refusal(line=line)
    return render(request, "reviews/write.html", {"line": line, "form": form,
                                                  "refusal": refusal})


@login_required
@domain_errors
def follow_up(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.review_for_buyer(buyer=_user(request), review_id=review_id)
    form = TextForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_follow_up(buyer=_user(request), review_id=review.pk,
                                      text=form.cleaned_data["text"],
                                      images=request.FILES.getlist("images"))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your follow-up review is posted."))
            return redirect("reviews:mine")
    return render(request, "reviews/follow_up.html", {"review": review, "form": form})


# --- the merchant ------------------------------------------------------------------------------
@login_required
def merchant_reviews(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    merchants = list(merchants_of_user(user=user))
    if not merchants:
        return not_found(request)
    wanted = request.GET.get("merchant", "")
    merchant = next((m for m in merchants if str(m.pk) == wanted), merchants[0])
    unreplied = request.GET.get("unreplied") == "1"
    page = Paginator(selectors.reviews_for_merchant(user=user, merchant_id=merchant.pk,
                                                    unreplied=unreplied),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reviews/merchant_reviews.html", {
        "merchant": merchant, "merchants": merchants, "page": page, "unreplied": unreplied})


@login_required
@require_POST
@domain_errors(redirect_to="reviews:merchant", htmx_fragment=True)
def reply(request: HttpRequest, review_id: int) -> HttpResponse:
    form = TextForm(request.POST)
    if not form.is_valid():
        raise DomainError(_("Write a reply first."), code="invalid_input", status=422)
    review = services.review_reply(user=_user(request), review_id=review_id,
                                   text=form.cleaned_data["text"])
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "reviews/_reply.html", {"review": review})
    messages.success(request, _("Reply posted."))
    return redirect("reviews:merchant")


# --- operators ---------------------------------------------------------------------------------
@login_required
@domain_errors
def ops_reports(request: HttpRequest) -> HttpResponse:
    reports = list(selectors.reports_open(operator=_user(request))[:100])
    return render(request, "reviews/ops_reports.html", {"reports": reports})


@login_required
@require_POST
@domain_errors(redirect_to="reviews:ops_reports")
def ops_decide(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    user = _user(request)
    reports = selectors.reports_open(operator=user)
    found = reports.filter(pk=report_id).first()
    if found is None:
        raise NotFound()
    if action == "hide":
        services.review_hide(operator=user, review_id=found.review_id,
                             reason=request.POST.get("reason", ""))
        messages.success(request, _("The review is hidden."))
    elif action == "dismiss":
        services.report_dismiss(operator=user, report_id=found.pk,
                                note=request.POST.get("reason", ""))
        messages.success(request, _("The report is dismissed."))
    else:
        raise NotFound()
    return redirect("reviews:ops_reports")


# --- credit ------------------------------------------------------------------------------------
@domain_errors
def credit_page(request: HttpRequest, kind: str, subject_id: int) -> HttpResponse:
    if kind not in SubjectType.values:
        return not_found(request)
    view = selectors.credit_view(subject_type=kind, subject_id=subject_id)
    return render(request, "reviews/credit.html", {"credit": view, "kind": kind})


def credit_rules(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/credit_rules.html", {"levels": all_levels()[1:]})
