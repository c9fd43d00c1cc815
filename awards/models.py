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
    def amount_for(cls, kind, on):
        row = cls.objects.filter(kind=kind, effective_from__lte=on).order_by("-effective_from").first()
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


# Moved to the notices app; re-exported while callers move over.
from notices.models import Notice, Objection, ObjectionOutcome  # noqa: E402,F401
