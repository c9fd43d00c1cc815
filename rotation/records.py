"""The rotation case's record, written by the service door in the case's transaction
(DOMAIN.md §10 "Rotation"; seed 000 #15)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from permissions import policy
from permissions.models import Unit
from records.models import Cadre, PostHistory
from workflows import clock, signals
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.process_types import CaseRecord

from . import rules
from .forms import PLAN_STEP, REVIEW_STEP
from .models import Outcome, RotationEntry, RotationPlan
from .routing import department_for


def open_plan_of(unit_id, year):
    return RotationPlan.objects.filter(unit_id=unit_id, year=year).select_related("instance").first()


class RotationCaseRecord(CaseRecord):
    model = RotationPlan

    def started(self, instance, data, *, user):
        """The plan of the case's unit for the year: its due cadres as of the year's opening day."""
        unit = instance.nominating_unit
        try:
            year = int(data.get("year") or clock.today().year)
        except (TypeError, ValueError):
            raise FormInvalid({"year": [_("请填写年度")]}) from None
        department = department_for(unit)
        if department is None:
            raise InvalidAction(_("找不到%(unit)s所在地区的组织部门") % {"unit": unit.name})
        existing = open_plan_of(unit.pk, year)
        if existing is not None:
            raise FormInvalid(
                {
                    "year": [
                        _("%(unit)s%(year)d年度的轮岗计划已经开启（%(key)s）")
                        % {"unit": unit.name, "year": year, "key": existing.instance.business_key}
                    ]
                }
            )
        counted_on = rules.opening_date(year)
        due = list(rules.due_cadres(counted_on, unit))
        if not due:
            raise FormInvalid(
                {
                    "year": [
                        _("%(unit)s没有到%(date)s任现岗位满5年的干部") % {"unit": unit.name, "date": date_format(counted_on, "DATE_FORMAT")}
                    ]
                }
            )
        plan = RotationPlan(instance=instance, unit=unit, department=department, year=year, counted_on=counted_on)
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError as exc:  # a concurrent opening of the same plan
            raise InvalidAction(_("该单位本年度的轮岗计划已经开启")) from exc
        RotationEntry.objects.bulk_create(
            [
                RotationEntry(
                    plan=plan,
                    cadre=cadre,
                    post=cadre.current_post[:100],
                    post_since=cadre.post_since,
                    years=rules.whole_years(cadre.post_since, counted_on),
                    must=rules.must_rotate(cadre.post_since, counted_on),
                )
                for cadre in due
            ]
        )
        # The review step is bound to the department (the diagram's ``unit`` property).
        data["department_id"] = department.pk
        data["year"] = year

    def step_submitted(self, instance, task, form, *, user):
        action = form.get_action().code
        related = policy.related_cadre_ids(user)
        if related and RotationEntry.objects.filter(plan__instance=instance, cadre_id__in=related).exists():
            # DOMAIN.md §9: nobody decides about themselves or a listed relative (the plan lists several cadres).
            raise ActionNotAllowed(_("本轮岗计划涉及您本人或亲属，请由其他人员办理"))
        if task.bpmn_id == PLAN_STEP and action == "submit":
            self._record_outcomes(instance, form.cleaned_data["entries"])
        elif task.bpmn_id == REVIEW_STEP and action == "approve":
            self._apply(instance, user)

    def _record_outcomes(self, instance, rows):
        plan = RotationPlan.objects.get(instance=instance)
        by_cadre = {row["cadre_id"]: row for row in rows}
        for entry in plan.entries.all():
            row = by_cadre.get(entry.cadre_id, {})
            entry.outcome = row.get("outcome", "")
            entry.new_post = row.get("new_post", "")
            entry.new_unit_id = row.get("new_unit_id")
            entry.rotated_on = datetime.date.fromisoformat(row["rotated_on"]) if row.get("rotated_on") else None
            entry.reason = row.get("reason", "")
            entry.save(update_fields=["outcome", "new_post", "new_unit", "rotated_on", "reason"])

    def _apply(self, instance, user):
        """Approval: each rotated cadre's record takes the new post (post history, time in post, unit),
        and a talk is due for the post change (DOMAIN.md §10 "Talks", seed 004 art. 11)."""
        plan = RotationPlan.objects.select_for_update().get(instance=instance)
        entries = list(plan.entries.select_related("cadre", "new_unit"))
        for entry in entries:
            if entry.must and entry.outcome != Outcome.ROTATED:
                raise InvalidAction(_("%(name)s同志任现岗位已满10年，必须轮岗，请退回单位修改") % {"name": entry.cadre.name})
        for entry in entries:
            if entry.outcome != Outcome.ROTATED or entry.applied:
                continue
            cadre = Cadre.objects.select_for_update().get(pk=entry.cadre_id)
            day = entry.rotated_on
            for row in PostHistory.objects.filter(cadre=cadre, end__isnull=True):
                row.end = max(row.start, day - datetime.timedelta(days=1))
                row.save(update_fields=["end"])
            PostHistory.objects.create(cadre=cadre, post_unit=entry.new_unit, post=entry.new_post, start=day)
            cadre.current_post, cadre.post_since = entry.new_post, day
            if entry.new_unit_id and entry.new_unit_id != cadre.unit_id:
                cadre.unit = Unit.objects.get(pk=entry.new_unit_id)
            cadre.save(update_fields=["current_post", "post_since", "unit"])
            entry.applied = True
            entry.save(update_fields=["applied"])
            signals.cadre_event.send(
                sender=RotationPlan,
                cadre=cadre,
                reason=signals.POST_CHANGE,
                instance=instance,
                unit=plan.department,
                note=_("轮岗：%(key)s") % {"key": instance.business_key},
            )
        plan.approved_by, plan.approved_at = user, timezone.now()
        plan.save(update_fields=["approved_by", "approved_at"])

    def closed(self, instance):
        RotationPlan.objects.filter(instance=instance).update(is_open=False)
