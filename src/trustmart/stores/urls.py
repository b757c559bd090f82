from django.urls import path

from . import views

app_name = "stores"

urlpatterns = [
    path("s/<int:store_id>/", views.store_page, name="page"),
    path("my/store/", views.my_store, name="mine"),
    path("my/store/edit/", views.my_store_edit, name="edit"),
    path("my/store/status/", views.my_store_status, name="status"),
    path("my/store/items/<int:product_id>/", views.my_store_item, name="item"),
    path("stores/item-button/<int:product_id>/", views.item_button, name="item_button"),
    path("stores/supply/", views.supply, name="supply"),
]
