"""The product's URLs plus reference views that benchmarks compare product views against.

These views are served only by the benchmark server (``bench.settings``), never by the product.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from trustmart.urls import urlpatterns as product_urlpatterns

_HELLO = b'{"hello": "world"}'


def hello(request: HttpRequest) -> HttpResponse:
    """A constant answer: the cost of the server, middleware and routing, and nothing else."""
    return HttpResponse(_HELLO, content_type="application/json")


urlpatterns = [
    *product_urlpatterns,
    path("bench/hello", hello, name="bench-hello"),
]
