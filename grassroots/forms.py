"""The grassroots priority list's forms (DOMAIN.md §4.4; seed 004 art. 8(四)): the start (which
year), the ranked list, the discipline body's integrity opinion, the notice and the approval."""

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from permissions.models import UnitKind
from records.models import Cadre
from records.rules import promotion_bars
from workdays.calendar import CalendarYearMissing, is_working_day, working_days_between
from workflows import clock
from workflows.forms import APPROVE, RETURN, SUBMIT, RowsField, TaskForm

from . import rules

START_EVENT = "StartEvent_priority"
PROPOSE_STEP = "Task_propose"
INTEGRITY_STEP = "Task_integrity"
NOTICE_STEP = "Task_notice"
APPROVE_STEP = "Task_approve"
SEPARATOR = re.compile(r"[｜|]")
NOTICE_WORKING_DAYS = 5  # [default] as the pre-appointment notice (DOMAIN.md §4.3 step 6)


def list_of(instance):
    from .models import PriorityList

    if instance is None or instance.pk is None:
        return None
    return PriorityList.objects.filter(instance=instance).select_related("department", "area").first()


class PriorityStartForm(TaskForm):
    """拟定年度名单: the organisation department opens the year's list."""

    actions = [SUBMIT]
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    @classmethod
    def preferred_unit(cls, units):
        """The start page opens at the user's organisation department, the unit that draws up the list."""
        return units.filter(kind=UnitKind.ORGANISATION_DEPT).order_by("path").first()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.today().year


class CandidatesWidget(forms.Textarea):
    """The ranked lines, with the table of who may be ranked beside them."""

    template_name = "grassroots/widgets/entries.html"
    candidate_rows: list = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(candidate_rows=self.candidate_rows, size=rules.LIST_SIZE)
        return context

    def format_value(self, value):
        if isinstance(value, list | tuple):
            names = dict(Cadre.objects.filter(pk__in=[v.get("cadre_id") for v in value if isinstance(v, dict)]).values_list("pk", "name"))
            return "\n".join(f"{names.get(v.get('cadre_id'), '')}｜{v.get('basis', '')}" for v in value if isinstance(v, dict))
        return super().format_value(value)


class EntriesField(RowsField):
    """The ranked list, best first: text lines ``姓名（或身份证号）｜综合评定依据``, or (through the
    API) a JSON list of ``{cadre_id, basis}``."""

    widget = CandidatesWidget(attrs={"rows": 10})
    invalid_json = _("无法读取名单：JSON 格式有误")

    def parse_line(self, line):
        parts = [part.strip() for part in SEPARATOR.split(line, maxsplit=1)]
        return {"cadre": parts[0], "basis": parts[1] if len(parts) > 1 else ""}


