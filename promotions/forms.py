"""Task forms of the exceptional promotion (DOMAIN.md §4)."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from permissions import routing
from permissions.models import Unit
from records.models import RANK_ORDER, RankLevel
from workflows.forms import SUBMIT, Action, TaskForm

from . import grounds, rules

PROCESS = "exceptional_promotion"
WITHDRAW = Action("withdraw", _("撤回动议"), opinion_required=True)
# The reason of each broken qualification is its own field: ``reason_<code>`` (DOMAIN.md §4.2).
REASON_PREFIX = "reason_"


class ProposalForm(TaskForm):
    """动议 (DOMAIN.md §4.3 step 1): grounds (§4.1) and the broken qualifications (§4.2)."""

    actions = [SUBMIT, WITHDRAW]
    target_post = forms.CharField(label=_("拟任职务"), max_length=100)
    target_level = forms.ChoiceField(label=_("拟任职级"), choices=[(c, RankLevel(c).label) for c in RANK_ORDER])
    target_unit = forms.ModelChoiceField(
        label=_("拟任单位"),
        queryset=Unit.objects.order_by("path"),
        required=False,
        help_text=_("留空为现所在单位；领导职数按拟任单位计算"),
    )
    # Grounds and qualifications are rows an administrator edits (promotions.grounds, issue 12 "Rules as data").
    # The class holds the default rows' choices; each form instance reads the rows in force.
    ground = forms.ChoiceField(label=_("破格理由"), choices=[(c, _(label)) for c, label, *_rest in grounds.DEFAULT_GROUNDS])
    facts = forms.CharField(label=_("主要事实"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6}))
    keeps_post = forms.BooleanField(label=_("继续兼任原职务（贫困县县委书记优先提拔使用）"), required=False)
    elected_post = forms.BooleanField(label=_("拟任职务为选任制职务（不实行任职试用期）"), required=False)
    broken_items = forms.MultipleChoiceField(
        label=_("突破的任职资格条件"),
        choices=[(c, _(label)) for c, label, *_rest in grounds.DEFAULT_QUALIFICATIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # Before each item had its own reason: accepted as the reason of a single broken item only.
    broken_qualifications = forms.CharField(label=_("突破情形及理由"), max_length=1000, required=False, widget=forms.HiddenInput)
    from_recommendation = forms.BooleanField(label=_("人选由民主推荐产生"), required=False)
    special_post = forms.BooleanField(label=_("特殊岗位（“裸官”限制不适用）"), required=False)
    # 附注 of the 请示 to the higher department (GB/T 9704-2012 §7.3.6, DOMAIN.md §4.3 step 2).
    contact_name = forms.CharField(
        label=_("联系人"), max_length=50, required=False, help_text=_("印在请示的附注中；不填写则为提出动议的本人")
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=50,
        required=False,
        validators=[RegexValidator(r"^[0-9０-９+\-－（）() 转]{5,50}$", _("请填写有效的电话号码"))],
        help_text=_("印在请示的附注中"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = grounds.ground_choices()
        if self.instance is not None and self.instance.nominating_unit_id:
            # The posts this case's deciders fill: the area one level above the cadre's own (a
            # county cadre may go to the city's team or a city department), not the whole province.
            area = routing.area_of(self.instance.nominating_unit)
            reach = routing.area_of(area.parent) if area.parent_id else area
            self.fields["target_unit"].queryset = Unit.objects.filter(path__startswith=reach.path).order_by("path")
        self.fields["broken_items"].choices = grounds.qualification_choices()
        for code, label in grounds.qualification_choices():
            if code in self._breakable:
                self.fields[REASON_PREFIX + code] = forms.CharField(
                    label=_("突破“%(item)s”的情形及理由") % {"item": label},
                    max_length=500,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )
        if self.get_action() is WITHDRAW:
            for name in ("target_post", "target_level", "ground", "facts"):
                self.fields[name].required = False

    @property
    def _breakable(self):
        if not hasattr(self, "_breakable_codes"):
            self._breakable_codes = grounds.breakable_codes()
        return self._breakable_codes

    def clean(self):
        cleaned = super().clean()
        items = cleaned.get("broken_items") or []
        labels = dict(grounds.qualification_choices())
        refused = [code for code in items if code not in self._breakable]
        if refused:
            # DOMAIN.md §4.2: only the basic qualifications the regulation allows may be broken.
            self.add_error(
                "broken_items",
                _("“%(items)s”不属于条例允许破格突破的任职资格条件，不能突破")
                % {"items": "、".join(str(labels.get(c, c)) for c in refused)},
            )
        reasons = {code: (cleaned.get(REASON_PREFIX + code) or "").strip() for code in items if code in self._breakable}
        shared = (cleaned.get("broken_qualifications") or "").strip()
        if len(reasons) == 1 and shared and not next(iter(reasons.values())):
            reasons = {code: shared for code in reasons}
        for code, reason in reasons.items():
            if not reason:
                self.add_error(
                    REASON_PREFIX + code if REASON_PREFIX + code in self.fields else "broken_items",
                    _("突破“%(item)s”的，须写明该项的突破情形及理由") % {"item": labels.get(code, code)},
                )
        cleaned["broken_reasons"] = reasons
        row = grounds.ground(cleaned.get("ground")) if cleaned.get("ground") else None
        if row is not None and row.keeps_post and not cleaned.get("keeps_post"):
            # Seed 000 #4: the county's party secretary is promoted while keeping the original post.
            self.add_error("keeps_post", _("依此理由优先提拔的，须继续兼任原任职务"))
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
            self.add_error(
                "present",
                _("到会成员不足应到会成员的%(fraction)s（至少%(n)s人），不能讨论决定")
                % {"fraction": rules.quorum_text(), "n": rules.quorum(should)},
            )
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
