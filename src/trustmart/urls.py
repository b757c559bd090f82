from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from trustmart.api import api
from trustmart.catalog import urls as catalog_urls
from trustmart.core.storage import media_serve
from trustmart.core.views import healthz

admin.site.site_header = _("TrustMart operations")
admin.site.site_title = _("TrustMart operations")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("trustmart.accounts.urls")),
    path("merchant/", include("trustmart.merchants.urls")),
    path("", include("trustmart.catalog.urls")),
    path("search/", include((catalog_urls.search_urlpatterns, "search"))),
    path("", include("trustmart.stores.urls")),
    path("", include("trustmart.sharing.urls")),
    path("", include("trustmart.orders.urls")),
    path("", include("trustmart.payments.urls_payable")),
    path("pay/", include("trustmart.payments.urls")),
    path("", include("trustmart.logistics.urls")),
    path("", include("trustmart.aftersales.urls")),
    path("", include("trustmart.commissions.urls")),
    path("", include("trustmart.reviews.urls")),
    path("", include("trustmart.ledger.urls")),
    path("", include("trustmart.developers.urls")),
    path("", include("trustmart.web.urls")),
]

if settings.SERVE_MEDIA:
    # Embedded mode serves public uploads itself (never the private folders); production puts
    # them behind object storage or a front server. Private files have no URL at all.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", media_serve, {"document_root": settings.MEDIA_ROOT}),
    ]
