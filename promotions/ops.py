"""Service-task operations of the exceptional-promotion diagram (registered with the sandbox).

They read and write the case's typed record (``promotions.models.Proposal``).
"""

from permissions.models import Unit
from workflows.sandbox import register_service

from . import facts, issuing, routing
from .models import Proposal


def _proposal(task_data, instance_id=None):
    # No row lock of its own: the service door holds the case's lock while the engine runs.
    return Proposal.objects.select_related(
        "instance__nominating_unit",
        "instance__started_by",
        "instance__subject_cadre",
        "cadre",
        "review_unit",
        "consent_unit",
        "deciding_unit",
    ).get(instance_id=instance_id or task_data["process_instance_id"])


# ``**_earlier``: cases started on an earlier version of the diagram pass the parameters it named.
@register_service("promotions.facts")
def promotion_facts(task_data, /, *, instance_id=None, **_earlier):
    proposal = _proposal(task_data, instance_id)
    return facts.promotion_facts(
        proposal.cadre, proposal.target_level, special_post=proposal.special_post, breaks=proposal.broken_items or ()
    )


@register_service("promotions.route")
def route(task_data, /, *, instance_id=None, **_earlier):
    proposal = _proposal(task_data, instance_id)
    result = routing.route(proposal.unit)
    proposal.review_unit = Unit.objects.get(pk=result["review_unit_id"])
    proposal.consent_unit = Unit.objects.get(pk=result["consent_unit_id"])
    proposal.deciding_unit = Unit.objects.get(pk=result["approving_unit_id"])
    proposal.save(update_fields=["review_unit", "consent_unit", "deciding_unit"])
    return result


@register_service("promotions.request_consent")
def request_consent(task_data, /, *, instance_id):
    return issuing.request_consent(_proposal(task_data, instance_id))


@register_service("promotions.remind_consent")
def remind_consent(task_data, /, *, instance_id):
    return issuing.remind_consent(_proposal(task_data, instance_id))


@register_service("promotions.appoint")
def appoint(task_data, /, *, instance_id):
    return issuing.appoint(_proposal(task_data, instance_id))


@register_service("promotions.close_probation")
def close_probation(task_data, /, *, instance_id, competent):
    return issuing.close_probation(_proposal(task_data, instance_id), competent)
