from django.urls import path

from . import views

app_name = "developers"

urlpatterns = [
    path("developers/", views.docs, name="docs"),
    path("merchant/developers/", views.console, name="console"),
    path("merchant/developers/apps/new", views.app_create, name="app_create"),
    path("merchant/developers/apps/<int:app_id>/", views.app_detail, name="app"),
    path("merchant/developers/apps/<int:app_id>/<str:action>", views.app_action,
         name="app_action"),
    path("merchant/developers/endpoints/new", views.endpoint_create, name="endpoint_create"),
    path("merchant/developers/endpoints/<int:endpoint_id>/", views.endpoint_detail,
         name="endpoint"),
    path("merchant/developers/endpoints/<int:endpoint_id>/<str:action>", views.endpoint_action,
         name="endpoint_action"),
    path("merchant/developers/deliveries/<int:delivery_id>/replay", views.delivery_replay,
         name="delivery_replay"),
]
