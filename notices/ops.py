"""Service-task operations shared by every process with a notice (registered with the sandbox)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.sandbox import register_service

from . import desk
from .models import Objection, ObjectionOutcome


@register_service("notices.pending_objections")
def pending_objections(task_data, /, *, instance_id):
    return Objection.objects.filter(instance_id=instance_id, outcome=ObjectionOutcome.PENDING).count()


@register_service("notices.close_objection")
def close_objection(task_data, /, *, instance_id, objection_id, outcome, finding):
    objection = Objection.objects.select_for_update(of=("self",)).select_related("notice").get(pk=objection_id, instance_id=instance_id)
    if objection.outcome != ObjectionOutcome.PENDING:
        raise ValueError(_("该异议已核查完毕"))
    objection.outcome = outcome
    objection.finding = finding or ""
    objection.malicious = bool(task_data.get("verification_malicious"))
    objection.verified_at = timezone.now()
    if outcome == ObjectionOutcome.UNTRUE:
        # Seed 000 #12: untrue objections are closed promptly with written feedback (澄清).
        objection.clarification = desk.issue_clarification(objection, finding, desk.issuer_of(task_data.get("route"), objection.notice))
    objection.save()
    return {"objection_id": objection.pk, "outcome": outcome, "clarification_document_id": objection.clarification_id}
