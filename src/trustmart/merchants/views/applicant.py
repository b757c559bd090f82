"""The applicant's pages: apply (入驻), my applications with their decisions, my documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trustmart.core.errors import DomainError
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors, not_found

from .. import selectors, services
from ..documents import document_response
from ..forms import ApplicationForm

DOCUMENT_FIELDS = ("business_licence", "brand_authorisation")


def _categories() -> list[tuple[int, str]]:
    return [(c.pk, str(c)) for c in selectors.main_category_choices()]


@login_required
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None, request.FILES or None,
                           categories=_categories())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_submit(
                applicant=request.user, company_name=data["company_name"],
                credit_code=data["credit_code"],
                legal_representative=data["legal_representative"],
                contact_name=data["contact_name"], contact_mobile=data["contact_mobile"],
                brand_name=data["brand_name"], main_category_ids=data["main_categories"],
                business_licence=data["business_licence"],
                brand_authorisation=data["brand_authorisation"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Application submitted. We will review it soon."))
            return redirect("merchants:applications")
    pending = selectors.applications_of_user(user=request.user).filter(
        status="pending").first()
    return render(request, "merchants/apply.html", {"form": form, "pending": pending})


@login_required
def application_list(request: HttpRequest) -> HttpResponse:
    applications = list(selectors.applications_of_user(user=request.user))
    return render(request, "merchants/applications.html", {
        "applications": applications,
        "can_apply": not any(a.status == "pending" for a in applications),
        "has_merchant": selectors.merchants_of_user(user=request.user).exists(),
    })


@domain_errors
def application_document(request: HttpRequest, application_id: int,
                         kind: str) -> HttpResponse | FileResponse:
    """Stream a document to its applicant, its merchant's staff or an operator; nobody else
    (the anonymous included: no log-in redirect) learns it exists."""
    if kind not in DOCUMENT_FIELDS:
        return not_found(request)
    application = selectors.application_document_for(user=request.user,
                                                     application_id=application_id)
    return document_response(getattr(application, kind))