class ProposeForm(TaskForm):
    """拟定名单: up to ten township principals and county department heads of the area, ranked,
    each with the grounds (the annual target, party-building and key-work assessments)."""

    actions = [SUBMIT]
    entries = EntriesField(
        label=_("优先提拔人选（按排序）"),
        help_text=_("每人一行，按排序先后：“姓名或身份证号｜综合评定依据”，不超过10人（市办法第八条第四项）"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = list_of(self.instance)
        if self.plan is not None:
            self.fields["entries"].widget.candidate_rows = candidate_rows(self.plan)
            if not self.is_bound:
                current = list(self.plan.entries.select_related("cadre").order_by("rank"))
                if current:
                    self.fields["entries"].initial = "\n".join(f"{e.cadre.name}｜{e.basis}" for e in current)

    def clean_entries(self):
        rows = self.cleaned_data.get("entries") or []
        if self.plan is None:
            return rows
        pool = {c.pk: c for c in rules.candidates(self.plan.area).prefetch_related("assessments")}
        by_name, by_number = {}, {}
        for cadre in pool.values():
            by_name.setdefault(cadre.name, []).append(cadre)
            if cadre.id_number:
                by_number[cadre.id_number] = cadre
        errors, cleaned, seen = [], [], set()
        if not rows:
            errors.append(gettext("请至少填写一名人选"))
        if len(rows) > rules.LIST_SIZE:
            errors.append(
                gettext("名单最多%(size)d人，现填写了%(count)d人（市办法第八条第四项）") % {"size": rules.LIST_SIZE, "count": len(rows)}
            )
        today = clock.today()
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                errors.append(gettext("第%(n)d行无法读取") % {"n": number})
                continue
            cadre, who = None, str(row.get("cadre") or row.get("cadre_id") or "").strip()
            if row.get("cadre_id") not in (None, ""):
                try:
                    cadre = pool.get(int(row["cadre_id"]))
                except (TypeError, ValueError):
                    cadre = None
            elif who in by_number:
                cadre = by_number[who]
            else:
                named = by_name.get(who, [])
                if len(named) > 1:
                    errors.append(
                        gettext("第%(n)d行：有%(count)d名“%(who)s”，请填写身份证号") % {"n": number, "count": len(named), "who": who}
                    )
                    continue
                cadre = named[0] if named else None
            if cadre is None:
                errors.append(
                    gettext("第%(n)d行：“%(who)s”不是%(area)s的乡镇（街道）党政正职或县直部门主要负责人")
                    % {"n": number, "who": who or "—", "area": self.plan.area.name}
                )
                continue
            if cadre.pk in seen:
                errors.append(gettext("%(name)s同志填写了不止一行") % {"name": cadre.name})
                continue
            seen.add(cadre.pk)
            barred = promotion_bars(cadre, today)
            if barred:
                errors.append(
                    gettext("%(name)s同志不能列入：%(reason)s") % {"name": cadre.name, "reason": "；".join(r for _c, r in barred)}
                )
                continue
            basis = str(row.get("basis") or "").strip()
            if len(basis) < 4:
                errors.append(gettext("请写明%(name)s同志的综合评定依据") % {"name": cadre.name})
                continue
            cleaned.append({"cadre_id": cadre.pk, "basis": basis[:500]})
        if errors:
            raise forms.ValidationError(errors, code="invalid")
        return cleaned


def candidate_rows(plan):
    """Who may be ranked, for the propose page: name, unit, post, the last two annual grades."""
    rows = []
    for cadre in rules.candidates(plan.area).prefetch_related("assessments")[:200]:
        grades = sorted(cadre.assessments.all(), key=lambda a: -a.year)[:2]
        rows.append(
            {
                "name": cadre.name,
                "unit": cadre.unit.name,
                "post": cadre.current_post,
                "grades": "，".join(f"{a.year}年{a.get_grade_display()}" for a in grades),
            }
        )
    return rows


class IntegrityForm(TaskForm):
    """廉政意见: the discipline body's opinion on the people listed; an objection sends the list back."""

    actions = [SUBMIT, RETURN]


class NoticeForm(TaskForm):
    """公示: the list was published for at least five working days [default]; its result."""

    actions = [SUBMIT, RETURN]
    notice_start = forms.DateField(label=_("公示开始日期"))
    notice_end = forms.DateField(label=_("公示结束日期"))
    notice_result = forms.CharField(
        label=_("公示结果"),
        max_length=500,
        initial=_("公示期间未收到反映"),
        help_text=_("收到反映的，写明核实情况；反映属实的请退回重新拟定"),
    )

    def clean(self):
        cleaned = super().clean()
        action = self.get_action()
        start, end = cleaned.get("notice_start"), cleaned.get("notice_end")
        if action is None or action.kind == "return" or start is None or end is None:
            return cleaned
        try:
            days = int(is_working_day(start)) + working_days_between(start, end)
        except CalendarYearMissing as exc:  # the year's holidays are not in the calendar yet: say so
            self.add_error("notice_end", str(exc))
            return cleaned
        if end < start:
            self.add_error("notice_end", gettext("公示结束日期不能早于开始日期"))
        elif days < NOTICE_WORKING_DAYS:
            self.add_error(
                "notice_end",
                gettext("公示期不少于%(min)d个工作日，现为%(days)d个工作日") % {"min": NOTICE_WORKING_DAYS, "days": days},
            )
        elif end > clock.today():
            self.add_error("notice_end", gettext("公示期尚未结束，结束后再登记公示结果"))
        return cleaned


class ApproveForm(TaskForm):
    """审批: the party committee approves the list (it takes effect) or returns it."""

    actions = [APPROVE, RETURN]


def entries_text(value):
    """For ``ProcessType.field_texts``: the list as a reader sees it."""
    if not isinstance(value, list):
        return None
    rows = [v for v in value if isinstance(v, dict)]
    names = dict(Cadre.objects.filter(pk__in=[r.get("cadre_id") for r in rows]).values_list("pk", "name"))
    return "；".join(f"{n}. {names.get(r.get('cadre_id'), '—')}（{r.get('basis', '')}）" for n, r in enumerate(rows, 1))
