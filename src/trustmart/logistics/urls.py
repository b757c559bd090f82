from django.urls import path

from . import views

app_name = "logistics"

urlpatterns = [
    path("merchant/orders/<str:order_no>/ship/", views.ship, name="ship"),
    path("logistics/orders/<str:order_no>/tracking/", views.tracking, name="tracking"),
    path("logistics/webhook/", views.webhook, name="webhook"),
]
