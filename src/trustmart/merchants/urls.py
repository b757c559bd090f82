"""H5 pages of merchants under /merchant/ (catalog adds /merchant/products/ itself)."""

from django.urls import path

from . import views

app_name = "merchants"

urlpatterns = [
    path("", views.console, name="console"),
    path("apply/", views.apply, name="apply"),
    path("application/", views.application_list, name="applications"),
    path("application/<int:application_id>/documents/<str:kind>/", views.application_document,
         name="document"),
    path("profile/", views.profile_edit, name="profile"),
    path("staff/", views.staff, name="staff"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/invitations/<int:invitation_id>/revoke/", views.staff_revoke,
         name="staff_revoke"),
    path("staff/<int:user_id>/remove/", views.staff_remove, name="staff_remove"),
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/<int:invitation_id>/<str:answer>/", views.invitation_answer,
         name="invitation_answer"),
    path("ops/applications/", views.ops_application_queue, name="ops_applications"),
    path("ops/applications/<int:application_id>/", views.ops_application_detail,
         name="ops_application"),
    path("ops/applications/<int:application_id>/<str:decision>/", views.ops_application_decide,
         name="ops_application_decide"),
    path("ops/merchants/", views.ops_merchant_list, name="ops_merchants"),
    path("ops/merchants/<int:merchant_id>/<str:action>/", views.ops_merchant_action,
         name="ops_merchant_action"),
]
