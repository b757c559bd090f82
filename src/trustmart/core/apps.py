from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "trustmart.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import checks, jobs  # noqa: F401  (deployment checks, the core timed jobs)
