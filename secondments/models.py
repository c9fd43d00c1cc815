"""Secondment rounds (挂职锻炼选派, DOMAIN.md §5): the plan, its positions, the invited units and
the candidates they nominate.

A round is one case of the ``secondment_selection`` process. The engine state is the truth of
where the round stands; these rows are the round's register, written only by the diagram's
service tasks (``secondments.ops``) in the same transaction as the step that caused them, so the
pages can list nominations, candidates and results with plain queries.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit


class Round(models.Model):
    """The plan of a round (its parameters are [default]s set per round, DOMAIN.md §5)."""

    instance = models.OneToOneField(
        "workflows.ProcessInstance", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="secondment_round"
    )
    organiser = models.ForeignKey(Unit, verbose_name=_("组织单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("选派计划名称"), max_length=100)
    places = models.PositiveSmallIntegerField(_("选派名额"))
    term_months = models.PositiveSmallIntegerField(_("挂职期限（月）"))
    term_start = models.DateField(_("挂职开始日期"))
    nomination_deadline = models.DateField(_("推荐截止日期"))
    notice_required = models.BooleanField(_("选派前公示"), default=True)
    criteria = models.JSONField(_("资格条件"), default=dict, help_text=_("年龄上限、职级范围、工作年限、考核等次"))
    created_at = models.DateTimeField(_("开启时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("挂职选派计划")
        verbose_name_plural = _("挂职选派计划")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.instance.business_key} {self.title}"


class Position(models.Model):
    """A post offered by a host unit (挂职单位及岗位)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="positions")
    code = models.CharField(_("岗位编号"), max_length=10)
    host_unit = models.ForeignKey(Unit, verbose_name=_("挂职单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("挂职岗位"), max_length=100)
    places = models.PositiveSmallIntegerField(_("名额"), default=1)
    requirements = models.CharField(_("岗位要求"), max_length=200, blank=True, help_text=_("专业、经历等，供推荐单位参考"))

    class Meta:
        verbose_name = _("挂职岗位")
        verbose_name_plural = _("挂职岗位")
        ordering = ["round", "code"]
        constraints = [models.UniqueConstraint(fields=["round", "code"], name="unique_position_code")]

    def __str__(self):
        return f"{self.host_unit.name} {self.title}"


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("待推荐")
    NOMINATED = "nominated", _("已推荐，待单位党组织确认")
    RETURNED = "returned", _("单位党组织退回修改")
    CONFIRMED = "confirmed", _("已报送")
    NONE = "none", _("本单位无人选")
    LATE = "late", _("逾期未报送")


class Invitation(models.Model):
    """A unit invited to nominate, and how it answered."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey(Unit, verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("推荐情况"), max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.INVITED)
    answered_at = models.DateTimeField(_("报送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推荐单位")
        verbose_name_plural = _("推荐单位")
        ordering = ["round", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["round", "unit"], name="unique_invitation")]

    def __str__(self):
        return f"{self.unit} · {self.get_status_display()}"

    @property
    def answered(self):
        return self.status in (InvitationStatus.CONFIRMED, InvitationStatus.NONE)


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", _("待单位党组织确认")
    CONFIRMED = "confirmed", _("已报送")
    LAPSED = "lapsed", _("未经确认，推荐已截止")
    INELIGIBLE = "ineligible", _("资格复核不符合条件")
    SELECTED = "selected", _("拟选派")
    NOT_SELECTED = "not_selected", _("未选派")
    EXCLUDED = "excluded", _("廉政意见不同意")
    DROPPED = "dropped", _("公示异议后取消")
    SECONDED = "seconded", _("已选派")


class Candidate(models.Model):
    """A cadre nominated in a round, with everything the round decided about them."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="candidates")
    invitation = models.ForeignKey(Invitation, verbose_name=_("推荐单位"), on_delete=models.CASCADE, related_name="candidates")
    cadre = models.ForeignKey("records.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT, related_name="secondment_candidacies")
    recommendation = models.TextField(_("推荐理由"), blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=CandidateStatus.choices, default=CandidateStatus.PROPOSED)
    failures = models.JSONField(_("不符合条件的理由"), default=list, blank=True)
    checked_on = models.DateField(_("资格审查日期"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排序"), null=True, blank=True)
    position = models.ForeignKey(
        Position, verbose_name=_("拟任挂职岗位"), null=True, blank=True, on_delete=models.PROTECT, related_name="candidates"
    )
    integrity = models.CharField(_("廉政意见"), max_length=20, blank=True)
    secondment = models.OneToOneField(
        "records.Secondment", verbose_name=_("挂职记录"), null=True, blank=True, on_delete=models.SET_NULL, related_name="candidacy"
    )
    introduction_letter = models.ForeignKey(
        "documents.IssuedDocument", verbose_name=_("介绍信"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recalled_on = models.DateField(_("提前召回日期"), null=True, blank=True)
    recall_reason = models.CharField(_("召回原因"), max_length=500, blank=True)
    term_comments = models.TextField(_("期满考核评语"), blank=True)

    class Meta:
        verbose_name = _("挂职人选")
        verbose_name_plural = _("挂职人选")
        ordering = ["round", "rank", "invitation__unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "cadre"], name="one_candidacy_per_round")]

    def __str__(self):
        return f"{self.cadre.name}（{self.get_status_display()}）"
