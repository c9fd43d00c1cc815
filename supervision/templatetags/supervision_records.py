"""``{% load supervision_records %}{% cadre_supervision_records cadre %}``: the cadre page's sections
for the records of DOMAIN.md §10 (post history, health checks, training) and the cadre's alerts."""

from django import template

from records.models import Cadre

from .. import alerts
from ..views import today

register = template.Library()


@register.inclusion_tag("supervision/_cadre_records.html")
def cadre_supervision_records(cadre):
    day = today()
    return {
        "cadre": cadre,
        "today": day,
        "alerts": alerts.alerts(Cadre.objects.filter(pk=cadre.pk), day),
        "post_history": cadre.post_history.select_related("post_unit").order_by("-start"),
        "health_checks": cadre.health_checks.order_by("-date")[:10],
        "trainings": cadre.trainings.order_by("-start")[:20],
    }
