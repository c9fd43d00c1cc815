"""The rotation process's forms (DOMAIN.md §10 "Rotation"): the start (which year), the unit's
plan (each due cadre's outcome) and the organisation department's review."""

import datetime
import re

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from permissions import routing
from permissions.models import Unit
from workflows import clock
from workflows.forms import APPROVE, RETURN, SUBMIT, RowsField, TaskForm

from . import rules
from .models import Outcome

START_EVENT = "StartEvent_rotation"
PLAN_STEP = "Task_plan"
REVIEW_STEP = "Task_review"
SEPARATOR = re.compile(r"[｜|]")
OUTCOME_WORDS = {
    "轮岗": Outcome.ROTATED,
    "rotated": Outcome.ROTATED,
    "暂缓": Outcome.DEFERRED,
    "暂缓轮岗": Outcome.DEFERRED,
    "deferred": Outcome.DEFERRED,
}


class RotationStartForm(TaskForm):
    """开启年度轮岗计划: the organisation department opens a unit's plan for a year by hand (the
    annual opening, ``rotation.opening``, does it for every unit with due cadres)."""

    actions = [SUBMIT]
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = clock.today().year


def entry_lines(entries):
    """The plan as the text the plan field shows: one line per cadre."""
    from records.models import Cadre

    names = dict(Cadre.objects.filter(pk__in=[e.get("cadre_id") for e in entries if isinstance(e, dict)]).values_list("pk", "name"))
    units = dict(Unit.objects.filter(pk__in=[e.get("new_unit_id") for e in entries if isinstance(e, dict)]).values_list("pk", "name"))
    lines = []
    for e in entries:
        if not isinstance(e, dict):
            continue
        name = names.get(e.get("cadre_id"), "")
        if e.get("outcome") == Outcome.ROTATED:
            day = _date(e.get("rotated_on"))
            when = f"{day.year}年{day.month}月{day.day}日" if day else ""  # what the parser reads back, in every language
            lines.append(f"{name}｜轮岗｜{e.get('new_post', '')}｜{units.get(e.get('new_unit_id'), '')}｜{when}")
        elif e.get("outcome") == Outcome.DEFERRED:
            lines.append(f"{name}｜暂缓｜{e.get('reason', '')}")
        else:
            lines.append(f"{name}｜")
    return "\n".join(lines)


def plan_rows(plan, *, outcomes=False):
    """The plan's due cadres for the step pages: name, post, since, years, must (and the outcome)."""
    rows = []
    for e in plan.entries.select_related("cadre", "new_unit").order_by("post_since", "pk"):
        row = {"name": e.cadre.name, "post": e.post, "since": e.post_since, "years": e.years, "must": e.must}
        if outcomes and e.outcome:
            row["outcome"] = entries_text(
                [
                    {
                        "cadre_id": e.cadre_id,
                        "outcome": e.outcome,
                        "new_post": e.new_post,
                        "new_unit_id": e.new_unit_id,
                        "rotated_on": e.rotated_on.isoformat() if e.rotated_on else "",
                        "reason": e.reason,
                    }
                ]
            ).partition("：")[2]
        rows.append(row)
    return rows


class PlanTableWidget(forms.Widget):
    """Shows the plan's cadres; submits nothing."""

    template_name = "rotation/widgets/plan_table.html"
    plan_rows: list = []
    outcomes = False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(plan_rows=self.plan_rows, outcomes=self.outcomes)
        return context

    def value_from_datadict(self, data, files, name):
        return None


class EntriesWidget(forms.Textarea):
    template_name = "rotation/widgets/entries.html"
    plan_rows: list = []
    outcomes = False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(plan_rows=self.plan_rows, outcomes=False)
        return context

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return entry_lines(value)
        return super().format_value(value)


