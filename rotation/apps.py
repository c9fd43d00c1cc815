from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotationConfig(AppConfig):
    """轮岗 (issue 16 item 2; DOMAIN.md §10 "Rotation", seed 000 #15): once a year each unit draws up
    a rotation plan for its cadres ≥ 5 years in the same post, the organisation department approves
    it; a cadre ≥ 10 years in the post must rotate."""

    name = "rotation"
    verbose_name = _("轮岗")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import process  # noqa: F401  (the process type)
