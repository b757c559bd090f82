from django.urls import path

from .views import cart as views
from .views import orders as views_orders

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
    path("checkout/", views_orders.checkout_page, name="checkout"),
    path("orders/", views_orders.order_list, name="order_list"),
    path("orders/<str:order_no>/", views_orders.order_detail, name="order_detail"),
    path("orders/<str:order_no>/cancel/", views_orders.order_action, {"action": "cancel"},
         name="order_cancel"),
    path("orders/<str:order_no>/confirm/", views_orders.order_action, {"action": "confirm"},
         name="order_confirm"),
    path("merchant/orders/", views_orders.merchant_order_list, name="merchant_orders"),
    path("merchant/orders/<str:order_no>/", views_orders.merchant_order_detail,
         name="merchant_order"),
    path("ops/orders/", views_orders.ops_order_list, name="ops_orders"),
    path("ops/orders/<str:order_no>/", views_orders.ops_order_detail, name="ops_order"),
]
