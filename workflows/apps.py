from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("流程引擎")

    def ready(self):
        from . import checks, clock, rulechecks, script_helpers, unit_paths  # noqa: F401  (system check, recorded rule checks, diagram helpers, path copies)

        clock.install()
