"""Task forms of the merit-citation process (DOMAIN.md §1, §6, §9)."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

import rulebook
from permissions.models import Unit
from records.models import AWARD_ORDER, Award, AwardKind, Cadre, CollectiveKind
from workflows import clock
from workflows.forms import APPROVE, REJECT, RETURN, SUBMIT, Action, TaskForm

PROCESS = "merit_citation"
DEEDS_MAX = 2000
DEED_SUMMARY_MIN, DEED_SUMMARY_MAX = 20, 300
CANCEL = Action("cancel", _("撤销推荐"), opinion_required=True)
# Individual awards of every kind of DOMAIN.md §1.1: the four merit levels and 授予称号 (routed to
# the province by the approval-authority table, §1.2).
NOMINABLE_KINDS = [
    (k, AwardKind(k).label) for k in (AwardKind.COMMENDATION, AwardKind.MERIT_3, AwardKind.MERIT_2, AwardKind.MERIT_1, AwardKind.TITLE)
]


def _kinds(candidate):
    if not candidate or any(kind not in AwardKind.values for kind in candidate):
        return _("应为奖励种类代码的列表：%(kinds)s") % {"kinds": "、".join(AwardKind.values)}
    return None


NOMINABLE = rulebook.declare(
    "awards.nominable_kinds",
    label=gettext_lazy("可推荐的奖励种类"),
    default=[code for code, _label in NOMINABLE_KINDS],
    source="DOMAIN.md §1.1 [law] (公务员法 art. 53)",
    check=_kinds,
)


def nominable_kinds():
    """The kinds a nomination may propose today (a rule parameter), in the order of DOMAIN.md §1.1."""
    allowed = set(rulebook.value(NOMINABLE.key))
    return [(code, label) for code, label in NOMINABLE_KINDS if code in allowed]


class NominationForm(TaskForm):
    actions = [SUBMIT, CANCEL]
    award_kind = forms.ChoiceField(label=_("拟奖励等次"), choices=NOMINABLE_KINDS, widget=forms.RadioSelect)
    title_name = forms.CharField(
        label=_("称号名称"), max_length=100, required=False, help_text=_("授予称号时填写，如“人民满意的公务员”（不含书名号）")
    )
    posthumous = forms.BooleanField(label=_("追授"), required=False, help_text=_("被推荐人已去世，追授（追记）奖励"))
    deeds = forms.CharField(
        label=_("主要事迹"),
        max_length=DEEDS_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=format_lazy(_("不超过{n}字"), n=DEEDS_MAX),
    )
    period_from = forms.DateField(label=_("事迹起始日期"))
    period_to = forms.DateField(label=_("事迹截止日期"))
    deed_reference = forms.CharField(label=_("事迹编号"), max_length=100, required=False, help_text=_("同一事迹的编号，用于防止重复奖励"))
    attachments = forms.JSONField(label=_("附件"), required=False, widget=forms.HiddenInput)
    # A collective nomination (a case started without a subject cadre) names the collective here
    # (DOMAIN.md §1.1 "a unit, or a task team"; 公务员奖励规定 art. 2); a cadre's nomination has none of these.
    collective_kind = forms.ChoiceField(label=_("集体类型"), choices=CollectiveKind.choices, widget=forms.RadioSelect)
    collective_unit = forms.TypedChoiceField(
        label=_("受奖励的机构"), coerce=int, required=False, help_text=_("集体类型为“按编制序列设置的机构”时选择")
    )
    collective_name = forms.CharField(
        label=_("专项工作集体名称"),
        max_length=100,
        required=False,
        help_text=_("为完成专项任务组成的工作集体填写，如“鲁山县2026年防汛抢险工作专班”"),
    )
    members = forms.TypedMultipleChoiceField(
        label=_("集体成员"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("专项工作集体须选择至少两名成员"),
    )

    COLLECTIVE_FIELDS = ("collective_kind", "collective_unit", "collective_name", "members")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["award_kind"].choices = nominable_kinds()
        self.collective = self.instance is not None and self.instance.subject_cadre_id is None
        if self.collective:
            del self.fields["posthumous"]  # a collective is not rewarded posthumously
            unit = self.instance.nominating_unit
            self.fields["collective_unit"].choices = [
                (u.pk, u.name) for u in Unit.objects.filter(path__startswith=unit.path).order_by("path")
            ]
            self.fields["members"].choices = [
                (c.pk, f"{c.name}（{c.unit_and_post}）")
                for c in Cadre.objects.filter(unit__path__startswith=unit.path).select_related("unit").order_by("unit__path", "name")
            ]
            self.order_fields(self.COLLECTIVE_FIELDS)  # whom the nomination is for comes first
        else:
            for name in self.COLLECTIVE_FIELDS:
                del self.fields[name]
        if self.get_action() is CANCEL:
            for name in ("award_kind", "deeds", "period_from", "period_to", "collective_kind"):
                if name in self.fields:
                    self.fields[name].required = False

    def clean_attachments(self):
        ids = self.cleaned_data.get("attachments") or []
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise forms.ValidationError(_("附件格式不正确"))
        if ids and self.instance is not None:
            from workflows.models import Attachment

            if Attachment.objects.filter(pk__in=ids, instance=self.instance).count() != len(set(ids)):
                raise forms.ValidationError(_("附件不属于本案件"))
        return ids

    def clean_deeds(self):
        deeds = (self.cleaned_data.get("deeds") or "").strip()
        if self.get_action() is not CANCEL and len(deeds) < 20:
            raise forms.ValidationError(_("请具体填写主要事迹（至少20字）"))
        return deeds

    def clean_title_name(self):
        return (self.cleaned_data.get("title_name") or "").strip().strip('“”"「」')

    def clean(self):
        cleaned = super().clean()
        # DOMAIN.md §1.1: 授予称号 names the title (e.g. 人民满意的公务员); other kinds carry none.
        if cleaned.get("award_kind") == AwardKind.TITLE:
            if not cleaned.get("title_name") and self.get_action() is not CANCEL:
                self.add_error("title_name", _("授予称号须填写称号名称"))
        elif "title_name" in cleaned:
            cleaned["title_name"] = ""
        if self.collective and self.get_action() is not CANCEL:
            self._clean_collective(cleaned)
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("截止日期不能早于起始日期"))
        if end and end > clock.today():
            self.add_error("period_to", _("事迹截止日期不能晚于今天"))
        return cleaned

    def _clean_collective(self, cleaned):
        """A unit names itself (one of the nominating unit's, or the unit itself); a task team names
        itself and at least two members; nobody nominates a team they or a listed relative belong
        to (recusal, DOMAIN.md §9)."""
        kind = cleaned.get("collective_kind")
        if kind == CollectiveKind.UNIT:
            if not cleaned.get("collective_unit"):
                self.add_error("collective_unit", _("请选择受奖励的机构"))
            cleaned["collective_name"], cleaned["members"] = "", []
        elif kind == CollectiveKind.TEAM:
            cleaned["collective_name"] = (cleaned.get("collective_name") or "").strip()
            if not cleaned["collective_name"]:
                self.add_error("collective_name", _("请填写专项工作集体名称"))
            members = sorted(set(cleaned.get("members") or []))
            cleaned["members"], cleaned["collective_unit"] = members, None
            if len(members) < 2:
                self.add_error("members", _("专项工作集体须选择至少两名成员"))
            elif self.user is not None:
                from permissions import policy

                if set(members) & set(policy.related_cadre_ids(self.user)):
                    self.add_error("members", _("您本人或亲属是该集体成员，请由其他经办人推荐"))


class UnitDecisionForm(TaskForm):
    """集体研究 (DOMAIN.md §1.3 step 1): the leadership's meeting that decided to nominate."""

    actions = [APPROVE, RETURN]
    meeting_date = forms.DateField(label=_("会议日期"))
    attendees = forms.CharField(label=_("参会人员"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_meeting_date(self):
        day = self.cleaned_data.get("meeting_date")
        if day and day > clock.today():
            raise forms.ValidationError(_("会议日期不能晚于今天"))
        return day


# 审核: a classified case goes to the approver for consent to skip the notice (DOMAIN.md §1.3 item 4).
CLASSIFIED = Action("classified", _("涉密，报请免予公示"))


class ReviewForm(TaskForm):
    """审核 (DOMAIN.md §1.3 step 3). Approving takes a place of the nominating unit's annual
    quota; the case record counts it under the quota's lock (``awards.quota.take_place``)."""

    actions = [Action("approve", _("同意公示"), primary=True), CLASSIFIED, RETURN, REJECT]
    # The 奖励决定 states the deeds in the approving authority's words, not the nominator's
    # (DOMAIN.md §1.3 steps 3 and 5): the reviewer summarises them when approving.
    deed_summary = forms.CharField(
        label=_("事迹概述"),
        max_length=DEED_SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("同意公示（或报请免予公示）时填写，20至300字，将写入奖励决定，如“该同志在……中……，作出较大贡献”"),
    )
    classified_reason = forms.CharField(
        label=_("涉密事由"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("仅在“涉密，报请免予公示”时填写，由审批机关决定是否同意"),
    )

    def clean(self):
        cleaned = super().clean()
        action = self.get_action()
        if action is CLASSIFIED and not (cleaned.get("classified_reason") or "").strip():
            self.add_error("classified_reason", _("报请免予公示须写明涉密事由"))
        summary = (cleaned.get("deed_summary") or "").strip()
        approving = action is not None and action.code in ("approve", CLASSIFIED.code)
        if approving and "deed_summary" not in self.errors and not DEED_SUMMARY_MIN <= len(summary) <= DEED_SUMMARY_MAX:
            self.add_error(
                "deed_summary",
                _("同意时须填写事迹概述（%(low)s至%(high)s字），用于奖励决定；现为%(n)s字")
                % {"low": DEED_SUMMARY_MIN, "high": DEED_SUMMARY_MAX, "n": len(summary)},
            )
        return cleaned


class NoticeWaiverForm(TaskForm):
    """The approver's consent to skip the notice of a classified case (DOMAIN.md §1.3 item 4:
    "Classified cases may skip it with the approver's consent"); refused, the case is published."""

    actions = [Action("agree", _("同意免予公示"), primary=True), Action("disagree", _("不同意，应予公示"), opinion_required=True)]


class ObjectionDecisionForm(TaskForm):
    """The approver's decision on an objection found (partly) true (DOMAIN.md §6)."""

    actions = [
        Action("lower", _("降低奖励等次"), opinion_required=True),
        Action("continue", _("维持原等次继续"), opinion_required=True),
        Action("suspend", _("暂缓"), opinion_required=True),
        Action("terminate", _("终止，不予奖励"), opinion_required=True),
    ]
    lowered_kind = forms.ChoiceField(label=_("调整后的奖励等次"), choices=NOMINABLE_KINDS, required=False)

    def clean(self):
        cleaned = super().clean()
        action = self.get_action()
        if action and action.code == "lower":
            current = self.task_data.get("award_kind")
            lowered = cleaned.get("lowered_kind")
            if not lowered:
                self.add_error("lowered_kind", _("请选择调整后的奖励等次"))
            elif current in AWARD_ORDER and AWARD_ORDER.index(lowered) >= AWARD_ORDER.index(current):
                self.add_error("lowered_kind", _("调整后的等次必须低于原等次"))
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        lowered = payload.pop("lowered_kind", "")
        if self.get_action().code == "lower":
            payload["award_kind"] = lowered
        return payload


class SuspendedForm(TaskForm):
    actions = [
        Action("resume", _("恢复办理"), primary=True, opinion_required=True),
        Action("terminate", _("终止，不予奖励"), opinion_required=True),
    ]


class ApprovalForm(TaskForm):
    """审批 (DOMAIN.md §1.3 step 5)."""

    actions = [APPROVE, REJECT]


REVOCATION = "award_revocation"


class RevocationApplicationForm(TaskForm):
    """撤销奖励 application (公务员法 art. 56, DOMAIN.md §1.4), by the original nominating unit or
    by the approving authority."""

    actions = [SUBMIT]
    award_id = forms.IntegerField(label=_("拟撤销的奖励"), widget=forms.Select)
    ground = forms.ChoiceField(
        label=_("撤销事由"),
        choices=[
            ("fraud", _("弄虚作假，骗取奖励")),
            ("concealed", _("申报奖励时隐瞒严重错误或者严重违反规定程序")),
            ("later_violation", _("有严重违纪违法等行为，影响称号声誉")),
            ("other", _("有法律、法规规定应当撤销奖励的其他情形")),
        ],
    )
    facts = forms.CharField(label=_("事实和依据"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        awards = Award.objects.filter(cadre=self.instance.subject_cadre, revoked=False) if self.instance else Award.objects.none()
        if self.instance is not None and self.instance.pk is not None:  # the start page's draft case is unsaved
            from .models import RevocationRequest
            from .records import authority_may_revoke

            request = RevocationRequest.objects.filter(instance=self.instance).select_related("applied_by_unit").first()
            if request is not None and request.applied_by_unit_id:
                # Started by the approving authority: only the awards it approved (DOMAIN.md §1.4).
                awards = [a for a in awards.select_related("approving_unit") if authority_may_revoke(request, a)]
        self.fields["award_id"].widget.choices = [(a.pk, a.caption) for a in awards]
        self._awards = {a.pk for a in awards}

    def clean_award_id(self):
        value = self.cleaned_data["award_id"]
        if value not in self._awards:
            raise forms.ValidationError(_("请选择该干部一项未撤销的奖励"))
        return value
