"""H5 pages for accounts. Thin: parse the form, call a service, render the result or its error."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors
from trustmart.core.ratelimit import client_ip

from . import selectors, services
from .forms import (
    CodeLogInForm,
    LogInForm,
    PasswordResetForm,
    ProfileForm,
    SignUpForm,
    TokenForm,
)
from .models import User, VerificationCode


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return default


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(**form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request,
                             _("Welcome to TrustMart, %(name)s!") % {"name": user.nickname})
            return redirect(_safe_next(request, "accounts:me"))
    return render(request, "accounts/signup.html", {"form": form})


@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """htmx: send a code (sign-up by default; ``purpose`` log_in or password_reset) and answer
    with the status line under the button."""
    context: dict[str, object] = {}
    purpose = request.POST.get("purpose") or VerificationCode.Purpose.SIGN_UP
    try:
        code = services.verification_code_send(
            mobile=request.POST.get("mobile", ""), purpose=purpose, ip=client_ip(request))
    except DomainError as exc:
        context = {"error": exc.message}
    else:
        context = {"sent": True, "demo_code": code if settings.DEMO_MODE and code else None}
    return render(request, "accounts/_code_status.html", context)


def log_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = LogInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, "accounts:me"))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next")})


def log_in_by_code(request: HttpRequest) -> HttpResponse:
    """Log in with an SMS code: the way in while password log-in is locked."""
    if request.user.is_authenticated:
        return redirect("accounts:me")
    form = CodeLogInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_log_in_by_code(ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(_safe_next(request, "accounts:me"))
    return render(request, "accounts/login_code.html",
                  {"form": form, "next": request.GET.get("next")})


def password_reset(request: HttpRequest) -> HttpResponse:
    """Set a new password with an SMS code; then the user is logged in."""
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_password_reset(**form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your password has been changed."))
            return redirect("accounts:me")
    return render(request, "accounts/password_reset.html", {"form": form})


@require_POST
def log_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")


@login_required
def me(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    return render(request, "accounts/me.html", {
        "profile": selectors.user_profile(user_id=user.pk),
        "roles": selectors.user_roles(user),
    })


@login_required
def me_edit(request: HttpRequest) -> HttpResponse:
    """Profile card in place: GET gives the form, POST saves and gives the card back."""
    user: User = request.user  # type: ignore[assignment]
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.profile_update(user=user, nickname=form.cleaned_data["nickname"],
                                        bio=form.cleaned_data["bio"])
                if form.cleaned_data.get("avatar"):
                    services.avatar_set(user=user, upload=form.cleaned_data["avatar"])
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Profile saved."))
                if request.htmx:  # type: ignore[attr-defined]
                    return render(request, "accounts/_profile_card.html", {
                        "profile": selectors.user_profile(user_id=user.pk),
                        "roles": selectors.user_roles(user),
                    })
                return redirect("accounts:me")
    else:
        form = ProfileForm(initial={"nickname": user.nickname, "bio": user.bio})
    template = "accounts/_profile_form.html" if request.htmx else "accounts/me_edit.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form})


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.api_token_create(
                user=user, name=form.cleaned_data["name"],
                expires_in_days=form.cleaned_data["expires_in_days"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            form = TokenForm()
    return render(request, "accounts/tokens.html", {
        "form": form, "new_token": new_token, "tokens": selectors.api_tokens_of(user=user),
    })


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(user=request.user, token_id=token_id)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")


@domain_errors
def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    viewer = request.user if request.user.is_authenticated else None
    person = selectors.user_profile(user_id=user_id, viewer=viewer)
    return render(request, "accounts/profile.html", {"person": person})


@require_POST
def follow_toggle(request: HttpRequest, user_id: int) -> HttpResponse:
    """htmx: follow or unfollow, answering with the new button."""
    if not request.user.is_authenticated:
        response = HttpResponse(status=401)
        response["HX-Redirect"] = (
            f"{reverse('accounts:login')}?next={reverse('accounts:profile', args=[user_id])}")
        return response
    user: User = request.user
    try:
        if request.POST.get("action") == "unfollow":
            services.unfollow(follower=user, followee_id=user_id)
        else:
            services.follow(follower=user, followee_id=user_id)
        person = selectors.user_profile(user_id=user_id, viewer=user)
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    return render(request, "accounts/_follow_button.html", {"person": person})
