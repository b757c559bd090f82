"""How an H5 view answers a service's ``DomainError``: one decorator instead of a copy per view.

``NotFound`` (and any error with status 404) is the site's not-found page, so another user's
object looks exactly like one that does not exist. Any other ``DomainError`` either propagates
(the view handles it inline, typically with ``core.forms.form_error`` on a form), or, when the
decorator is given ``redirect_to``, is shown as an error message on the page the browser is sent
back to; with ``htmx_fragment`` an htmx request gets the message as a small fragment instead.

    @login_required
    @require_POST
    @domain_errors(redirect_to="aftersales:case", url_kwargs=("case_no",))
    def case_action(request, case_no, action): ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar, cast, overload

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html

from .errors import DomainError

NOT_FOUND_TEMPLATE = "web/not_found.html"

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
RedirectTarget = str | Callable[..., str]


def not_found(request: HttpRequest) -> HttpResponse:
    """The site's 404 page (the same page whether the object is missing or someone else's)."""
    return render(request, NOT_FOUND_TEMPLATE, status=404)


def is_not_found(exc: DomainError) -> bool:
    return exc.status == 404


def _redirect_url(target: RedirectTarget, url_kwargs: Sequence[str], request: HttpRequest,
                  view_kwargs: dict[str, Any]) -> str:
    if callable(target):
        return target(request, **view_kwargs)
    return reverse(target, kwargs={name: view_kwargs[name] for name in url_kwargs})


def _answer(exc: DomainError, request: HttpRequest, view_kwargs: dict[str, Any], *,
            redirect_to: RedirectTarget | None, url_kwargs: Sequence[str],
            htmx_fragment: bool) -> HttpResponse | None:
    if is_not_found(exc):
        return not_found(request)
    if htmx_fragment and getattr(request, "htmx", False):
        return HttpResponse(format_html('<p class="form-error">{}</p>', exc.message),
                            status=exc.status)
    if redirect_to is None:
        return None
    messages.error(request, str(exc.message))
    return redirect(_redirect_url(redirect_to, url_kwargs, request, view_kwargs))


@overload
def domain_errors(view: View) -> View: ...


@overload
def domain_errors(*, redirect_to: RedirectTarget | None = None, url_kwargs: Sequence[str] = (),
                  htmx_fragment: bool = False) -> Callable[[View], View]: ...


def domain_errors(view: View | None = None, *, redirect_to: RedirectTarget | None = None,
                  url_kwargs: Sequence[str] = (),
                  htmx_fragment: bool = False) -> View | Callable[[View], View]:
    """Answer ``DomainError``s raised by a view the way every H5 page does.

    - ``NotFound`` (status 404): the not-found page, always.
    - ``redirect_to``: a URL name (reversed with the view's keyword arguments named in
      ``url_kwargs``) or a callable ``(request, **view_kwargs) -> url``; any other error becomes
      ``messages.error`` and a redirect there. Without it the error propagates.
    - ``htmx_fragment``: an htmx request gets ``<p class="form-error">message</p>`` with the
      error's status instead of the redirect.
    """

    def decorate(func: View) -> View:
        @wraps(func)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                return func(request, *args, **kwargs)
            except DomainError as exc:
                answer = _answer(exc, request, kwargs, redirect_to=redirect_to,
                                 url_kwargs=url_kwargs, htmx_fragment=htmx_fragment)
                if answer is None:
                    raise
                return answer

        return cast(View, wrapper)

    if view is not None:
        return decorate(view)
    return decorate
