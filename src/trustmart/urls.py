from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.static import serve

from trustmart.api import api
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
    path("search/", include("trustmart.catalog.search_urls")),
    path("", include("trustmart.stores.urls")),
    path("", include("trustmart.sharing.urls")),
    path("", include("trustmart.orders.urls")),
    path("", include("trustmart.payments.urls_payable")),
    path("pay/", include("trustmart.payments.urls")),
    path("", include("trustmart.logistics.urls")),
    path("", include("trustmart.aftersales.urls")),
    path("", include("trustmart.commissions.urls")),
    path("", include("trustmart.reviews.urls")),
    path("", include("trustmart.web.urls")),
]

if settings.SERVE_MEDIA:
    # Embedded mode serves uploads itself; production puts them behind object storage or nginx.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
