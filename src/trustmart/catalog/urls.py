from django.urls import path

from .views import buyer, files, merchant, ops, search

app_name = "catalog"

urlpatterns = [
    path("p/<int:product_id>/", buyer.product_detail, name="product"),
    path("certificates/<int:certificate_id>/", files.certificate_file, name="certificate_file"),
    path("c/", buyer.category_index, name="categories"),
    path("c/<slug:slug>/", buyer.category_products, name="category"),
    # merchant console
    path("merchant/products/", merchant.product_list, name="merchant_products"),
    path("merchant/products/new/", merchant.product_new, name="merchant_product_new"),
    path("merchant/products/<int:product_id>/", merchant.product_overview,
         name="merchant_product"),
    path("merchant/products/<int:product_id>/edit/", merchant.product_edit,
         name="merchant_product_edit"),
    path("merchant/products/<int:product_id>/skus/", merchant.product_skus,
         name="merchant_product_skus"),
    path("merchant/products/<int:product_id>/batches/", merchant.product_batches,
         name="merchant_product_batches"),
    path("merchant/products/<int:product_id>/certificates/", merchant.product_certificates,
         name="merchant_product_certificates"),
    path("merchant/products/<int:product_id>/images/", merchant.product_images,
         name="merchant_product_images"),
    path("merchant/products/<int:product_id>/images/<int:image_id>/<str:action>/",
         merchant.image_action, name="merchant_image_action"),
    path("merchant/products/<int:product_id>/submit/", merchant.product_submit,
         name="merchant_product_submit"),
    path("merchant/products/<int:product_id>/withdraw/", merchant.revision_withdraw,
         name="merchant_revision_withdraw"),
    path("merchant/skus/<int:sku_id>/", merchant.sku_update, name="merchant_sku"),
    path("merchant/batches/<int:batch_id>/delete/", merchant.batch_delete,
         name="merchant_batch_delete"),
    path("merchant/certificates/<int:certificate_id>/delete/", merchant.certificate_delete,
         name="merchant_certificate_delete"),
    # operators
    path("ops/products/", ops.queue, name="ops_queue"),
    path("ops/products/<int:product_id>/", ops.product, name="ops_product"),
    path("ops/products/<int:product_id>/<str:action>/", ops.product_decide,
         name="ops_product_decide"),
    path("ops/revisions/<int:revision_id>/", ops.revision, name="ops_revision"),
    path("ops/revisions/<int:revision_id>/<str:action>/", ops.revision_decide,
         name="ops_revision_decide"),
    path("ops/commission/", ops.commission, name="ops_commission"),
]

# /search/ (namespace "search"), included by the root urls.
search_urlpatterns = [
    path("", search.search, name="search"),
]
