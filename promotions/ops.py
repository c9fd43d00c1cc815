"""Service-task operations of the exceptional-promotion diagram (registered with the sandbox)."""
from permissions.models import Unit
from records.models import Cadre
from workflows.models import ProcessInstance
from workflows.sandbox import register_service

from . import facts, issuing, routing


def _case(instance_id):
    return ProcessInstance.objects.select_related("subject_cadre", "nominating_unit", "started_by").get(pk=instance_id)


@register_service("promotions.facts")
def promotion_facts(task_data, /, *, cadre_id, target_level, special_post=False):
    return facts.promotion_facts(Cadre.objects.get(pk=cadre_id), target_level, special_post=special_post)


@register_service("promotions.route")
def route(task_data, /, *, nominating_unit_id):
    return routing.route(Unit.objects.get(pk=nominating_unit_id))


@register_service("promotions.request_consent")
def request_consent(task_data, /, *, instance_id):
    return issuing.request_consent(_case(instance_id), task_data)


@register_service("promotions.remind_consent")
def remind_consent(task_data, /, *, instance_id):
    return issuing.remind_consent(_case(instance_id), task_data)


@register_service("promotions.appoint")
def appoint(task_data, /, *, instance_id):
    return issuing.appoint(_case(instance_id), task_data)


@register_service("promotions.close_probation")
def close_probation(task_data, /, *, instance_id, competent):
    return issuing.close_probation(_case(instance_id), task_data, competent)
