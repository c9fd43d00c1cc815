"""The typed case records of the award processes, written by the service door.

Each hook runs in the transaction that holds the case's row lock (``workflows.services``):
what it writes commits with the engine state or not at all.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions.models import Unit
from records.models import Collective, CollectiveKind
from workflows.errors import FormInvalid, InvalidAction
from workflows.models import ProcessInstance
from workflows.process_types import CaseRecord

from . import quota
from .models import Nomination, RevocationRequest

AWARDED_END = "End_awarded"
NOMINATION_FIELDS = ("award_kind", "title_name", "posthumous", "deeds", "period_from", "period_to", "deed_reference")


def _date(value):
    if value in (None, ""):
        return None
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _save_open(record, model, conflict, *, update_fields=None):
    """Save an open record; the database's one-open-case constraint turns a race into ``conflict()``."""
    try:
        with transaction.atomic():
            record.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise InvalidAction(conflict()) from exc


class NominationRecord(CaseRecord):
    model = Nomination

    def started(self, instance, data, *, user):
        nomination = Nomination(
            instance=instance, cadre=instance.subject_cadre, unit=instance.nominating_unit, year=instance.created_at.year
        )
        # A start with data is a pre-filled draft (暂存, the annual batch): keep what it names.
        self._apply(nomination, {k: data.get(k) for k in NOMINATION_FIELDS if data.get(k) not in (None, "")}, lenient=True)
        self._refuse_duplicate(nomination)
        _save_open(nomination, Nomination, lambda: self._duplicate_message(nomination))

    def step_submitted(self, instance, task, form, *, user):
        key = (task.bpmn_id, form.get_action().code)
        if key == ("Task_waive_notice", "agree"):
            # Who consented and when: the approver's recorded consent of DOMAIN.md §1.3 item 4.
            Nomination.objects.filter(instance=instance).update(notice_waived_by=user, notice_waived_at=timezone.now())
            return
        if key in self.WRITES:  # one UPDATE, no read
            fields = self.WRITES[key]
            Nomination.objects.filter(instance=instance).update(**{field: form.cleaned_data.get(name) for field, name in fields.items()})
        if key in self.STEPS:  # after the WRITES of the same step, if any
            # The case's row lock (held by the door) covers its nomination.
            self.STEPS[key](self, Nomination.objects.select_related("unit", "cadre").get(instance=instance), form.cleaned_data)

    def _nominated(self, nomination, data):
        self._apply(nomination, {k: data.get(k) for k in NOMINATION_FIELDS if k in data})
        if nomination.cadre_id is None:
            nomination.collective = self._collective(nomination.unit, data)
            # Lists and searches name the case by its collective (there is no subject cadre).
            ProcessInstance.objects.filter(pk=nomination.instance_id).update(subject_label=nomination.collective.name)
        self._refuse_duplicate(nomination)
        _save_open(nomination, Nomination, lambda: self._duplicate_message(nomination))

    def _review_classified(self, nomination, data):
        nomination.classified, nomination.classified_reason = True, data.get("classified_reason", "").strip()
        nomination.save(update_fields=["classified", "classified_reason"])
        self._review_approved(nomination, data)

    def _review_approved(self, nomination, data):
        if not nomination.quota_counted:
            refused = quota.take_place(nomination)
            if refused is not None:
                raise FormInvalid({"__all__": [refused.exceeded_message]})

    # (step, action) → the facts it establishes: written outright (record field → form field) …
    WRITES = {
        ("Task_unit_decision", "approve"): {"meeting_date": "meeting_date", "attendees": "attendees"},
        ("Task_integrity", "submit"): {"integrity_opinion": "integrity_opinion"},
        ("Task_objection_decision", "lower"): {"award_kind": "lowered_kind"},
        # The reviewer's deed summary, which the 奖励决定 prints (DOMAIN.md §1.3 steps 3 and 5).
        ("Task_review", "approve"): {"deed_summary": "deed_summary"},
        ("Task_review", "classified"): {"deed_summary": "deed_summary"},
    }
    # … or checked against other cases first.
    STEPS = {
        ("Task_nominate", "submit"): _nominated,
        ("Task_review", "approve"): _review_approved,
        ("Task_review", "classified"): _review_classified,
    }

    def closed(self, instance):
        nomination = Nomination.objects.filter(instance=instance).first()
        if nomination is None:
            return
        nomination.is_open = False
        if instance.outcome != AWARDED_END:
            nomination.quota_counted = False  # ended without an award: the place is free again
        nomination.save(update_fields=["is_open", "quota_counted"])

    @staticmethod
    def _apply(nomination, values, lenient=False):
        for name, value in values.items():
            if name in ("period_from", "period_to"):
                try:
                    value = _date(value)
                except ValueError:
                    if not lenient:
                        raise
                    value = None
            elif name == "posthumous":
                value = value in (True, "true", "True", "on", "1", 1)
            elif value is None:
                value = ""
            setattr(nomination, name, value)

    @staticmethod
    def _collective(unit, data):
        """The collective the nomination names (DOMAIN.md §1.1): a unit of the nominating unit's, or
        a task team it formed, with its members. One record per unit and per team name, so that one
        deed, one reward (§1.4) is judged across the collective's cases."""
        if data.get("collective_kind") == CollectiveKind.UNIT:
            rewarded = Unit.objects.get(pk=data["collective_unit"])
            collective, _created = Collective.objects.get_or_create(
                kind=CollectiveKind.UNIT, unit=rewarded, defaults={"name": rewarded.name}
            )
            return collective
        collective, _created = Collective.objects.get_or_create(kind=CollectiveKind.TEAM, unit=unit, name=data["collective_name"])
        collective.members.set(data["members"])
        return collective

    @staticmethod
    def _open_duplicate(nomination):
        if not nomination.deed_reference or nomination.nominee is None:
            return None
        same = {"collective_id": nomination.collective_id} if nomination.is_collective else {"cadre_id": nomination.cadre_id}
        return (
            Nomination.objects.filter(**same, deed_reference=nomination.deed_reference, is_open=True)
            .exclude(pk=nomination.pk)
            .select_related("instance")
            .first()
        )

    def _duplicate_message(self, nomination):
        other = self._open_duplicate(nomination)
        message = (
            _("%(name)s的事迹“%(ref)s”已有在办的推荐 %(key)s，不能重复推荐")
            if nomination.is_collective
            else _("%(name)s同志的事迹“%(ref)s”已有在办的推荐 %(key)s，不能重复推荐")
        )
        return message % {
            "name": nomination.nominee.name,
            "ref": nomination.deed_reference,
            "key": other.instance.business_key if other else "—",
        }

    def _refuse_duplicate(self, nomination):
        if self._open_duplicate(nomination) is not None:
            raise FormInvalid({"deed_reference": [self._duplicate_message(nomination)]})


