from django.urls import path

from . import views

app_name = "commissions"

urlpatterns = [
    path("me/earnings/", views.earnings, name="earnings"),
    path("me/earnings/<int:commission_id>/", views.commission_detail, name="detail"),
    path("rules/commission", views.rules, name="rules"),
    path("ops/commissions/review/", views.review_queue, name="review"),
    path("ops/commissions/review/<int:commission_id>/<str:decision>/", views.review_decide,
         name="decide"),
    path("ops/commissions/policy/", views.policy_page, name="policy"),
    path("merchant/sharers/", views.merchant_sharers, name="merchant_sharers"),
]
