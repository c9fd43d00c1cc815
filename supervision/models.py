"""The alert register (``supervision.register``): the alerts of every cadre as of one day, kept in
the database so that the dashboard and the statistics read rows instead of evaluating the nine
alert queries over every cadre in scope on each request."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit
from records.models import Cadre


class AlertRegister(models.Model):
    """The one row saying which day ``StandingAlert`` holds the alerts of, and under which rules."""

    day = models.DateField(_("预警日期"), null=True)
    rules = models.CharField(_("规则摘要"), max_length=64, blank=True, help_text=_("计算时所用规则参数和阈值的摘要"))
    computed_at = models.DateTimeField(_("计算时间"), null=True)

    class Meta:
        verbose_name = _("预警登记")
        verbose_name_plural = _("预警登记")

    def __str__(self):
        return f"{self.day} {self.rules[:12]}"


class StandingAlert(models.Model):
    """One alert of one cadre as of ``AlertRegister.day``: the row a kind's query returned, with the
    figures its description needs."""

    cadre = models.ForeignKey(Cadre, on_delete=models.CASCADE, related_name="+")
    # The cadre's unit when computed (a move marks the cadre stale, and their rows are recomputed):
    # readers start from the unit index instead of every row of the register.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("预警类型"), max_length=30)
    alert_date = models.DateField(_("预警所涉日期"), null=True)
    township_days = models.IntegerField(_("乡镇工作天数"), null=True)
    excellent_grades = models.IntegerField(_("近年度优秀次数"), null=True)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        constraints = [models.UniqueConstraint(fields=["cadre", "kind"], name="one_standing_alert_per_cadre_and_kind")]
        indexes = [models.Index(fields=["unit", "kind"], name="standing_alert_unit_kind")]

    def __str__(self):
        return f"{self.cadre_id} {self.kind}"


class StaleCadre(models.Model):
    """A cadre whose facts changed since their ``StandingAlert`` rows were computed: written in the
    transaction that changed them, so a reader never trusts an outdated row — it computes that
    cadre's alerts live until the register has caught up (``register.catch_up``)."""

    # A plain id, not a foreign key: deleting a cadre deletes their records, whose receivers mark
    # the cadre being deleted; such a mark is cleared by the next catch-up like any other.
    cadre_id = models.BigIntegerField(db_index=True)
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.cadre_id} {self.marked_at}"
