"""Opening a round: the plan form and ``open_round`` (DOMAIN.md §5: every parameter of a round is
a plan parameter [default], set when the organisation department opens it).

The plan is the start data of the case: a round has no subject cadre and its first step is the
units' nominations, so the plan is validated here before ``workflows.services.start_process``.
"""

import datetime
import json
import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook
from permissions.models import Unit, UnitKind
from permissions.routing import area_of
from records.models import AssessmentGrade, RankLevel
from workdays.calendar import SHANGHAI
from workflows import clock, services
from workflows.errors import FormInvalid
from workflows.forms import SUBMIT, TaskForm

from .eligibility import DEFAULT_AGE_LIMITS, ROUND_LEVELS, build_criteria, rank_index
from .widgets import PositionsTable

PROCESS = "secondment_selection"
START_EVENT = "StartEvent_plan"
TERM_MONTHS = (12, 24)  # 1–2 years (DOMAIN.md §5 [practice]): the default of the rule parameter


def _month_range(candidate):
    if len(candidate) != 2 or not all(isinstance(n, int) for n in candidate) or not 1 <= candidate[0] <= candidate[1] <= 60:
        return _("应为[最短月数, 最长月数]，在1至60之间")
    return None


def _age_limits(candidate):
    if set(candidate) - set(ROUND_LEVELS) or any(not isinstance(v, int) or not 18 <= v <= 65 for v in candidate.values()):
        return _("应为{职级层次代码: 年龄上限}，年龄在18至65之间")
    return None


def _years(candidate):
    return None if 0 <= candidate <= 40 else _("应在0至40之间")


# DOMAIN.md §5: "All of these are plan parameters [default]": the values a new plan starts from.
TERM = rulebook.declare(
    "secondments.term_months",
    label=gettext_lazy("挂职期限范围（月）"),
    default=list(TERM_MONTHS),
    source="DOMAIN.md §5 [practice]",
    check=_month_range,
)
AGE_LIMITS = rulebook.declare(
    "secondments.age_limits",
    label=gettext_lazy("选派计划默认年龄上限（按职级层次）"),
    default={str(level): age for level, age in DEFAULT_AGE_LIMITS.items()},
    source="DOMAIN.md §5 [default]",
    check=_age_limits,
)
WORK_YEARS = rulebook.declare(
    "secondments.min_work_years",
    label=gettext_lazy("选派计划默认参加工作年限（年）"),
    default=3,
    source="DOMAIN.md §5 [default]",
    check=_years,
)
MAX_PLACES = 50
REQUIREMENTS_MAX = 200  # secondments.models.Position.requirements
_SEPARATORS = re.compile(r"\s*[|｜\t]\s*")


class PositionsField(forms.JSONField):
    """挂职单位和岗位: a list of {"host_unit", "title", "places"[, "requirements"]} (JSON, from the API),
    or text with one position per line — ``单位代码或名称｜岗位｜名额[｜岗位要求]``; on a page, the rows of a table
    (``secondments.widgets.PositionsTable``), with pasted lines after them."""

    widget = PositionsTable

    def to_python(self, value):
        if isinstance(value, dict) and set(value) == {"rows", "text"}:  # table rows and pasted lines
            pasted = self.to_python(value["text"])
            return list(value["rows"]) + (pasted if isinstance(pasted, list) else [pasted] if pasted is not None else [])
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return [_line(line) for line in text.splitlines() if line.strip()]
        return value

    def bound_data(self, data, initial):
        return data

    def prepare_value(self, value):
        return value  # the table widget reads the list (or the text) itself


def _line(line):
    parts = _SEPARATORS.split(line.strip())
    post = {"host_unit": parts[0], "title": parts[1] if len(parts) > 1 else "", "places": parts[2] if len(parts) > 2 else 1}
    if len(parts) > 3:
        post["requirements"] = "｜".join(parts[3:])
    return post


def _position(i, item):
    """One post of the plan: ((unit, title, places, requirements), None), or (None, the translated error)."""
    if not isinstance(item, dict):
        return None, _("第%(n)s个岗位格式不正确") % {"n": i}
    ref = item.get("host_unit_id") or item.get("host_unit")
    if ref in (None, ""):
        return None, _("第%(n)s个岗位：请填写挂职单位（单位代码或名称）") % {"n": i}
    unit = _find_unit(ref)
    if unit is None:
        return None, _("第%(n)s个岗位：找不到挂职单位“%(ref)s”") % {"n": i, "ref": ref}
    title = str(item.get("title") or "").strip()
    if not title or len(title) > 100:
        return None, _("第%(n)s个岗位：请填写岗位名称（不超过100字）") % {"n": i}
    try:
        places = int(item.get("places") or 1)
    except (TypeError, ValueError):
        places = 0
    if not 1 <= places <= MAX_PLACES:
        return None, _("第%(n)s个岗位：名额应为1至%(max)s") % {"n": i, "max": MAX_PLACES}
    requirements = str(item.get("requirements") or "").strip()
    if len(requirements) > REQUIREMENTS_MAX:
        return None, _("第%(n)s个岗位：岗位要求不能超过%(max)s字") % {"n": i, "max": REQUIREMENTS_MAX}
    return (unit, title, places, requirements), None


