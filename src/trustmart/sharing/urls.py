from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("s/<str:code>", views.landing, name="landing"),
    path("s/<str:code>/poster.png", views.poster, name="poster"),
    path("share/", views.sheet, name="sheet"),
    path("share/create/", views.create, name="create"),
    path("my/shares/", views.my_shares, name="mine"),
    path("my/shares/<str:code>/", views.kit, name="kit"),
    path("my/shares/<str:code>/tree/", views.tree, name="tree"),
]
