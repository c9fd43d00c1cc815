"""The grassroots priority list (基层优先提拔名单, DOMAIN.md §4.4; seed 004 art. 8(四)): the typed
facts of a list case — one list per organisation department and year, its ranked entries, the
notice and the approval. Written by the service door in the case's transaction
(``grassroots.records``); the engine's task data and the history are not where these are read from.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ListStatus(models.TextChoices):
    OPEN = "open", _("办理中")
    APPROVED = "approved", _("已批准")
    WITHDRAWN = "withdrawn", _("已终止")


class PriorityList(models.Model):
    instance = models.OneToOneField("workflows.ProcessInstance", on_delete=models.CASCADE, related_name="priority_list")
    department = models.ForeignKey("permissions.Unit", verbose_name=_("组织部门"), on_delete=models.PROTECT, related_name="priority_lists")
    # The party committee whose township principals and department heads the list ranks.
    area = models.ForeignKey("permissions.Unit", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=ListStatus.choices, default=ListStatus.OPEN)
    notice_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束日期"), null=True, blank=True)
    notice_result = models.CharField(_("公示结果"), max_length=500, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("基层优先提拔名单")
        verbose_name_plural = _("基层优先提拔名单")
        constraints = [
            # One list per department and year, unless a case was ended without approval.
            models.UniqueConstraint(
                fields=["department", "year"],
                condition=~models.Q(status="withdrawn"),
                name="one_priority_list_per_department_year",
            )
        ]

    def __str__(self):
        return f"{self.department} {self.year}"

    @property
    def approved(self):
        return self.status == ListStatus.APPROVED


class PriorityEntry(models.Model):
    """One ranked cadre: the post held when proposed, and the grounds of the ranking."""

    list = models.ForeignKey(PriorityList, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveSmallIntegerField(_("排序"))
    cadre = models.ForeignKey("records.Cadre", verbose_name=_("干部"), on_delete=models.PROTECT, related_name="priority_entries")
    unit = models.ForeignKey("permissions.Unit", verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+")
    post = models.CharField(_("现任职务"), max_length=100)
    basis = models.CharField(_("综合评定依据"), max_length=500)

    class Meta:
        verbose_name = _("优先提拔人选")
        verbose_name_plural = _("优先提拔人选")
        ordering = ["list", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["list", "cadre"], name="one_priority_entry_per_cadre"),
            models.UniqueConstraint(fields=["list", "rank"], name="one_priority_entry_per_rank"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.cadre.name}"
