"""The typed case record of an exceptional promotion, written by the service door."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from workflows.errors import InvalidAction
from workflows.process_types import CaseRecord

from .models import Proposal

PROPOSAL_FIELDS = (
    "target_post",
    "target_level",
    "ground",
    "facts",
    "broken_items",
    "broken_qualifications",
    "from_recommendation",
    "special_post",
)


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
        proposal = Proposal(instance=instance, cadre=instance.subject_cadre, unit=instance.nominating_unit)
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
            for name in PROPOSAL_FIELDS:
                default = [] if name == "broken_items" else False if name in ("from_recommendation", "special_post") else ""
                setattr(proposal, name, data.get(name) if data.get(name) is not None else default)
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
