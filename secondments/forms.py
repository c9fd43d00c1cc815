"""Task forms of the secondment round (DOMAIN.md §5, §6, §9).

Every step is an ordinary user task with a registered form, so the round appears in the generic
inbox and case pages. A form checks everything a step may refuse (deadline, unit, eligibility
through the decision table, places, recusal) before the engine sees anything.
"""

import datetime

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents.templatetags.official import cn_date
from notices.desk import minimum_notice_days
from notices.forms import VerificationForm
from notices.rules import length_refusal
from permissions import policy
from records.models import AssessmentGrade, Cadre
from workdays.calendar import CalendarYearMissing, working_period_end
from workflows import clock
from workflows.errors import OutOfScope
from workflows.forms import APPROVE, REJECT, SUBMIT, Action, TaskForm

from . import eligibility
from .models import Candidate, CandidateStatus, Invitation, Round
from .plan import PROCESS
from .widgets import CandidateTable

NONE = Action("none", gettext_lazy("本单位无合适人选"))
CONFIRM = Action("confirm", gettext_lazy("同意报送"), primary=True)
SEND_BACK = Action("send_back", gettext_lazy("退回修改"), opinion_required=True)
TERMINATE = Action("terminate", gettext_lazy("终止本轮选派"), opinion_required=True)
SELECTABLE = (CandidateStatus.CONFIRMED, CandidateStatus.SELECTED, CandidateStatus.NOT_SELECTED)


def _round(form):
    return Round.objects.filter(instance=form.instance).first() if form.instance is not None and form.instance.pk else None


def recusal_error(user, cadres):
    """DOMAIN.md §9: nobody acts on a task about themselves or a listed relative."""
    if user is None:
        return None
    related = policy.related_cadre_ids(user)
    clash = [c for c in cadres if c.pk in related]
    if not clash:
        return None
    return _("您与人选“%(names)s”存在回避关系（本人或亲属），不能办理此环节（《规则手册》第9节）") % {
        "names": "、".join(c.name for c in clash)
    }


def _deadline_passed(task_data):
    closes_at = task_data.get("nomination_closes_at")
    if not closes_at:
        return None
    moment = datetime.datetime.fromisoformat(closes_at)
    if clock.now() < moment:
        return None
    deadline = datetime.date.fromisoformat(task_data["nomination_deadline"]) if task_data.get("nomination_deadline") else None
    return _("推荐已于%(date)s24时截止，不能再报送或修改") % {"date": cn_date(deadline) if deadline else ""}


def drafting(form, field_name):
    """``services.save_draft`` (暂存) makes every field optional: a draft is checked for types and
    formats only, so a step's completeness and cross-field rules are skipped when the field that is
    otherwise required is not."""
    return not form.fields[field_name].required


def _cadre_label(cadre):
    return f"{cadre.name}（{cadre.unit_and_post}）"


class CadreIdsField(forms.MultipleChoiceField):
    """Cadre ids; the choices offer the unit's cadres, but any id is accepted here so that the form
    can say precisely why a cadre of another unit is refused."""

    def valid_value(self, value):
        return str(value).isdigit()


