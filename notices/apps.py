from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("公示与异议")

    def ready(self):
        from . import ops  # noqa: F401  (register service operations)
