"""core.http.domain_errors: how every H5 page answers a service's DomainError."""

from __future__ import annotations

import pytest
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path

from trustmart.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from trustmart.core.http import domain_errors

ERRORS: dict[str, DomainError] = {
    "missing": NotFound(),
    "status404": DomainError("gone", status=404),
    "conflict": Conflict("Already shipped."),
    "denied": PermissionDenied("Not yours."),
}


def _raise(kind: str) -> None:
    if kind in ERRORS:
        raise ERRORS[kind]


@domain_errors
def plain(request: HttpRequest, kind: str) -> HttpResponse:
    _raise(kind)
    return HttpResponse("ok")


@domain_errors(redirect_to="back", url_kwargs=("kind",))
def with_redirect(request: HttpRequest, kind: str) -> HttpResponse:
    _raise(kind)
    messages.success(request, "done")
    return HttpResponse("ok")


@domain_errors(redirect_to=lambda request, kind: f"/t/back/{kind}/?from=callable",
               htmx_fragment=True)
def with_callable(request: HttpRequest, kind: str) -> HttpResponse:
    _raise(kind)
    return HttpResponse("ok")


def back(request: HttpRequest, kind: str) -> HttpResponse:
    return HttpResponse(" | ".join(str(m) for m in messages.get_messages(request)))


urlpatterns = [
    path("t/plain/<str:kind>/", plain),
    path("t/redirect/<str:kind>/", with_redirect),
    path("t/callable/<str:kind>/", with_callable),
    path("t/back/<str:kind>/", back, name="back"),
    path("", include("trustmart.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.mark.parametrize("url", ["/t/plain/missing/", "/t/redirect/missing/",
                                 "/t/callable/status404/", "/t/plain/status404/"])
def test_not_found_is_the_sites_404_page(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "web/not_found.html" in [t.name for t in response.templates]


def test_without_redirect_other_errors_propagate(client: Client) -> None:
    with pytest.raises(Conflict):
        client.get("/t/plain/conflict/")
    assert client.get("/t/plain/none/").content == b"ok"


def test_redirect_shows_the_message_on_the_page_it_goes_back_to(client: Client) -> None:
    response = client.get("/t/redirect/conflict/")
    assert response.status_code == 302
    assert response["Location"] == "/t/back/conflict/"
    assert client.get(response["Location"]).content.decode() == "Already shipped."


def test_callable_redirect_and_htmx_fragment(client: Client) -> None:
    response = client.get("/t/callable/denied/")
    assert response["Location"] == "/t/back/denied/?from=callable"
    fragment = client.get("/t/callable/denied/", headers={"HX-Request": "true"})
    assert fragment.status_code == 403
    assert fragment.content.decode() == '<p class="form-error">Not yours.</p>'


def test_success_passes_through(client: Client) -> None:
    response = client.get("/t/redirect/none/")
    assert response.status_code == 200 and response.content == b"ok"