class NominationForm(TaskForm):
    """推荐人选 by an invited unit's nominator: its own cadres, checked at once (DOMAIN.md §5)."""

    actions = [SUBMIT, NONE]
    candidate_ids = CadreIdsField(
        label=gettext_lazy("推荐人选"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一名推荐人选；没有合适人选的，请选择“本单位无合适人选”")},
    )
    recommendation = forms.CharField(
        label=gettext_lazy("推荐理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("综合素质、工作实绩和群众公认情况（市办法第九条）"),
        error_messages={"required": gettext_lazy("请填写推荐理由")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.get_action() is NONE:
            self.fields["candidate_ids"].required = self.fields["recommendation"].required = False
        unit = self.task.unit if self.task is not None else None
        if unit is not None:
            cadres = (
                Cadre.objects.filter(unit__path__startswith=unit.path)
                .select_related("unit")
                .exclude(pk__in=policy.related_cadre_ids(self.user) if self.user else [])
                .order_by("unit__path", "name")
            )
            self.fields["candidate_ids"].choices = [(str(c.pk), _cadre_label(c)) for c in cadres]
            widget = self.fields["candidate_ids"].widget = CandidateTable(choices=self.fields["candidate_ids"].choices)
            widget.marks = lambda: self.eligibility_marks(cadres)

    def eligibility_marks(self, cadres):
        """{cadre pk: (cadre, [reasons], facts)} of the unit's cadres, as ``clean`` would judge them
        now: the round's criteria through the decision table, and a nomination by another unit."""
        round_ = _round(self)
        criteria = self.task_data.get("criteria") or (round_.criteria if round_ else {})
        if not criteria or self.instance is None:
            return {}
        found = {
            pk: (cadre, [f["reason"] for f in failed], facts)
            for pk, (cadre, failed, facts) in eligibility.marks(self.instance.definition, cadres.defer("photo"), criteria).items()
        }
        if round_ is not None:
            elsewhere = (
                Candidate.objects.filter(round=round_, cadre_id__in=list(found))
                .exclude(invitation__unit=self.task.unit)
                .select_related("invitation__unit")
            )
            for other in elsewhere:
                found[other.cadre_id][1].append(_("已由“%(unit)s”推荐") % {"unit": other.invitation.unit.name})
        return found

    def clean_candidate_ids(self):
        if self.get_action() is NONE:
            return []
        return list(dict.fromkeys(int(v) for v in self.cleaned_data.get("candidate_ids") or []))

    def clean(self):
        cleaned = super().clean()
        late = _deadline_passed(self.task_data)
        if late:
            raise forms.ValidationError(late, code="deadline_passed")
        if self.get_action() is NONE or not cleaned.get("candidate_ids"):
            return cleaned
        unit = self.task.unit
        cadres = {c.pk: c for c in Cadre.objects.filter(pk__in=cleaned["candidate_ids"]).select_related("unit")}
        errors = []
        for cadre_id in cleaned["candidate_ids"]:
            cadre = cadres.get(cadre_id)
            if cadre is None or not cadre.unit.is_within(unit):
                # Another unit's cadre is answered like one that does not exist: 404, no name (issue 12).
                raise OutOfScope(_("找不到编号为%(id)s的干部，或不是本单位的干部") % {"id": cadre_id})
        refusal = recusal_error(self.user, cadres.values())
        if refusal:
            errors.append(refusal)
        round_ = _round(self)
        if round_ is not None and not errors:
            elsewhere = (
                Candidate.objects.filter(round=round_, cadre_id__in=cadres)
                .exclude(invitation__unit=unit)
                .select_related("cadre", "invitation__unit")
            )
            for other in elsewhere:
                errors.append(_("“%(name)s”已由“%(unit)s”推荐") % {"name": other.cadre.name, "unit": other.invitation.unit.name})
        if not errors and not drafting(self, "candidate_ids"):
            criteria = self.task_data.get("criteria") or (round_.criteria if round_ else {})
            for cadre_id in cleaned["candidate_ids"]:
                failed = eligibility.check(self.instance.definition, cadres[cadre_id], criteria)
                if failed:
                    errors.append(
                        _("“%(name)s”不符合本轮选派条件：%(reasons)s")
                        % {"name": cadres[cadre_id].name, "reasons": "；".join(f["reason"] for f in failed)}
                    )
        for error in errors:
            self.add_error("candidate_ids", error)
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        payload["candidate_ids"] = [int(v) for v in payload.get("candidate_ids") or []]
        return payload


class UnitConfirmationForm(TaskForm):
    """单位党组织确认: the leadership's collective decision to report the nominees (DOMAIN.md §1.3 step 1
    applied to rounds; issue 7 step 3), or a return to the nominator for changes."""

    actions = [CONFIRM, SEND_BACK]
    nominees = forms.CharField(label=gettext_lazy("拟报送人选"), required=False, disabled=True, widget=forms.Textarea(attrs={"rows": 3}))
    meeting_date = forms.DateField(
        label=gettext_lazy("会议日期"), error_messages={"required": gettext_lazy("请填写研究推荐人选的会议日期")}
    )
    attendees = forms.CharField(
        label=gettext_lazy("参会人员"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("请填写参会人员")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.get_action() is not CONFIRM:
            self.fields["meeting_date"].required = self.fields["attendees"].required = False
        self.proposed = []
        round_ = _round(self)
        if round_ is not None and self.task is not None:
            self.proposed = list(
                Candidate.objects.filter(round=round_, invitation__unit=self.task.unit, status=CandidateStatus.PROPOSED).select_related(
                    "cadre__unit"
                )
            )
        self.fields["nominees"].initial = "\n".join(_cadre_label(c.cadre) for c in self.proposed)

    def clean(self):
        cleaned = super().clean()
        late = _deadline_passed(self.task_data)
        if late:
            raise forms.ValidationError(late, code="deadline_passed")
        refusal = recusal_error(self.user, [c.cadre for c in self.proposed])
        if refusal:
            raise forms.ValidationError(refusal, code="recusal")
        day = cleaned.get("meeting_date")
        if day and day > clock.today():
            self.add_error("meeting_date", _("会议日期不能晚于今天"))
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        payload.pop("nominees", None)
        return payload


def _selectable(round_):
    return list(
        Candidate.objects.filter(round=round_, status__in=SELECTABLE)
        .select_related("cadre__unit", "invitation__unit", "position")
        .order_by("invitation__unit__path", "cadre__name")
    )


class SelectionForm(TaskForm):
    """研究确定人选 (issue 7 step 4): rank every eligible candidate, select up to the places and give
    each selected one a position; more than the places is refused."""

    actions = [Action("submit", gettext_lazy("提交选派方案"), primary=True), TERMINATE]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = _round(self)
        self.candidates = _selectable(self.round) if self.round is not None else []
        positions = list(self.round.positions.select_related("host_unit")) if self.round is not None else []
        self.positions = {p.code: p for p in positions}
        choices = [("", _("不选派"))] + [(p.code, f"{p.host_unit.name} {p.title}（{p.places}名）") for p in positions]
        for c in self.candidates:
            self.fields[f"rank_{c.pk}"] = forms.IntegerField(
                label=_("排序：%(label)s") % {"label": _cadre_label(c.cadre)},
                min_value=1,
                initial=c.rank,
                required=self.get_action() is not TERMINATE,
                error_messages={"required": _("请为每名人选排序")},
            )
            self.fields[f"position_{c.pk}"] = forms.ChoiceField(
                label=_("挂职岗位：%(name)s") % {"name": c.cadre.name},
                choices=choices,
                required=False,
                initial=c.position.code if c.position_id else "",
            )

    def clean(self):
        cleaned = super().clean()
        if (
            self.round is None
            or not self.candidates
            or self.get_action() is None
            or self.get_action().code != "submit"
            or drafting(self, f"rank_{self.candidates[0].pk}")
        ):
            return cleaned
        ranks = {c.pk: cleaned.get(f"rank_{c.pk}") for c in self.candidates}
        given = [r for r in ranks.values() if r is not None]
        if len(given) == len(self.candidates) and sorted(given) != list(range(1, len(given) + 1)):
            raise forms.ValidationError(_("排序应为1至%(n)s，且不能重复") % {"n": len(self.candidates)}, code="ranks")
        chosen = [(c, cleaned.get(f"position_{c.pk}")) for c in self.candidates if cleaned.get(f"position_{c.pk}")]
        if not chosen:
            raise forms.ValidationError(_("请至少选派一名人选；不选派任何人的，请选择“终止本轮选派”"), code="none_selected")
        if len(chosen) > self.round.places:
            raise forms.ValidationError(
                _("本轮选派名额为%(places)s名，已选%(n)s名，选派人数不能超过名额") % {"places": self.round.places, "n": len(chosen)},
                code="over_selection",
            )
        for code, position in self.positions.items():
            taken = [c for c, chosen_code in chosen if chosen_code == code]
            if len(taken) > position.places:
                raise forms.ValidationError(
                    _("岗位“%(position)s”名额为%(places)s名，已安排%(n)s名")
                    % {"position": f"{position.host_unit.name} {position.title}", "places": position.places, "n": len(taken)},
                    code="position_full",
                )
        refusal = recusal_error(self.user, [c.cadre for c in self.candidates])
        if refusal:
            raise forms.ValidationError(refusal, code="recusal")
        for c, _code in chosen:  # facts may have changed since the call closed
            failed = eligibility.check(self.instance.definition, c.cadre, self.round.criteria)
            if failed:
                self.add_error(
                    f"position_{c.pk}",
                    _("“%(name)s”现已不符合选派条件：%(reasons)s")
                    % {"name": c.cadre.name, "reasons": "；".join(f["reason"] for f in failed)},
                )
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        if self.get_action() is not None and self.get_action().code == "submit":
            payload["selection"] = [
                {
                    "candidate_id": c.pk,
                    "rank": self.cleaned_data.get(f"rank_{c.pk}"),
                    "position": self.cleaned_data.get(f"position_{c.pk}") or "",
                }
                for c in self.candidates
            ]
        return payload


def _selected(round_):
    return list(
        Candidate.objects.filter(round=round_, status=CandidateStatus.SELECTED)
        .select_related("cadre__unit", "position__host_unit")
        .order_by("rank")
    )


class IntegrityForm(TaskForm):
    """廉政意见 of the discipline body for each selected cadre (issue 7 step 5; DOMAIN.md §1.3 step 2)."""

    actions = [SUBMIT]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.round = _round(self)
        self.selected = _selected(self.round) if self.round is not None else []
        for c in self.selected:
            self.fields[f"integrity_{c.pk}"] = forms.ChoiceField(
                label=_("廉政意见：%(label)s") % {"label": _cadre_label(c.cadre)},
                initial="no_objection",
                choices=[("no_objection", _("无不同意见")), ("objection", _("有不同意见"))],
            )

    def clean(self):
        cleaned = super().clean()
        refusal = recusal_error(self.user, [c.cadre for c in self.selected])
        if refusal:
            raise forms.ValidationError(refusal, code="recusal")
        if self.selected and drafting(self, f"integrity_{self.selected[0].pk}"):
            return cleaned
        if any(cleaned.get(f"integrity_{c.pk}") == "objection" for c in self.selected) and not (cleaned.get("opinion") or "").strip():
            self.add_error("opinion", _("有不同意见时须说明理由"))
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        payload["integrity"] = {str(c.pk): self.cleaned_data.get(f"integrity_{c.pk}") for c in self.selected}
        return payload


class RoundPublishForm(TaskForm):
    """发布公示 of a round: one notice listing every selected cadre (DOMAIN.md §6, §7)."""

    actions = [SUBMIT]
    notice_title = forms.CharField(
        label=gettext_lazy("公示标题"), max_length=200, required=False, help_text=gettext_lazy("留空则为“关于拟选派挂职锻炼干部人选的公示”")
    )
    notice_start = forms.DateField(label=gettext_lazy("公示开始日期"))
    # The length in force comes from the administrator's table (notices.rules), checked in clean().
    notice_days = forms.IntegerField(label=gettext_lazy("公示期（工作日）"), min_value=1, max_value=366)
    notice_contact = forms.CharField(
        label=gettext_lazy("受理异议的方式"), max_length=300, help_text=gettext_lazy("电话、地址或邮箱，将印在公示上")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.minimum = minimum_notice_days(PROCESS)
        self.fields["notice_days"].initial = self.minimum
        self.fields["notice_days"].help_text = _("不少于%(n)s个工作日") % {"n": self.minimum}
        self.fields["notice_start"].initial = clock.today()

    def clean(self):
        cleaned = super().clean()
        if drafting(self, "notice_start"):
            return cleaned
        days, start = cleaned.get("notice_days"), cleaned.get("notice_start")
        refusal = length_refusal(PROCESS, days, start) if days is not None else None
        if refusal:
            self.add_error("notice_days", refusal)
        if start is not None:
            if start < clock.today():
                self.add_error("notice_start", _("公示开始日期不能早于今天"))
            elif days:
                try:
                    working_period_end(start, days)
                except CalendarYearMissing as exc:
                    self.add_error("notice_start", str(exc))
        if not (cleaned.get("notice_contact") or "").strip():
            self.add_error("notice_contact", _("请填写受理异议的方式（电话、地址等）"))
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        payload["notice_published_by"] = self.user.pk if self.user is not None else None
        return payload


class RoundVerificationForm(VerificationForm):
    """异议核查 (DOMAIN.md §6): as for any notice, plus which selected cadre the objection concerns."""

    objection_candidate_id = forms.TypedChoiceField(label=gettext_lazy("异议涉及的人选"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        round_ = _round(self)
        self.selected = _selected(round_) if round_ is not None else []
        self.fields["objection_candidate_id"].choices = [(c.pk, _cadre_label(c.cadre)) for c in self.selected]

    def clean(self):
        cleaned = super().clean()
        refusal = recusal_error(self.user, [c.cadre for c in self.selected])
        if refusal:
            raise forms.ValidationError(refusal, code="recusal")
        return cleaned


class ObjectionDecisionForm(TaskForm):
    """The approver's decision on an objection found (partly) true (DOMAIN.md §6)."""

    actions = [
        Action("drop", gettext_lazy("取消该同志人选，其余继续"), opinion_required=True),
        Action("continue", gettext_lazy("维持人选继续"), opinion_required=True),
        Action("terminate", gettext_lazy("终止本轮选派"), opinion_required=True),
    ]


class ApprovalForm(TaskForm):
    """审批 by the approver of the organising unit (issue 7 step 7)."""

    actions = [APPROVE, REJECT]

    def clean(self):
        cleaned = super().clean()
        round_ = _round(self)
        selected = _selected(round_) if round_ is not None else []
        refusal = recusal_error(self.user, [c.cadre for c in selected])
        if refusal:
            raise forms.ValidationError(refusal, code="recusal")
        if self.get_action() is APPROVE and not selected:
            raise forms.ValidationError(_("已无拟选派人员，只能不同意"), code="nobody_selected")
        return cleaned


class TermAssessmentForm(TaskForm):
    """挂职期满考核 by the host unit (DOMAIN.md §5): grade and comments, recorded on the cadre."""

    actions = [SUBMIT]
    term_grade = forms.ChoiceField(
        label=gettext_lazy("考核等次"),
        choices=[
            (g, AssessmentGrade(g).label)
            for g in (AssessmentGrade.EXCELLENT, AssessmentGrade.COMPETENT, AssessmentGrade.BASIC, AssessmentGrade.INCOMPETENT)
        ],
    )
    term_comments = forms.CharField(label=gettext_lazy("考核评语"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))

    def clean(self):
        cleaned = super().clean()
        secondment_id = (self.task_data.get("secondment") or {}).get("secondment_id")
        candidate = Candidate.objects.filter(secondment_id=secondment_id).select_related("cadre").first()
        refusal = recusal_error(self.user, [candidate.cadre] if candidate else [])
        if refusal:
            raise forms.ValidationError(refusal, code="recusal")
        if not drafting(self, "term_comments") and len((cleaned.get("term_comments") or "").strip()) < 10:
            self.add_error("term_comments", _("请具体填写考核评语（至少10字）"))
        return cleaned


def invitation_of(task):
    """The invitation a nomination-step task belongs to (for pages)."""
    return Invitation.objects.filter(round__instance=task.instance, unit=task.unit).first()
