from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data: ``manage.py load_demo`` and ``manage.py demo_logins`` (no models)."""

    name = "demo"
    verbose_name = _("演示数据")
