"""Service-task operations of the merit-citation diagram (registered with the sandbox)."""
from django.utils.translation import gettext as _

from permissions.models import Unit
from records.models import Award
from workflows.models import ProcessInstance
from workflows.sandbox import register_service

from . import facts, issuing, routing


@register_service("awards.eligibility_facts")
def eligibility_facts(task_data, /, *, cadre_id, award_kind, deed_reference=""):
    return facts.facts_for(cadre_id, award_kind, deed_reference)


@register_service("awards.route")
def route(task_data, /, *, nominating_unit_id, award_kind, committee_min_level, department_min_level):
    approving = routing.approving_unit(Unit.objects.get(pk=nominating_unit_id), committee_min_level, department_min_level)
    return routing.bodies(approving)


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
