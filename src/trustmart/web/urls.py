from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("discover/", views.discover, name="discover"),
    path("cart/", views.cart, name="cart"),
    path("settings/language/", views.language, name="language"),
    path("wechat/jssdk/", views.wechat_jssdk, name="wechat_jssdk"),
]
