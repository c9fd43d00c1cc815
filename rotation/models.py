"""The rotation plan (轮岗计划, DOMAIN.md §10 "Rotation"): the typed facts of a rotation case.

One plan per unit and year; one entry per cadre due on the plan's opening day, holding what the
unit decided (rotated to which post, from when — or deferred, and why) and whether the decision has
been carried into the cadre's record. Written by the service door in the case's transaction
(``rotation.records``); the engine's task data and the history are not where these are read from.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    ROTATED = "rotated", _("轮岗")
    DEFERRED = "deferred", _("暂缓轮岗")


class RotationPlan(models.Model):
    instance = models.OneToOneField("workflows.ProcessInstance", on_delete=models.CASCADE, related_name="rotation_plan")
    unit = models.ForeignKey("permissions.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="rotation_plans")
    department = models.ForeignKey(
        "permissions.Unit", verbose_name=_("组织部门"), on_delete=models.PROTECT, related_name="rotation_plans_reviewed"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    counted_on = models.DateField(_("任职年限计算日"))
    is_open = models.BooleanField(_("在办"), default=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("审核通过时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("轮岗计划")
        verbose_name_plural = _("轮岗计划")
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="one_rotation_plan_per_unit_year")]

    def __str__(self):
        return f"{self.unit} {self.year}"

    @property
    def approved(self):
        return self.approved_at is not None


class RotationEntry(models.Model):
    """One due cadre of a plan: the post held on the opening day and the unit's decision."""

    plan = models.ForeignKey(RotationPlan, on_delete=models.CASCADE, related_name="entries")
    cadre = models.ForeignKey("records.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT, related_name="rotation_entries")
    post = models.CharField(_("现任职务"), max_length=100)
    post_since = models.DateField(_("任现岗位时间"))
    years = models.PositiveSmallIntegerField(_("任现岗位年限"))
    must = models.BooleanField(_("必须轮岗"), default=False, help_text=_("任现岗位满10年，不能暂缓（《规则手册》第10节）"))
    outcome = models.CharField(_("轮岗意见"), max_length=10, choices=Outcome.choices, blank=True)
    new_post = models.CharField(_("拟任岗位"), max_length=100, blank=True)
    new_unit = models.ForeignKey(
        "permissions.Unit", verbose_name=_("拟任单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rotated_on = models.DateField(_("轮岗日期"), null=True, blank=True)
    reason = models.CharField(_("暂缓理由"), max_length=500, blank=True)
    applied = models.BooleanField(_("已记入档案"), default=False)

    class Meta:
        verbose_name = _("轮岗人选")
        verbose_name_plural = _("轮岗人选")
        ordering = ["plan", "post_since", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "cadre"], name="one_rotation_entry_per_cadre")]

    def __str__(self):
        return f"{self.cadre.name} {self.get_outcome_display()}"
