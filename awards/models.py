"""Merit citations: the bonus table, unit quotas, public notices and objections (DOMAIN.md §1, §6)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit
from records.models import AwardKind


class AwardBonus(models.Model):
    """One-off bonus per award kind, by effective date (DOMAIN.md §1.1: 人社厅发〔2018〕1号 [practice])."""

    kind = models.CharField(_("奖励种类"), max_length=20, choices=AwardKind.choices)
    amount = models.DecimalField(_("奖金（元）"), max_digits=10, decimal_places=2)
    # DOMAIN.md §1.1 [practice]: 记三等功 and above come with a medal; every award with a certificate.
    medal = models.BooleanField(_("颁发奖章"), default=False)
    effective_from = models.DateField(_("生效日期"))
    basis = models.CharField(_("依据"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("奖金标准")
        verbose_name_plural = _("奖金标准")
        ordering = ["kind", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["kind", "effective_from"], name="one_bonus_per_kind_and_date")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.effective_from})"

    @classmethod
    def standard_for(cls, kind, on):
        """The row in force for ``kind`` on the day ``on``, or None."""
        return cls.objects.filter(kind=kind, effective_from__lte=on).order_by("-effective_from").first()

    @classmethod
    def amount_for(cls, kind, on):
        row = cls.standard_for(kind, on)
        return row.amount if row else None


class AwardQuota(models.Model):
    """How many awards a nominating unit may receive in a year (optional; [default] per DOMAIN.md §1.5/§2)."""

    unit = models.ForeignKey(Unit, verbose_name=_("推荐单位"), on_delete=models.CASCADE, related_name="award_quotas")
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("奖励种类"), max_length=20, choices=AwardKind.choices, blank=True, help_text=_("留空表示各类奖励合计"))
    limit = models.PositiveIntegerField(_("名额"))

    class Meta:
        verbose_name = _("年度奖励名额")
        verbose_name_plural = _("年度奖励名额")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "kind"], name="one_quota_per_unit_year_kind")]

    def __str__(self):
        total = _("合计")
        return f"{self.unit} {self.year} {self.get_kind_display() or total}: {self.limit}"


class Nomination(models.Model):
    """The typed record of one merit-citation case (DOMAIN.md §1.3): what was nominated, for
    which deed, and where it stands in the unit's quota. Written by the service door in the
    transaction of the step that established each fact; documents, notices, the quota and the
    candidates list read it (never the engine's task data or the history)."""

    instance = models.OneToOneField(
        "workflows.ProcessInstance", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="award_nomination"
    )
    # Exactly one of the two once nominated: a cadre (the case's subject), or a collective that the
    # nomination step names (DOMAIN.md §1.1: "a unit, or a task team").
    cadre = models.ForeignKey(
        "records.Cadre", verbose_name=_("被推荐人"), null=True, blank=True, on_delete=models.PROTECT, related_name="award_nominations"
    )
    collective = models.ForeignKey(
        "records.Collective", verbose_name=_("被推荐集体"), null=True, blank=True, on_delete=models.PROTECT, related_name="nominations"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("推荐单位"), on_delete=models.PROTECT, related_name="award_nominations")
    year = models.PositiveSmallIntegerField(_("年度"))
    award_kind = models.CharField(_("拟奖励等次"), max_length=20, choices=AwardKind.choices, blank=True)
    # 授予称号 (DOMAIN.md §1.1/§1.2): the title's name, e.g. 人民满意的公务员; required for kind=title.
    title_name = models.CharField(_("称号名称"), max_length=100, blank=True)
    # 追授 (DOMAIN.md §1.1 [practice]): the award is given posthumously; every check still applies.
    posthumous = models.BooleanField(_("追授"), default=False)
    deeds = models.TextField(_("主要事迹"), blank=True)
    # The reviewer's summary of the deeds (DOMAIN.md §1.3 step 3), which the 奖励决定 prints after the
    # awardee's unit and post; blank on cases reviewed before it existed (the decision then uses the deeds).
    deed_summary = models.TextField(_("事迹概述"), blank=True)
    period_from = models.DateField(_("事迹起始日期"), null=True, blank=True)
    period_to = models.DateField(_("事迹截止日期"), null=True, blank=True)
    deed_reference = models.CharField(_("事迹编号"), max_length=100, blank=True)
    meeting_date = models.DateField(_("集体研究会议日期"), null=True, blank=True)
    attendees = models.CharField(_("参会人员"), max_length=500, blank=True)
    integrity_opinion = models.CharField(
        _("廉政意见"), max_length=20, blank=True, choices=[("no_objection", _("无不同意见")), ("objection", _("有不同意见"))]
    )
    approving_unit = models.ForeignKey(Unit, verbose_name=_("审批机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issuer_unit = models.ForeignKey(Unit, verbose_name=_("发文机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    award = models.OneToOneField(
        "records.Award", verbose_name=_("奖励"), null=True, blank=True, on_delete=models.PROTECT, related_name="nomination"
    )
    is_open = models.BooleanField(_("在办"), default=True)
    quota_counted = models.BooleanField(
        _("占用名额"), default=False, help_text=_("审核同意公示后占用推荐单位的年度名额，未获奖励办结时释放")
    )
    # DOMAIN.md §1.3 item 4: "Classified cases may skip it [the notice] with the approver's consent."
    classified = models.BooleanField(_("涉密案件"), default=False)
    classified_reason = models.CharField(_("涉密事由"), max_length=500, blank=True)
    notice_waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("同意免予公示的审批人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notice_waived_at = models.DateTimeField(_("同意免予公示时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("奖励推荐")
        verbose_name_plural = _("奖励推荐")
        constraints = [
            # At most one open nomination per cadre and deed: a second one (Back, then 提交 again;
            # a batch started twice) is refused, naming the open case.
            models.UniqueConstraint(
                fields=["cadre", "deed_reference"],
                condition=models.Q(is_open=True) & ~models.Q(deed_reference=""),
                name="one_open_nomination_per_deed",
            ),
            models.UniqueConstraint(
                fields=["collective", "deed_reference"],
                condition=models.Q(is_open=True) & ~models.Q(deed_reference=""),
                name="one_open_collective_nomination_per_deed",
            ),
            models.CheckConstraint(
                condition=models.Q(cadre__isnull=True) | models.Q(collective__isnull=True), name="nomination_for_a_cadre_or_a_collective"
            ),
        ]
        indexes = [models.Index(fields=["unit", "year", "quota_counted"])]

    def __str__(self):
        return f"{self.instance} {self.nominee or ''} {self.get_award_kind_display()}"

    @property
    def nominee(self):
        """The cadre or the collective nominated (None while a collective case is a draft)."""
        return self.cadre if self.cadre_id else self.collective

    @property
    def is_collective(self):
        return self.cadre_id is None


class RevocationRequest(models.Model):
    """The typed record of one award-revocation case (公务员法 art. 56, DOMAIN.md §1.4)."""

    instance = models.OneToOneField(
        "workflows.ProcessInstance", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="award_revocation"
    )
    award = models.ForeignKey(
        "records.Award", verbose_name=_("拟撤销的奖励"), null=True, blank=True, on_delete=models.PROTECT, related_name="revocation_requests"
    )
    ground = models.CharField(_("撤销事由"), max_length=20, blank=True)
    facts = models.TextField(_("事实和依据"), blank=True)
    issuer_unit = models.ForeignKey(Unit, verbose_name=_("发文机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_open = models.BooleanField(_("在办"), default=True)
    # DOMAIN.md §1.4: "applied for by the original nominating body or done by the approver". Empty
    # when the nominating unit applied; else the approving authority's role and unit that started it.
    applied_by_role = models.CharField(_("发起角色"), max_length=30, blank=True)
    applied_by_unit = models.ForeignKey(Unit, verbose_name=_("发起机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # DOMAIN.md §1.4: revocation "recovers the certificate/medal": what was recovered, and when
    # (recorded when the revocation decision is issued).
    certificate_recovered = models.BooleanField(_("已收回证书"), default=False)
    medal_recovered = models.BooleanField(_("已收回奖章"), default=False)
    insignia_recovered_on = models.DateField(_("证书奖章收回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("撤销奖励申请")
        verbose_name_plural = _("撤销奖励申请")
        constraints = [
            models.UniqueConstraint(fields=["award"], condition=models.Q(is_open=True), name="one_open_revocation_per_award"),
        ]

    def __str__(self):
        return f"{self.instance} {self.award}"


class CertificateSequence(models.Model):
    """Last serial of the award certificates (证书) an issuer numbered in a year (DOMAIN.md §1.1
    [practice]: every award comes with a certificate). Taken under a row lock in the transaction
    that records the award, like the 发文字号: never the same number twice, no gap on rollback."""

    issuer = models.ForeignKey(Unit, verbose_name=_("发证机关"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年份"))
    last_number = models.PositiveIntegerField(_("已用最大序号"), default=0)

    class Meta:
        verbose_name = _("奖励证书编号登记")
        verbose_name_plural = _("奖励证书编号登记")
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="one_certificate_sequence_per_issuer_year")]

    def __str__(self):
        return f"{self.issuer} {self.year}: {self.last_number}"
