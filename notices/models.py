"""Public notices (公示) and the objections raised during them (DOMAIN.md §6, §7; seed 000 #12).

Shared by every process with a notice step: merit citations, exceptional promotions,
secondment rounds.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit


class Notice(models.Model):
    """A public notice (公示) listing one or more cases (DOMAIN.md §6, batch notice)."""

    issuer = models.ForeignKey(Unit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="notices")
    title = models.CharField(_("标题"), max_length=200)
    start_date = models.DateField(_("公示开始"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    end_date = models.DateField(_("公示截止"))
    contact = models.CharField(_("受理异议的方式"), max_length=300)
    process_id = models.CharField(_("流程"), max_length=100, db_index=True)
    cases = models.ManyToManyField("workflows.ProcessInstance", verbose_name=_("公示对象"), related_name="notices")
    document = models.ForeignKey(
        "documents.IssuedDocument", verbose_name=_("公示文件"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return self.title


class ObjectionOutcome(models.TextChoices):
    """Verification outcomes (DOMAIN.md §6; seed 000 #12 "不属实或查无实据")."""

    PENDING = "pending", _("待核查")
    UNTRUE = "untrue", _("不属实")
    UNVERIFIABLE = "unverifiable", _("查无实据")
    PARTLY_TRUE = "partly_true", _("部分属实")
    TRUE = "true", _("属实")


# Seed 000 #12: objections found untrue or unverifiable are closed promptly with written feedback
# to the cadre's unit (澄清), and only they may be flagged as a malicious false accusation.
CLARIFIED_OUTCOMES = frozenset({ObjectionOutcome.UNTRUE, ObjectionOutcome.UNVERIFIABLE})
# DOMAIN.md §6: 部分属实 / 属实 → the approver decides (lower, suspend or terminate).
APPROVER_DECIDES_OUTCOMES = frozenset({ObjectionOutcome.PARTLY_TRUE, ObjectionOutcome.TRUE})


class Objection(models.Model):
    """An objection raised during a notice, and its verification (DOMAIN.md §6; seed 000 #12)."""

    instance = models.ForeignKey("workflows.ProcessInstance", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="objections")
    notice = models.ForeignKey(Notice, verbose_name=_("公示"), null=True, blank=True, on_delete=models.PROTECT, related_name="objections")
    content = models.TextField(_("异议内容"))
    contact = models.CharField(_("反映人联系方式"), max_length=200, blank=True)
    received_on = models.DateField(_("收到日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    outcome = models.CharField(_("核查结论"), max_length=20, choices=ObjectionOutcome.choices, default=ObjectionOutcome.PENDING)
    finding = models.TextField(_("核查情况"), blank=True)
    malicious = models.BooleanField(_("疑似恶意诬告（移交纪检监察机关）"), default=False)
    referred_to = models.ForeignKey(
        Unit,
        verbose_name=_("移交的纪检监察机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("恶意诬告线索移交的纪检监察机关（种子文件000第12条）"),
    )
    referred_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    clarification = models.ForeignKey(
        "documents.IssuedDocument", verbose_name=_("澄清反馈函"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["instance", "outcome"])]

    def __str__(self):
        return f"{self.instance} {self.received_on} {self.get_outcome_display()}"

    def delete(self, *args, **kwargs):
        # Append-only (issue 13): the verification is recorded on the row (desk.conclude_verification).
        raise PermissionError("objections are append-only")


class NoticeRule(models.Model):
    """How long a process's notice runs, in working days: a dated row an administrator edits
    (DOMAIN.md §1.3 item 4 "not less than 5 working days [default 5, configurable per process
    type]"; §4.3 step 6; §6). The row in force on a notice's start date applies."""

    process_id = models.CharField(_("流程"), max_length=100)
    minimum_working_days = models.PositiveSmallIntegerField(_("最短公示期（工作日）"))
    maximum_working_days = models.PositiveSmallIntegerField(_("最长公示期（工作日）"))
    effective_from = models.DateField(_("生效日期"))
    basis = models.CharField(_("依据"), max_length=300, help_text=_("规则来源，如《规则手册》第1.3节第4项"))

    class Meta:
        verbose_name = _("公示期规则")
        verbose_name_plural = _("公示期规则")
        ordering = ["process_id", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["process_id", "effective_from"], name="one_notice_rule_per_process_and_date"),
            models.CheckConstraint(
                condition=models.Q(minimum_working_days__gte=1) & models.Q(maximum_working_days__gte=models.F("minimum_working_days")),
                name="notice_rule_minimum_within_maximum",
            ),
        ]

    def __str__(self):
        return f"{self.process_id} {self.minimum_working_days}–{self.maximum_working_days} ({self.effective_from})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.minimum_working_days is not None and self.minimum_working_days < 1:
            raise ValidationError({"minimum_working_days": _("最短公示期至少为1个工作日")})
        if (
            self.minimum_working_days is not None
            and self.maximum_working_days is not None
            and self.maximum_working_days < self.minimum_working_days
        ):
            raise ValidationError({"maximum_working_days": _("最长公示期不能少于最短公示期")})
