"""Service-task operations of the award diagrams (registered with the sandbox).

They read and write the typed case records (``awards.models``), not the engine's task data.
"""

from django.utils.translation import gettext as _

from permissions import routing
from permissions.models import Unit
from workflows.sandbox import register_service

from . import facts, issuing
from .models import Nomination, RevocationRequest


def _nomination(instance_id):
    # No row lock of its own: the service door holds the case's lock while the engine runs, and
    # a nomination is written only through it.
    return Nomination.objects.select_related(
        "instance__nominating_unit", "instance__started_by", "cadre__unit", "unit", "approving_unit", "issuer_unit"
    ).get(instance_id=instance_id)


# ``**_earlier``: cases started on an earlier version of the diagram pass the parameters it named;
# the case is known from the task data either way.
@register_service("awards.eligibility_facts")
def eligibility_facts(task_data, /, *, instance_id=None, **_earlier):
    cadre_id, collective_id, kind, reference, level = Nomination.objects.values_list(
        "cadre_id", "collective_id", "award_kind", "deed_reference", "approving_unit__level"
    ).get(instance_id=instance_id or task_data["process_instance_id"])
    return facts.facts_for(cadre_id, kind, reference, approving_level=level or "", collective_id=collective_id)


@register_service("awards.route")
def route(task_data, /, *, committee_min_level, department_min_level, instance_id=None, **_earlier):
    nominations = Nomination.objects.filter(instance_id=instance_id or task_data["process_instance_id"])
    unit = Unit.objects.get(pk=nominations.values("unit_id")[:1])
    approving = routing.approving_unit(unit, committee_min_level, department_min_level)
    bodies = routing.bodies(approving)
    nominations.update(approving_unit=approving, issuer_unit_id=bodies["issuer_unit_id"])
    return bodies


@register_service("awards.issue_award")
def issue_award(task_data, /, *, instance_id):
    return issuing.issue_award(_nomination(instance_id))


@register_service("awards.revocation_route")
def revocation_route(task_data, /, *, award_id):
    """Revocation goes to the authority that approved the award (公务员法 art. 56, DOMAIN.md §1.4)."""
    request = RevocationRequest.objects.select_related("award__approving_unit").get(award_id=award_id, is_open=True)
    award = request.award
    if award.approving_unit is None:
        raise ValueError(_("该奖励未记录审批机关，无法确定撤销的审批机关"))
    bodies = routing.bodies(award.approving_unit)
    request.issuer_unit = Unit.objects.get(pk=bodies["issuer_unit_id"])
    request.save(update_fields=["issuer_unit"])
    return bodies


@register_service("awards.revoke_award")
def revoke_award(task_data, /, *, instance_id):
    request = RevocationRequest.objects.select_related("instance__nominating_unit", "instance__started_by").get(instance_id=instance_id)
    return issuing.revoke_award(request)
