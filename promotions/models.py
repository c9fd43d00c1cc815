"""The typed record of an exceptional promotion (破格提拔, DOMAIN.md §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit
from records.models import RankLevel


class ProposedBy(models.TextChoices):
    """Who moved the proposal (动议, DOMAIN.md §4.3 step 1: the unit's party committee or the organisation department)."""

    PARTY_COMMITTEE = "party_committee", _("单位党组织")
    ORGANISATION_DEPT = "organisation_dept", _("组织部门")


class Proposal(models.Model):
    """One exceptional-promotion case: the proposal (动议) and what later steps established.

    Written by the service door in the transaction of each step; the 请示, the 任职通知, the
    notice row and the case page read it (never the engine's task data or the history)."""

    instance = models.OneToOneField(
        "workflows.ProcessInstance", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="promotion_proposal"
    )
    cadre = models.ForeignKey("records.Cadre", verbose_name=_("拟提拔人选"), on_delete=models.PROTECT, related_name="promotion_proposals")
    unit = models.ForeignKey(Unit, verbose_name=_("动议单位"), on_delete=models.PROTECT, related_name="promotion_proposals")
    target_post = models.CharField(_("拟任职务"), max_length=100, blank=True)
    target_level = models.CharField(_("拟任职级"), max_length=30, choices=RankLevel.choices, blank=True)
    # The unit of the post proposed; blank = the cadre's own unit. The post quotas are counted
    # there (DOMAIN.md §10 "Post quotas"), and a team post in the cadre's own area calls for
    # exchange (交流任职, seed 000 #15).
    target_unit = models.ForeignKey(Unit, verbose_name=_("拟任单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ground = models.CharField(_("破格理由"), max_length=20, blank=True)
    facts = models.TextField(_("主要事实"), blank=True)
    broken_items = models.JSONField(_("突破的任职资格条件"), default=list, blank=True)
    broken_qualifications = models.TextField(_("突破情形及理由"), blank=True)
    # {qualification code: its own reason} (DOMAIN.md §4.2 "record which ones are broken and why").
    broken_reasons = models.JSONField(_("各项突破理由"), default=dict, blank=True)
    proposed_by_kind = models.CharField(_("动议主体"), max_length=20, choices=ProposedBy.choices, default=ProposedBy.PARTY_COMMITTEE)
    proposed_by_unit = models.ForeignKey(
        Unit, verbose_name=_("动议机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Seed 000 #4: a poverty county's party secretary promoted with priority keeps the original post.
    keeps_post = models.BooleanField(_("继续兼任原职务"), default=False)
    # DOMAIN.md §4.3 step 7: the probation applies to non-elected posts only.
    elected_post = models.BooleanField(_("选任制职务"), default=False)
    from_recommendation = models.BooleanField(_("人选由民主推荐产生"), default=False)
    special_post = models.BooleanField(_("特殊岗位"), default=False)
    participants = models.PositiveIntegerField(_("参加推荐人数"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("得推荐票数"), null=True, blank=True)
    review_unit = models.ForeignKey(Unit, verbose_name=_("组织部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consent_unit = models.ForeignKey(
        Unit, verbose_name=_("上级组织部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deciding_unit = models.ForeignKey(Unit, verbose_name=_("决定机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    promotion = models.OneToOneField(
        "records.Promotion", verbose_name=_("任职记录"), null=True, blank=True, on_delete=models.PROTECT, related_name="proposal"
    )
    is_open = models.BooleanField(_("在办"), default=True)
    # The 请示 to the higher department (DOMAIN.md §4.3 step 2) closes with 附注 "（联系人：…，联系电话：…）"
    # (GB/T 9704-2012 §7.3.6); the mover names them at the 动议. Blank name → whoever moved it.
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("破格提拔动议")
        verbose_name_plural = _("破格提拔动议")
        constraints = [
            # One open exceptional promotion per cadre at a time.
            models.UniqueConstraint(fields=["cadre"], condition=models.Q(is_open=True), name="one_open_promotion_per_cadre"),
        ]

    def __str__(self):
        return f"{self.instance} {self.cadre} {self.target_post}"

    @property
    def quota_unit(self):
        """Where the post quotas count this proposal: the target unit, else the cadre's own."""
        return self.target_unit or self.cadre.unit

    @property
    def exchange_warning(self):
        """DOMAIN.md §10 "Exchange on promotion" (seed 000 #15) [default: a warning, not a block]:
        someone promoted into a city or county party or government team should in principle serve
        in another area. The message when the target is such a team within the cadre's own area
        (unless the cadre keeps the original post, seed 000 #4), else ""."""
        from django.utils.translation import gettext

        from permissions.models import UnitKind, UnitLevel
        from permissions.routing import area_of

        target = self.target_unit
        team = target is not None and target.kind in (UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT)
        if not team or target.level not in (UnitLevel.CITY, UnitLevel.COUNTY) or self.keeps_post:
            return ""
        area = area_of(target)
        if not self.cadre.unit.path.startswith(area.path):
            return ""
        return gettext("拟任%(unit)s领导班子成员，%(name)s同志现在%(area)s范围内工作，原则上应异地交流任职（省实施意见第15条）") % {
            "unit": target.name,
            "name": self.cadre.name,
            "area": area.name,
        }

    @property
    def ground_label(self):
        from .grounds import ground_label

        return ground_label(self.ground)

    @property
    def broken_labels(self):
        """The broken qualifications as their labels, joined (for pages and documents)."""
        from .grounds import qualification_label

        return "、".join(qualification_label(code) for code in self.broken_items or [])

    @property
    def broken_with_reasons(self):
        """Each broken qualification with its own reason: "任职年限：……；学历：……" (DOMAIN.md §4.2)."""
        from .grounds import qualification_label

        reasons = self.broken_reasons or {}
        parts = []
        for code in self.broken_items or []:
            reason = (reasons.get(code) or "").strip()
            parts.append(f"{qualification_label(code)}：{reason}" if reason else qualification_label(code))
        return "；".join(parts) or (self.broken_qualifications or "")


class PromotionGround(models.Model):
    """A ground of exceptional promotion (DOMAIN.md §4.1), editable by an administrator (issue 12 "Rules as data")."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    label = models.CharField(_("名称"), max_length=200)
    text = models.TextField(_("条文表述"), help_text=_("写入请示、任前公示和任职通知的具体情形"))
    source = models.CharField(_("依据"), max_length=200, help_text=_("DOMAIN.md 的条目或种子文件条款"))
    keeps_post = models.BooleanField(_("须继续兼任原职务"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("可选用"), default=True)

    class Meta:
        verbose_name = _("破格提拔理由")
        verbose_name_plural = _("破格提拔理由")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label


class Qualification(models.Model):
    """A qualification of ordinary promotion and whether the regulation allows breaking it (DOMAIN.md §4.2)."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    label = models.CharField(_("名称"), max_length=100)
    breakable = models.BooleanField(_("可以破格突破"), default=False)
    source = models.CharField(_("依据"), max_length=200)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("任职资格条件")
        verbose_name_plural = _("任职资格条件")
        ordering = ["order", "code"]

    def __str__(self):
        return self.label


class ProbationRule(models.Model):
    """The probation of an appointment (DOMAIN.md §4.3 step 7), dated: the row in force on the day applies."""

    valid_from = models.DateField(_("生效日期"), unique=True)
    months = models.PositiveSmallIntegerField(_("试用期（月）"), default=12)
    highest_level = models.CharField(_("适用的最高职级"), max_length=30, choices=RankLevel.choices, default=RankLevel.BUREAU_PRINCIPAL)
    elected_exempt = models.BooleanField(_("选任制职务不实行试用期"), default=True)
    source = models.CharField(_("依据"), max_length=200)

    class Meta:
        verbose_name = _("任职试用期规则")
        verbose_name_plural = _("任职试用期规则")
        ordering = ["-valid_from"]

    def __str__(self):
        return f"{self.valid_from} {self.months}"
