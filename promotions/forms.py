"""Task forms of the exceptional promotion (DOMAIN.md §4)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from records.models import RANK_ORDER, RankLevel
from workflows.forms import SUBMIT, Action, TaskForm

from . import rules
from .issuing import GROUNDS

PROCESS = "exceptional_promotion"
WITHDRAW = Action("withdraw", _("撤回动议"), opinion_required=True)
BREAKABLE = [  # DOMAIN.md §4.2: the ordinary qualifications a proposal may say it breaks
    ("work_years", _("工作年限")),
    ("grassroots", _("基层工作经历")),
    ("tenure", _("任职年限")),
    ("education", _("学历")),
    ("training", _("培训")),
    ("health", _("身体条件")),
]


class ProposalForm(TaskForm):
    """动议 (DOMAIN.md §4.3 step 1): grounds (§4.1) and the broken qualifications (§4.2)."""

    actions = [SUBMIT, WITHDRAW]
    target_post = forms.CharField(label=_("拟任职务"), max_length=100)
    target_level = forms.ChoiceField(label=_("拟任职级"), choices=[(c, RankLevel(c).label) for c in RANK_ORDER])
    ground = forms.ChoiceField(label=_("破格理由"), choices=list(GROUNDS.items()))
    facts = forms.CharField(label=_("主要事实"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6}))
    broken_items = forms.MultipleChoiceField(
        label=_("突破的任职资格条件"), choices=BREAKABLE, required=False, widget=forms.CheckboxSelectMultiple
    )
    broken_qualifications = forms.CharField(
        label=_("突破情形及理由"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    from_recommendation = forms.BooleanField(label=_("人选由民主推荐产生"), required=False)
    special_post = forms.BooleanField(label=_("特殊岗位（“裸官”限制不适用）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.get_action() is WITHDRAW:
            for name in ("target_post", "target_level", "ground", "facts"):
                self.fields[name].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("broken_items") and not (cleaned.get("broken_qualifications") or "").strip():
            self.add_error("broken_qualifications", _("突破任职资格条件的，须写明突破情形及理由"))
        return cleaned


class ConsentForm(TaskForm):
    """上级组织部门意见 (DOMAIN.md §4.3 step 2): no reply never counts as consent."""

    actions = [Action("agree", _("同意"), primary=True), Action("disagree", _("不同意"), opinion_required=True)]


class RecommendationForm(TaskForm):
    """民主推荐 (DOMAIN.md §4.3 step 3)."""

    actions = [SUBMIT]
    participants = forms.IntegerField(label=_("参加推荐人数"), min_value=1)
    votes_for = forms.IntegerField(label=_("得推荐票数"), min_value=0)

    def clean(self):
        cleaned = super().clean()
        participants, votes = cleaned.get("participants"), cleaned.get("votes_for")
        if participants and votes is not None and votes > participants:
            self.add_error("votes_for", _("得票数不能多于参加人数"))
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        payload["recommendation_rate"] = round(payload["votes_for"] / payload["participants"], 4)
        return payload


class InspectionForm(TaskForm):
    """考察 (DOMAIN.md §4.3 step 4): the written report."""

    actions = [SUBMIT]
    inspection_report = forms.CharField(label=_("考察报告"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = forms.JSONField(label=_("附件"), required=False, widget=forms.HiddenInput)


# 廉政意见 (DOMAIN.md §4.3 step 4): the same form as in the merit citation.


class MeetingForm(TaskForm):
    """讨论决定 (DOMAIN.md §4.3 step 5): ≥ 2/3 present to decide; adopted when votes for > half of
    those who should attend; the exceptional circumstances and the higher department's opinion
    must have been explained."""

    actions = [SUBMIT]
    meeting_date = forms.DateField(label=_("会议日期"))
    should_attend = forms.IntegerField(label=_("应到会成员数"), min_value=1)
    present = forms.IntegerField(label=_("实到会成员数"), min_value=0)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0)
    votes_against = forms.IntegerField(label=_("反对票"), min_value=0)
    abstentions = forms.IntegerField(label=_("弃权票"), min_value=0)
    circumstances_explained = forms.BooleanField(label=_("会上已说明破格情形及上级组织部门意见"), required=False)

    def clean(self):
        cleaned = super().clean()
        should, present = cleaned.get("should_attend"), cleaned.get("present")
        votes = [cleaned.get(n) for n in ("votes_for", "votes_against", "abstentions")]
        if should is None or present is None or None in votes:
            return cleaned
        if present > should:
            self.add_error("present", _("实到人数不能多于应到人数"))
        elif not rules.is_quorate(should, present):
            self.add_error("present", _("到会成员不足应到会成员的三分之二（至少%(n)s人），不能讨论决定") % {"n": rules.quorum(should)})
        if sum(votes) > present:
            self.add_error("votes_for", _("表决票数之和不能多于到会人数"))
        if not cleaned.get("circumstances_explained"):
            self.add_error("circumstances_explained", _("讨论决定时须说明破格提拔的具体情形和上级组织部门意见"))
        return cleaned

    def task_payload(self):
        payload = super().task_payload()
        payload["meeting_adopted"] = rules.is_adopted(payload["should_attend"], payload["votes_for"])
        return payload


class ReconsiderForm(TaskForm):
    actions = [
        Action("reconsider", _("复议一次"), primary=True, opinion_required=True),
        Action("end", _("不再复议"), opinion_required=True),
    ]

    def task_payload(self):
        payload = super().task_payload()
        payload["reconsiderations"] = int(self.task_data.get("reconsiderations", 0)) + 1
        return payload


class ObjectionDecisionForm(TaskForm):
    """The approver's decision on an objection found (partly) true (DOMAIN.md §6): continue,
    suspend (暂缓) or terminate."""

    actions = [
        Action("continue", _("继续任用程序"), primary=True, opinion_required=True),
        Action("suspend", _("暂缓任用"), opinion_required=True),
        Action("terminate", _("终止任用"), opinion_required=True),
    ]


class SuspendedForm(TaskForm):
    """暂缓期间决定 (DOMAIN.md §6): resume the promotion or end it."""

    actions = [
        Action("resume", _("恢复任用程序"), primary=True, opinion_required=True),
        Action("terminate", _("终止任用"), opinion_required=True),
    ]


class ProbationReviewForm(TaskForm):
    """试用期满考核 (DOMAIN.md §4.3 step 7)."""

    actions = [
        Action("competent", _("胜任，正式任职"), primary=True),
        Action("not_competent", _("不胜任，免去试任职务"), opinion_required=True),
    ]
    assessment = forms.CharField(label=_("考核情况"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5}))
