from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalksConfig(AppConfig):
    """谈心谈话 (issue 16 item 3): talks as a process, started when a post changes, after an
    accountability decision or a clarification letter, and on a cadre's request."""

    name = "talks"
    verbose_name = _("谈心谈话")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from workflows.signals import cadre_event

        from . import process, triggers  # noqa: F401  (the process type)

        cadre_event.connect(triggers.on_cadre_event, dispatch_uid="talks.on_cadre_event")