def _find_unit(ref):
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return Unit.objects.filter(pk=int(ref)).first()
    ref = str(ref or "").strip()
    return Unit.objects.filter(Q(code=ref) | Q(name=ref)).order_by("pk").first() if ref else None


def invitable_units(organiser):
    """Units an organisation department may invite: every unit of its area except itself."""
    return area_of(organiser).descendants().exclude(pk=organiser.pk).order_by("path")


LEVEL_CHOICES = [(level, RankLevel(level).label) for level in ROUND_LEVELS]


class PlanForm(TaskForm):
    """The plan of a round: positions, places, term, deadline, invited units, criteria, notice."""

    actions = [SUBMIT]
    round_title = forms.CharField(label=gettext_lazy("选派计划名称"), max_length=100)
    positions = PositionsField(
        label=gettext_lazy("挂职单位和岗位"),
        help_text=gettext_lazy("每行一个岗位：单位代码或名称｜岗位名称｜名额"),
        error_messages={"required": gettext_lazy("请至少填写一个挂职岗位")},
    )
    places = forms.IntegerField(label=gettext_lazy("选派名额"), min_value=1, max_value=MAX_PLACES)
    term_months = forms.IntegerField(label=gettext_lazy("挂职期限（月）"), min_value=1, max_value=60)
    term_start = forms.DateField(label=gettext_lazy("挂职开始日期"))
    nomination_deadline = forms.DateField(label=gettext_lazy("推荐截止日期"), help_text=gettext_lazy("当日24时截止"))
    # data-unit-dependent: the choices follow the organising unit (plan.js replaces them on a switch).
    invited_unit_ids = forms.MultipleChoiceField(
        label=gettext_lazy("推荐单位"), choices=(), widget=forms.CheckboxSelectMultiple(attrs={"data-unit-dependent": ""})
    )
    notice_required = forms.BooleanField(label=gettext_lazy("选派前公示"), required=False, initial=True)
    rank_min = forms.ChoiceField(label=gettext_lazy("职级范围（自）"), choices=LEVEL_CHOICES, initial=RankLevel.NONE)
    rank_max = forms.ChoiceField(label=gettext_lazy("职级范围（至）"), choices=LEVEL_CHOICES, initial=RankLevel.COUNTY_PRINCIPAL)
    min_work_years = forms.IntegerField(label=gettext_lazy("参加工作年限不少于（年）"), min_value=0, max_value=40)
    min_grade = forms.ChoiceField(
        label=gettext_lazy("最近一次年度考核不低于"),
        initial=AssessmentGrade.COMPETENT,
        choices=[
            (AssessmentGrade.COMPETENT, AssessmentGrade.COMPETENT.label),
            (AssessmentGrade.EXCELLENT, AssessmentGrade.EXCELLENT.label),
        ],
    )

    @classmethod
    def preferred_unit(cls, units):
        """The unit a new plan starts at (the start page's default): among the units the user may
        open a round for, their organisation department — only it may open one (DOMAIN.md §5)."""
        return units.filter(kind=UnitKind.ORGANISATION_DEPT).order_by("path").first()

    def __init__(self, *args, organiser=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organiser = organiser or (self.instance.nominating_unit if self.instance is not None else None)
        units = invitable_units(self.organiser) if self.organiser is not None else Unit.objects.none()
        self.fields["invited_unit_ids"].choices = [(str(u.pk), u.name) for u in units]
        shortest, longest = rulebook.value(TERM.key)
        self.fields["term_months"].initial = shortest
        self.fields["term_months"].help_text = _("%(low)s至%(high)s个月") % {"low": shortest, "high": longest}
        self.fields["min_work_years"].initial = rulebook.value(WORK_YEARS.key)
        default_ages = rulebook.value(AGE_LIMITS.key)
        for level in ROUND_LEVELS:
            self.fields[f"age_limit_{level}"] = forms.IntegerField(
                label=_("年龄上限：%(level)s") % {"level": RankLevel(level).label},
                required=False,
                min_value=18,
                max_value=65,
                initial=default_ages.get(str(level)),
                help_text=_("周岁，留空为不限"),
            )

    def clean_positions(self):
        raw = self.cleaned_data.get("positions")
        if not isinstance(raw, list) or not raw:
            raise forms.ValidationError(_("请至少填写一个挂职岗位"))
        if len(raw) > MAX_PLACES:
            raise forms.ValidationError(_("挂职岗位不能超过%(max)s个") % {"max": MAX_PLACES})
        positions, errors = [], {}
        for i, item in enumerate(raw, 1):
            found, error = _position(i, item)
            if error:
                errors[i] = error
                continue
            unit, title, places, requirements = found
            position = {
                "code": f"P{i}",
                "host_unit_id": unit.pk,
                "host_unit_code": unit.code,
                "host_unit_name": unit.name,
                "title": title,
                "places": places,
            }
            if requirements:  # optional: a plan without any keeps the start data it always had
                position["requirements"] = requirements
            positions.append(position)
        if errors:
            # Every faulty row is named at once, and marked in the table.
            self.fields["positions"].widget.row_errors = errors
            raise forms.ValidationError(list(errors.values()))
        return positions

    def clean_nomination_deadline(self):
        day = self.cleaned_data["nomination_deadline"]
        if day < clock.today():
            raise forms.ValidationError(_("推荐截止日期不能早于今天"))
        return day

    def clean_invited_unit_ids(self):
        # The choices are the units of the organiser's area: any other unit is refused by the field.
        return list(dict.fromkeys(int(pk) for pk in self.cleaned_data["invited_unit_ids"]))

    def clean(self):
        cleaned = super().clean()
        if self.organiser is not None and self.organiser.kind != UnitKind.ORGANISATION_DEPT:
            raise forms.ValidationError(
                _("挂职选派计划由组织部门开启，“%(unit)s”不是组织部门") % {"unit": self.organiser.name}, code="not_organisation_dept"
            )
        positions, places = cleaned.get("positions"), cleaned.get("places")
        if positions and places and sum(p["places"] for p in positions) < places:
            self.add_error(
                "places",
                _("选派名额（%(places)s名）多于各岗位名额之和（%(total)s名）")
                % {"places": places, "total": sum(p["places"] for p in positions)},
            )
        shortest, longest = rulebook.value(TERM.key)
        term = cleaned.get("term_months")
        if term is not None and not shortest <= term <= longest:
            self.add_error("term_months", _("挂职期限应为%(low)s至%(high)s个月") % {"low": shortest, "high": longest})
        deadline, start = cleaned.get("nomination_deadline"), cleaned.get("term_start")
        if deadline and start and start <= deadline:
            self.add_error("term_start", _("挂职开始日期应在推荐截止日期之后"))
        low, high = cleaned.get("rank_min"), cleaned.get("rank_max")
        if low and high and rank_index(low) > rank_index(high):
            self.add_error("rank_max", _("职级范围的上限不能低于下限"))
        return cleaned

    def start_data(self):
        """The case's start data: the plan as the diagram and the services read it."""
        c = self.cleaned_data
        deadline = c["nomination_deadline"]
        closes_at = datetime.datetime.combine(deadline + datetime.timedelta(days=1), datetime.time(0, 0), tzinfo=SHANGHAI)
        return {
            "round_title": c["round_title"].strip(),
            "positions": c["positions"],
            "places": c["places"],
            "term_months": c["term_months"],
            "term_start": c["term_start"].isoformat(),
            "nomination_deadline": deadline.isoformat(),
            "nomination_closes_at": closes_at.isoformat(),
            "invited_unit_ids": c["invited_unit_ids"],
            "notice_required": bool(c["notice_required"]),
            "criteria": build_criteria(
                age_limits={level: c.get(f"age_limit_{level}") for level in ROUND_LEVELS},
                rank_min=c["rank_min"],
                rank_max=c["rank_max"],
                min_work_years=c["min_work_years"],
                min_grade=c["min_grade"],
                age_as_of=deadline,
            ),
        }


# A page that starts a process can find the form of its start event here (the plan is start data).


def open_round(user, organiser, data, *, opinion=""):
    """Validate the plan and start the round; the invited units get the call at once."""
    form = PlanForm({**(data or {}), "opinion": opinion}, organiser=organiser, user=user)
    if not form.is_valid():
        raise FormInvalid({field: [str(m) for m in messages] for field, messages in form.errors.items()})
    return services.start_process(user, PROCESS, unit=organiser, data=form.start_data())