class EntriesField(RowsField):
    """The plan's rows: text lines ``姓名｜轮岗｜拟任岗位｜拟任单位（代码或名称，留空为本单位）｜轮岗日期``
    or ``姓名｜暂缓｜理由``, or (through the API) a JSON list of
    ``{cadre_id, outcome, new_post, new_unit, rotated_on, reason}``."""

    widget = EntriesWidget(attrs={"rows": 8})
    invalid_json = _("无法读取轮岗计划：JSON 格式有误")

    def parse_line(self, line):
        parts = [p.strip() for p in SEPARATOR.split(line)]
        row = {"cadre": parts[0], "outcome": OUTCOME_WORDS.get(parts[1], parts[1]) if len(parts) > 1 else ""}
        if row["outcome"] == Outcome.DEFERRED:
            row["reason"] = "｜".join(parts[2:])
        else:
            row.update(dict(zip(("new_post", "new_unit", "rotated_on"), parts[2:5], strict=False)))
        return row


def _date(value):
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", text)
    try:
        return datetime.date(*map(int, match.groups())) if match else datetime.date.fromisoformat(text)
    except ValueError:
        return None


class RotationPlanForm(TaskForm):
    """制定轮岗计划: for each cadre the plan lists, rotated (to which post, in which unit of the area,
    from when) or deferred (why). A cadre ≥ 10 years in the post cannot be deferred (DOMAIN.md §10)."""

    actions = [SUBMIT]
    entries = EntriesField(
        label=_("轮岗计划"),
        help_text=_("每名干部一行：“姓名｜轮岗｜拟任岗位｜拟任单位代码或名称（本单位可留空）｜轮岗日期”，或“姓名｜暂缓｜理由”"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.plan()
        if plan is not None:
            self.fields["entries"].widget.plan_rows = plan_rows(plan)
        if plan is not None and not self.is_bound:
            self.fields["entries"].initial = "\n".join(
                f"{e.cadre.name}｜" for e in plan.entries.select_related("cadre").order_by("post_since", "pk")
            )

    def plan(self):
        return _plan_of(self.instance)

    def clean_entries(self):
        rows = self.cleaned_data.get("entries") or []
        plan = self.plan()
        if plan is None:
            return rows
        entries = list(plan.entries.select_related("cadre"))
        by_id = {e.cadre_id: e for e in entries}
        by_name = {}
        for e in entries:
            by_name.setdefault(e.cadre.name, []).append(e)
        area = routing.area_of(plan.department)
        errors, seen, cleaned = [], {}, {}
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                errors.append(gettext("第%(n)d行无法读取") % {"n": number})
                continue
            entry = None
            if row.get("cadre_id") not in (None, ""):
                try:
                    entry = by_id.get(int(row["cadre_id"]))
                except (TypeError, ValueError):
                    entry = None
            else:
                named = by_name.get(str(row.get("cadre", "")).strip(), [])
                entry = named[0] if len(named) == 1 else None
            if entry is None:
                errors.append(
                    gettext("第%(n)d行：“%(who)s”不在本轮岗计划的人选中")
                    % {"n": number, "who": row.get("cadre") or row.get("cadre_id") or "—"}
                )
                continue
            name = entry.cadre.name
            if entry.cadre_id in seen:
                errors.append(gettext("%(name)s同志填写了不止一行") % {"name": name})
                continue
            seen[entry.cadre_id] = True
            outcome = OUTCOME_WORDS.get(str(row.get("outcome") or "").strip(), str(row.get("outcome") or "").strip())
            if outcome == Outcome.DEFERRED:
                reason = str(row.get("reason") or "").strip()
                if entry.must:
                    errors.append(
                        gettext("%(name)s同志自%(since)s起任现岗位已满%(years)d年，必须轮岗，不能暂缓（《规则手册》第10节）")
                        % {"name": name, "since": date_format(entry.post_since, "DATE_FORMAT"), "years": rules.MUST_YEARS}
                    )
                elif len(reason) < 4:
                    errors.append(gettext("%(name)s同志暂缓轮岗，请写明理由") % {"name": name})
                else:
                    cleaned[entry.cadre_id] = {"cadre_id": entry.cadre_id, "outcome": Outcome.DEFERRED.value, "reason": reason[:500]}
            elif outcome == Outcome.ROTATED:
                new_post = str(row.get("new_post") or "").strip()[:100]
                unit_text = str(row.get("new_unit") or row.get("new_unit_id") or "").strip()
                new_unit = plan.unit
                if unit_text:
                    found = Unit.objects.filter(path__startswith=area.path)
                    new_unit = (
                        found.filter(pk=int(unit_text)).first()
                        if unit_text.isdigit()
                        else (found.filter(code=unit_text).first() or found.filter(name=unit_text).first())
                    )
                rotated_on = _date(row.get("rotated_on"))
                if not new_post:
                    errors.append(gettext("%(name)s同志轮岗，请填写拟任岗位") % {"name": name})
                elif new_unit is None:
                    errors.append(
                        gettext("%(name)s同志的拟任单位“%(unit)s”不在%(area)s范围内") % {"name": name, "unit": unit_text, "area": area.name}
                    )
                elif rotated_on is None:
                    errors.append(gettext("%(name)s同志轮岗，请填写轮岗日期（如2027年3月15日）") % {"name": name})
                elif rotated_on <= entry.post_since:
                    errors.append(gettext("%(name)s同志的轮岗日期应晚于任现岗位时间") % {"name": name})
                elif new_post == entry.post and new_unit.pk == entry.cadre.unit_id:
                    errors.append(gettext("%(name)s同志轮岗须调整岗位，拟任岗位与现任岗位相同") % {"name": name})
                else:
                    cleaned[entry.cadre_id] = {
                        "cadre_id": entry.cadre_id,
                        "outcome": Outcome.ROTATED.value,
                        "new_post": new_post,
                        "new_unit_id": new_unit.pk,
                        "rotated_on": rotated_on.isoformat(),
                    }
            else:
                errors.append(gettext("%(name)s同志：请选择“轮岗”或“暂缓”") % {"name": name})
        missing = [e.cadre.name for e in entries if e.cadre_id not in seen]
        if missing:
            errors.append(gettext("以下干部尚未填写轮岗意见：%(names)s") % {"names": "、".join(missing)})
        if errors:
            raise forms.ValidationError(errors, code="invalid")
        return [cleaned[e.cadre_id] for e in entries if e.cadre_id in cleaned]


def _plan_of(instance):
    from .models import RotationPlan

    if instance is None or instance.pk is None:
        return None
    return RotationPlan.objects.filter(instance=instance).select_related("unit", "department").first()


class RotationReviewForm(TaskForm):
    """审核轮岗计划: the organisation department approves (the rotations are recorded, talks open) or
    returns the plan to the unit."""

    actions = [APPROVE, RETURN]
    plan_table = forms.Field(label=_("轮岗计划"), required=False, disabled=True, widget=PlanTableWidget)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = _plan_of(self.instance)
        widget = self.fields["plan_table"].widget
        widget.plan_rows, widget.outcomes = (plan_rows(plan, outcomes=True) if plan is not None else []), True

    def task_payload(self):
        payload = super().task_payload()
        payload.pop("plan_table", None)
        return payload


def entries_text(value):
    """For ``ProcessType.field_texts``: the plan's rows as a reader sees them."""
    from records.models import Cadre

    if not isinstance(value, list):
        return None
    rows = [v for v in value if isinstance(v, dict)]
    names = dict(Cadre.objects.filter(pk__in=[r.get("cadre_id") for r in rows]).values_list("pk", "name"))
    units = dict(Unit.objects.filter(pk__in=[r.get("new_unit_id") for r in rows if r.get("new_unit_id")]).values_list("pk", "name"))
    parts = []
    for r in rows:
        name = names.get(r.get("cadre_id"), "—")
        if r.get("outcome") == Outcome.ROTATED:
            day = _date(r.get("rotated_on"))
            parts.append(
                gettext("%(name)s：轮岗至%(unit)s，任%(post)s（%(date)s起）")
                % {
                    "name": name,
                    "unit": units.get(r.get("new_unit_id"), ""),
                    "post": r.get("new_post", ""),
                    "date": date_format(day, "DATE_FORMAT") if day else "—",
                }
            )
        else:
            parts.append(gettext("%(name)s：暂缓轮岗（%(reason)s）") % {"name": name, "reason": r.get("reason", "")})
    return "；".join(parts)
