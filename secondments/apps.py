from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecondmentsConfig(AppConfig):
    name = "secondments"
    verbose_name = _("挂职锻炼选派")

    def ready(self):
        from . import ops, process  # noqa: F401  (service operations; the process type)
