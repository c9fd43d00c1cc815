from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Cadre supervision (issue 16): the alerts dashboard (预警提醒) and the records it reads —
    post history, health checks, training."""

    name = "supervision"
    verbose_name = _("干部监督")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import register

        register.connect()
