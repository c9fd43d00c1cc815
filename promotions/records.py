"""The typed case record of an exceptional promotion, written by the service door."""

from collections import Counter

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from records import quotas
from workflows import clock
from workflows.errors import FormInvalid, InvalidAction
from workflows.process_types import CaseRecord

from .models import Proposal, ProposedBy

PROPOSAL_FIELDS = (
    "target_post",
    "target_level",
    "ground",
    "facts",
    "broken_items",
    "broken_qualifications",
    "from_recommendation",
    "special_post",
    "keeps_post",
    "elected_post",
    "broken_reasons",
    "contact_name",
    "contact_phone",
)
FLAGS = ("from_recommendation", "special_post", "keeps_post", "elected_post")


def mover(user, unit):
    """Who moves a proposal for ``unit``'s cadre (DOMAIN.md §4.3 step 1): its party committee (the
    unit-leader role on it), else the organisation department of its area (the reviewer role there)."""
    from permissions import policy

    if policy.holds_role(user, "unit_leader", unit):
        return ProposedBy.PARTY_COMMITTEE, unit
    department = organisation_department_of(unit)
    if department is not None and policy.holds_role(user, "reviewer", department):
        return ProposedBy.ORGANISATION_DEPT, department
    return ProposedBy.PARTY_COMMITTEE, unit


def organisation_department_of(unit):
    """The organisation department that reviews ``unit``'s promotions (as ``routing.route`` finds it)."""
    from permissions.models import Unit
    from permissions.routing import area_of, bodies

    area = area_of(unit)
    return Unit.objects.filter(pk=bodies(area)["review_unit_id"]).first()


def extra_starters(unit):
    """Besides the unit's party committee, the organisation department of its area may move a
    proposal for a cadre of ``unit`` (DOMAIN.md §4.3 step 1): (role, unit) pairs."""
    department = organisation_department_of(unit)
    return [("reviewer", department)] if department is not None else []


def task_binding(instance, bpmn_id, role, unit_id):
    """The 动议 step of a proposal the organisation department moved is its own (DOMAIN.md §4.3
    step 1): the diagram's unit-leader lane stands for whoever moved it."""
    if bpmn_id != "Task_propose":
        return role, unit_id
    proposal = Proposal.objects.filter(instance=instance).only("proposed_by_kind", "proposed_by_unit").first()
    if proposal is not None and proposal.proposed_by_kind == ProposedBy.ORGANISATION_DEPT and proposal.proposed_by_unit_id:
        return "reviewer", proposal.proposed_by_unit_id
    return role, unit_id


def open_proposals(unit_ids=None, *, exclude_instance_id=None):
    """Counter {(unit id, level): open proposals} for the post quotas (DOMAIN.md §10 "Post quotas"):
    an open case with a target level, counted in its target unit (else its cadre's own) until the
    appointment, after which the cadre's record holds the level itself."""
    rows = Proposal.objects.filter(is_open=True, promotion__isnull=True).exclude(target_level="")
    rows = rows.annotate(quota_unit_id=Coalesce("target_unit_id", "cadre__unit_id"))
    if unit_ids is not None:
        rows = rows.filter(quota_unit_id__in=quotas.unit_filter(unit_ids))
    if exclude_instance_id is not None:
        rows = rows.exclude(instance_id=exclude_instance_id)
    counts = rows.order_by().values("quota_unit_id", "target_level").annotate(n=Count("pk"))
    return Counter({(row["quota_unit_id"], row["target_level"]): row["n"] for row in counts})


def refuse_over_quota(instance, cadre, level, target_unit=None):
    """DOMAIN.md §10 "Post quotas": a proposal that would exceed the target unit's (else the
    cadre's own unit's) quota of the target level is refused at 动议, with the count (the check is
    the quotas app's, through the seam)."""
    if cadre is None or not level:
        return
    message = quotas.refusal(target_unit or cadre.unit, level, on=clock.today(), exclude_instance_id=instance.pk)
    if message:
        raise FormInvalid({"__all__": [message]})


def _target_unit(value):
    """The start data's target unit (its id, as the start form's payload holds it), or None."""
    from permissions.models import Unit

    if value in (None, ""):
        return None
    if isinstance(value, Unit):
        return value
    try:
        return Unit.objects.get(pk=int(value))
    except (Unit.DoesNotExist, TypeError, ValueError):
        raise FormInvalid({"target_unit": [_("没有找到该拟任单位")]}) from None


class ProposalRecord(CaseRecord):
    model = Proposal

    def started(self, instance, data, *, user):
        other = (
            Proposal.objects.filter(cadre=instance.subject_cadre, is_open=True).select_related("instance").first()
            if instance.subject_cadre_id
            else None
        )
        if other is not None:
            raise InvalidAction(self._duplicate(instance, other))
        target_unit = _target_unit(data.get("target_unit"))
        refuse_over_quota(instance, instance.subject_cadre, data.get("target_level"), target_unit)
        proposal = Proposal(instance=instance, cadre=instance.subject_cadre, unit=instance.nominating_unit, target_unit=target_unit)
        # 动议 by the unit's party committee or by the organisation department (DOMAIN.md §4.3 step 1).
        proposal.proposed_by_kind, proposal.proposed_by_unit = mover(user, instance.nominating_unit)
        for name in PROPOSAL_FIELDS:
            value = data.get(name)
            if value not in (None, ""):
                setattr(proposal, name, value)
        try:
            with transaction.atomic():
                proposal.save()
        except IntegrityError as exc:  # a concurrent start for the same cadre won the race
            raise InvalidAction(self._duplicate(instance, None)) from exc

    def step_submitted(self, instance, task, form, *, user):
        data, action = form.cleaned_data, form.get_action().code
        if (task.bpmn_id, action) not in (("Task_propose", "submit"), ("Task_recommend", "submit")):
            return  # the other steps establish no fact of the proposal
        proposal = Proposal.objects.get(instance=instance)  # covered by the case's row lock
        if task.bpmn_id == "Task_propose":
            refuse_over_quota(instance, proposal.cadre, data.get("target_level"), data.get("target_unit"))
            proposal.target_unit = data.get("target_unit")
            for name in PROPOSAL_FIELDS:
                default = [] if name == "broken_items" else {} if name == "broken_reasons" else False if name in FLAGS else ""
                setattr(proposal, name, data.get(name) if data.get(name) is not None else default)
            # The one text of the documents, each broken item with its own reason (DOMAIN.md §4.2).
            proposal.broken_qualifications = proposal.broken_with_reasons if proposal.broken_items else ""
            proposal.save()
        else:
            proposal.participants, proposal.votes_for = data["participants"], data["votes_for"]
            proposal.save(update_fields=["participants", "votes_for"])

    def closed(self, instance):
        Proposal.objects.filter(instance=instance).update(is_open=False)

    @staticmethod
    def _duplicate(instance, other):
        return _("%(name)s同志已有在办的破格提拔 %(key)s，不能重复动议") % {
            "name": instance.subject_cadre.name,
            "key": other.instance.business_key if other else "—",
        }
