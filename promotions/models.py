"""The typed record of an exceptional promotion (破格提拔, DOMAIN.md §4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit
from records.models import RankLevel


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
    ground = models.CharField(_("破格理由"), max_length=20, blank=True)
    facts = models.TextField(_("主要事实"), blank=True)
    broken_items = models.JSONField(_("突破的任职资格条件"), default=list, blank=True)
    broken_qualifications = models.TextField(_("突破情形及理由"), blank=True)
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
    def ground_label(self):
        from .issuing import ground_label

        return ground_label(self.ground)

    @property
    def broken_labels(self):
        """The broken qualifications as their labels, joined (for pages and documents)."""
        from .forms import BREAKABLE

        labels = dict(BREAKABLE)
        return "、".join(str(labels.get(code, code)) for code in self.broken_items or [])