def revocation_starters(unit):
    """Besides the nominating unit's nominator, the approving authorities above ``unit`` may start a
    revocation for a cadre of it (DOMAIN.md §1.4 "applied for by the original nominating body or done
    by the approver"): the approver of each unit on the path to the root, and the reviewer of it and
    of its organisation department. (role, unit) pairs; the award chosen must be one that authority
    approved (``authority_may_revoke``)."""
    from permissions import routing

    pairs = []
    for above in unit.ancestors(include_self=True):
        pairs += [("approver", above), ("reviewer", above)]
        if above.kind in routing.committee_kinds():
            review = routing.bodies(above)["review_unit_id"]
            if review != above.pk:
                pairs.append(("reviewer", Unit.objects.get(pk=review)))
    return pairs


def revocation_task_binding(instance, bpmn_id, role, unit_id):
    """The application of a revocation the approving authority started is its own step (§1.4): the
    diagram's nominator lane stands for whoever started it."""
    if bpmn_id != "Task_apply":
        return role, unit_id
    request = RevocationRequest.objects.filter(instance=instance).only("applied_by_role", "applied_by_unit").first()
    if request is not None and request.applied_by_role and request.applied_by_unit_id:
        return request.applied_by_role, request.applied_by_unit_id
    return role, unit_id


def authority_may_revoke(request, award):
    """An authority-started revocation may name only an award that authority approved: the award's
    approving unit, or a unit of the same area (its organisation department), DOMAIN.md §1.4."""
    from permissions import routing

    if not request.applied_by_unit_id:
        return True
    if award.approving_unit_id is None:
        return False
    applied_by = request.applied_by_unit
    return award.approving_unit_id == applied_by.pk or routing.area_of(award.approving_unit) == routing.area_of(applied_by)


class RevocationRecord(CaseRecord):
    model = RevocationRequest

    def started(self, instance, data, *, user):
        from permissions import policy

        request = RevocationRequest(instance=instance)
        unit = instance.nominating_unit
        if not policy.holds_role(user, "nominator", unit):
            # Started by the approving authority (the service door checked one of these is held).
            role, by = next(((r, u) for r, u in revocation_starters(unit) if policy.holds_role(user, r, u)), ("", None))
            request.applied_by_role, request.applied_by_unit = role, by
        request.save()

    def step_submitted(self, instance, task, form, *, user):
        if task.bpmn_id != "Task_apply":
            return
        request = RevocationRequest.objects.get(instance=instance)  # covered by the case's row lock
        data = form.cleaned_data
        request.award_id, request.ground, request.facts = data["award_id"], data["ground"], data["facts"]

        def conflict():
            other = (
                RevocationRequest.objects.filter(award_id=request.award_id, is_open=True)
                .exclude(pk=request.pk)
                .select_related("instance")
                .first()
            )
            return _("该奖励已有在办的撤销申请 %(key)s") % {"key": other.instance.business_key if other else "—"}

        if RevocationRequest.objects.filter(award_id=request.award_id, is_open=True).exclude(pk=request.pk).exists():
            raise FormInvalid({"award_id": [conflict()]})
        from records.models import Award

        if not authority_may_revoke(request, Award.objects.select_related("approving_unit").get(pk=request.award_id)):
            raise FormInvalid({"award_id": [_("只能撤销本机关批准的奖励")]})
        _save_open(request, RevocationRequest, conflict)

    def closed(self, instance):
        RevocationRequest.objects.filter(instance=instance).update(is_open=False)
