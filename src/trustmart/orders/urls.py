from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("my/addresses/", views.address_list, name="addresses"),
    path("my/addresses/new/", views.address_new, name="address_new"),
    path("my/addresses/<int:address_id>/edit/", views.address_edit, name="address_edit"),
    path("my/addresses/<int:address_id>/delete/", views.address_delete, name="address_delete"),
    path("my/addresses/<int:address_id>/default/", views.address_default,
         name="address_default"),
    path("merchant/shipping/", views.shipping_rule_edit, name="shipping"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/", views.cart_line, name="cart_line"),
]
