"""The merchant payable page (settlement). Kept apart from ``urls.py`` so the settlement work
can land without editing the orders URL module; the project URLconf includes it at the root."""

from django.urls import path

from . import views_payable

app_name = "orders_payable"

urlpatterns = [
    path("merchant/payable/", views_payable.payable_page, name="payable"),
]
