"""Service-task operations shared by every process with a notice (registered with the sandbox)."""

from workflows.sandbox import register_service

from . import desk
from .models import Objection, ObjectionOutcome


@register_service("notices.pending_objections")
def pending_objections(task_data, /, *, instance_id):
    return Objection.objects.filter(instance_id=instance_id, outcome=ObjectionOutcome.PENDING).count()


@register_service("notices.close_objection")
def close_objection(task_data, /, *, instance_id, objection_id, outcome, finding):
    """Record the verification (DOMAIN.md §6; seed 000 #12): untrue or unverifiable → the
    clarification letter; a malicious false accusation → referred to the area's discipline body."""
    objection = Objection.objects.select_for_update(of=("self",)).select_related("notice").get(pk=objection_id, instance_id=instance_id)
    desk.conclude_verification(
        objection,
        outcome=outcome,
        finding=finding,
        malicious=bool(task_data.get("verification_malicious")),
        route=task_data.get("route"),
    )
    return {
        "objection_id": objection.pk,
        "outcome": outcome,
        "clarification_document_id": objection.clarification_id,
        "referred_to_unit_id": objection.referred_to_id,
    }
