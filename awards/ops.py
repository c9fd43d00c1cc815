"""Service-task operations of the merit-citation diagram (registered with the sandbox)."""
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.models import Unit
from records.models import Award
from workflows.models import ProcessInstance
from workflows.sandbox import register_service

from . import facts, issuing, routing
from .models import Objection, ObjectionOutcome


@register_service("awards.eligibility_facts")
def eligibility_facts(task_data, /, *, cadre_id, award_kind, deed_reference=""):
    return facts.facts_for(cadre_id, award_kind, deed_reference)


@register_service("awards.route")
def route(task_data, /, *, nominating_unit_id, award_kind, committee_min_level, department_min_level):
    approving = routing.approving_unit(Unit.objects.get(pk=nominating_unit_id), committee_min_level, department_min_level)
    return routing.bodies(approving)


@register_service("awards.pending_objections")
def pending_objections(task_data, /, *, instance_id):
    return Objection.objects.filter(instance_id=instance_id, outcome=ObjectionOutcome.PENDING).count()


@register_service("awards.close_objection")
def close_objection(task_data, /, *, instance_id, objection_id, outcome, finding):
    objection = Objection.objects.select_for_update().get(pk=objection_id, instance_id=instance_id)
    if objection.outcome != ObjectionOutcome.PENDING:
        raise ValueError(_("该异议已核查完毕"))
    objection.outcome = outcome
    objection.finding = finding or ""
    objection.malicious = bool(task_data.get("verification_malicious"))
    objection.verified_at = timezone.now()
    if outcome == ObjectionOutcome.UNTRUE:
        # Seed 000 #12: untrue objections are closed promptly with written feedback (澄清).
        objection.clarification = issuing.issue_clarification(objection, task_data)
    objection.save()
    return {"objection_id": objection.pk, "outcome": outcome,
            "clarification_document_id": objection.clarification_id}


@register_service("awards.issue_award")
def issue_award(task_data, /, *, instance_id):
    instance = ProcessInstance.objects.select_related("subject_cadre", "nominating_unit", "started_by").get(pk=instance_id)
    return issuing.issue_award(instance, task_data)


@register_service("awards.revocation_route")
def revocation_route(task_data, /, *, award_id):
    """Revocation goes to the authority that approved the award (公务员法 art. 56, DOMAIN.md §1.4)."""
    award = Award.objects.select_related("approving_unit").get(pk=award_id)
    if award.approving_unit is None:
        raise ValueError(_("该奖励未记录审批机关，无法确定撤销的审批机关"))
    return routing.bodies(award.approving_unit)


@register_service("awards.revoke_award")
def revoke_award(task_data, /, *, instance_id):
    instance = ProcessInstance.objects.select_related("subject_cadre", "started_by").get(pk=instance_id)
    return issuing.revoke_award(instance, task_data)
