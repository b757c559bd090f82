from django.urls import path

from . import views

app_name = "aftersales"

urlpatterns = [
    path("aftersales/new/", views.case_new, name="new"),
    path("my/cases/", views.my_cases, name="mine"),
    path("cases/<str:case_no>/", views.case_detail, name="case"),
    path("cases/<str:case_no>/<str:action>/", views.case_action, name="action"),
    path("case-images/<int:image_id>/", views.case_image, name="image"),
    path("merchant/cases/", views.merchant_cases, name="merchant_cases"),
    path("merchant/debts/repay/", views.merchant_debts_repay, name="merchant_debts_repay"),
    path("merchant/debts/pay/", views.merchant_debts_pay, name="merchant_debts_pay"),
    path("ops/cases/", views.ops_cases, name="ops_cases"),
]
