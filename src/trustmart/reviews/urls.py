from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("products/<int:product_id>/reviews", views.product_reviews, name="product"),
    path("reviews/<int:review_id>/report/", views.report, name="report"),
    path("my/reviews/", views.my_reviews, name="mine"),
    path("my/reviews/write/<int:line_id>/", views.write, name="write"),
    path("my/reviews/<int:review_id>/follow-up/", views.follow_up, name="follow_up"),
    path("merchant/reviews/", views.merchant_reviews, name="merchant"),
    path("merchant/reviews/<int:review_id>/reply/", views.reply, name="reply"),
    path("ops/reviews/reports/", views.ops_reports, name="ops_reports"),
    path("ops/reviews/reports/<int:report_id>/<str:action>/", views.ops_decide,
         name="ops_decide"),
    path("credit/rules", views.credit_rules, name="credit_rules"),
    path("credit/<str:kind>/<int:subject_id>", views.credit_page, name="credit"),
]
