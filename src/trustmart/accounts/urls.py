from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.sign_up, name="signup"),
    path("signup/code/", views.send_code, name="send_code"),
    path("login/", views.log_in, name="login"),
    path("login/code/", views.log_in_by_code, name="login_code"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("logout/", views.log_out, name="logout"),
    path("me/", views.me, name="me"),
    path("me/edit/", views.me_edit, name="me_edit"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("u/<int:user_id>/", views.profile, name="profile"),
    path("u/<int:user_id>/follow/", views.follow_toggle, name="follow"),
]
