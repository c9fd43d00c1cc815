"""The talk case's record, written by the service door in the case's transaction."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions import policy
from permissions.models import UnitKind
from records.models import Cadre
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.models import ProcessInstance
from workflows.process_types import CaseRecord

from .models import TalkReason, TalkRecord
from .routing import area_cadres_filter

TALK_STEP = "Task_talk"
TALK_FIELDS = ("talked_on", "talkers", "place", "topics", "response", "follow_up", "outcome")


def open_talk_of(cadre_id, reason):
    return TalkRecord.objects.filter(cadre_id=cadre_id, reason=reason, is_open=True).select_related("instance").first()


def duplicate_message(existing):
    return _("%(name)s同志已有同一事由的在办谈话 %(key)s") % {"name": existing.cadre.name, "key": existing.instance.business_key}


class TalkCaseRecord(CaseRecord):
    model = TalkRecord

    def started(self, instance, data, *, user):
        """The start names the cadre and the reason (the start form, or an automatic trigger)."""
        department = instance.nominating_unit
        if department.kind != UnitKind.ORGANISATION_DEPT:
            raise InvalidAction(_("谈心谈话由组织部门发起，请选择组织部门"))
        reason = data.get("reason")
        if reason not in TalkReason.values:
            raise FormInvalid({"reason": [_("请选择谈话事由")]})
        try:
            cadre = Cadre.objects.select_related("unit").get(area_cadres_filter(department), pk=int(data.get("cadre_id")))
        except (Cadre.DoesNotExist, TypeError, ValueError):
            raise FormInvalid({"cadre_id": [_("没有找到该干部，或该干部不在本部门管理范围内")]}) from None
        if cadre.pk in policy.related_cadre_ids(user):
            # DOMAIN.md §9: nobody acts on a case about themselves or a listed relative.
            raise ActionNotAllowed(_("不能为本人或亲属发起，请由其他经办人办理"))
        existing = open_talk_of(cadre.pk, reason)
        if existing is not None:
            raise FormInvalid({"reason": [duplicate_message(existing)]})
        source_id = data.get("source_id")
        record = TalkRecord(
            instance=instance,
            cadre=cadre,
            department=department,
            reason=reason,
            source_id=int(source_id) if source_id else None,
            note=(data.get("note") or "").strip()[:500],
            automatic=bool(data.get("automatic")),
        )
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError as exc:  # a concurrent start for the same cadre and reason
            raise InvalidAction(_("该干部已有同一事由的在办谈话")) from exc
        # The case is about the cadre (lists, recusal, what the subject may read), though the cadre's
        # unit is not the nominating unit: the organisation department is (``talks.routing``).
        instance.subject_cadre = cadre
        ProcessInstance.objects.filter(pk=instance.pk).update(subject_cadre=cadre)

    def step_submitted(self, instance, task, form, *, user):
        if task.bpmn_id != TALK_STEP or form.get_action().code != "submit":
            return
        values = {name: form.cleaned_data.get(name) for name in TALK_FIELDS}
        values = {name: (value if value is not None or name == "talked_on" else "") for name, value in values.items()}
        if isinstance(values["talked_on"], str):
            values["talked_on"] = datetime.date.fromisoformat(values["talked_on"])
        TalkRecord.objects.filter(instance=instance).update(**values, recorded_by=user, recorded_at=timezone.now())

    def closed(self, instance):
        TalkRecord.objects.filter(instance=instance).update(is_open=False)
