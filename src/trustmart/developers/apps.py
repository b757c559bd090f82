from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevelopersConfig(AppConfig):
    name = "trustmart.developers"
    label = "developers"
    verbose_name = _("Open platform")

    def ready(self) -> None:
        from . import auth, handlers, jobs  # noqa: F401  (token checks, event fan-out, sweeps)

        auth.install()
