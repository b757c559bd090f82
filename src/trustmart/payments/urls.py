from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("deposit/<int:merchant_id>/", views.deposit, name="deposit"),
    path("checkout/<str:checkout_no>/", views.checkout_cashier, name="checkout"),
    path("sandbox/<str:payment_no>/", views.sandbox, name="sandbox"),
    path("sandbox/<str:payment_no>/bridge/", views.sandbox_bridge, name="sandbox_bridge"),
    path("result/<str:payment_no>/", views.result, name="result"),
    path("mine/", views.mine, name="mine"),
    path("wechat/oauth/", views.wechat_oauth_start, name="wechat_oauth_start"),
    path("wechat/oauth/callback/", views.wechat_oauth_callback, name="wechat_oauth_callback"),
    path("callback/<str:provider>/", views.callback, name="callback"),
    path("refund-callback/<str:provider>/", views.refund_callback, name="refund_callback"),
]
