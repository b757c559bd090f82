from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "trustmart.reviews"
    label = "reviews"
    verbose_name = _("Reviews and credit")

    def ready(self) -> None:
        from . import handlers, jobs  # noqa: F401
