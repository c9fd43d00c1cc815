"""The priority list case's record, written by the service door in the case's transaction
(DOMAIN.md §4.4; seed 004 art. 8(四))."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from permissions import policy, routing
from permissions.models import Unit, UnitKind
from records.models import Cadre
from workflows import clock
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction
from workflows.process_types import CaseRecord

from .forms import APPROVE_STEP, NOTICE_STEP, PROPOSE_STEP
from .models import ListStatus, PriorityEntry, PriorityList


def list_in_force(department_id, year):
    return PriorityList.objects.filter(department_id=department_id, year=year).exclude(status=ListStatus.WITHDRAWN).first()


class PriorityCaseRecord(CaseRecord):
    model = PriorityList

    def started(self, instance, data, *, user):
        """The department's list for the year; the integrity and approval steps go to the area's
        discipline body and party committee (the diagram's ``unit`` properties)."""
        department = instance.nominating_unit
        if department.kind != UnitKind.ORGANISATION_DEPT:
            raise InvalidAction(_("基层优先提拔名单由组织部门拟定，请选择组织部门"))
        try:
            year = int(data.get("year") or clock.today().year)
        except (TypeError, ValueError):
            raise FormInvalid({"year": [_("请填写年度")]}) from None
        area = routing.area_of(department)
        discipline = Unit.objects.filter(parent=area, kind=UnitKind.DISCIPLINE).order_by("pk").first()
        if discipline is None:
            raise InvalidAction(_("找不到%(area)s的纪检监察机关，无法征求廉政意见") % {"area": area.name})
        existing = list_in_force(department.pk, year)
        if existing is not None:
            raise FormInvalid(
                {"year": [_("%(year)d年度的名单已经拟定（%(key)s）") % {"year": year, "key": existing.instance.business_key}]}
            )
        try:
            with transaction.atomic():
                PriorityList.objects.create(instance=instance, department=department, area=area, year=year)
        except IntegrityError as exc:  # a concurrent start for the same year
            raise InvalidAction(_("本部门该年度的名单已经拟定")) from exc
        data.update(year=year, discipline_unit_id=discipline.pk, approving_unit_id=area.pk)

    def step_submitted(self, instance, task, form, *, user):
        action = form.get_action().code
        plan = PriorityList.objects.select_for_update().get(instance=instance)
        related = policy.related_cadre_ids(user)
        proposed = [row["cadre_id"] for row in form.cleaned_data.get("entries") or []] if task.bpmn_id == PROPOSE_STEP else []
        if related and (set(proposed) & related or plan.entries.filter(cadre_id__in=related).exists()):
            # DOMAIN.md §9: nobody decides about themselves or a listed relative (the list names several cadres).
            raise ActionNotAllowed(_("名单涉及您本人或亲属，请由其他人员办理"))
        if task.bpmn_id == PROPOSE_STEP and action == "submit":
            self._record_entries(plan, form.cleaned_data["entries"])
        elif task.bpmn_id == NOTICE_STEP and action == "submit":
            plan.notice_start, plan.notice_end = form.cleaned_data["notice_start"], form.cleaned_data["notice_end"]
            plan.notice_result = form.cleaned_data["notice_result"].strip()
            plan.save(update_fields=["notice_start", "notice_end", "notice_result"])
        elif task.bpmn_id == APPROVE_STEP and action == "approve":
            if not plan.entries.exists():
                raise InvalidAction(_("名单没有人选，请退回拟定"))
            plan.status, plan.approved_by, plan.approved_at = ListStatus.APPROVED, user, timezone.now()
            plan.save(update_fields=["status", "approved_by", "approved_at"])

    def _record_entries(self, plan, rows):
        """The ranked list replaces the previous draft (a list sent back is drawn up again)."""
        cadres = Cadre.objects.in_bulk([row["cadre_id"] for row in rows])
        others = PriorityEntry.objects.filter(
            list__year=plan.year, list__status=ListStatus.APPROVED, cadre_id__in=list(cadres)
        ).select_related("cadre", "list__department")
        other = others.first()
        if other is not None:
            raise FormInvalid(
                {
                    "entries": [
                        _("%(name)s同志已列入%(department)s%(year)d年度名单")
                        % {"name": other.cadre.name, "department": other.list.department.name, "year": plan.year}
                    ]
                }
            )
        plan.entries.all().delete()
        PriorityEntry.objects.bulk_create(
            [
                PriorityEntry(
                    list=plan,
                    rank=rank,
                    cadre_id=row["cadre_id"],
                    unit_id=cadres[row["cadre_id"]].unit_id,
                    post=cadres[row["cadre_id"]].current_post[:100],
                    basis=row["basis"],
                )
                for rank, row in enumerate(rows, 1)
            ]
        )

    def closed(self, instance):
        PriorityList.objects.filter(instance=instance, status=ListStatus.OPEN).update(status=ListStatus.WITHDRAWN)
