"""What the API keeps for itself: a receipt for every human task that has closed.

The engine deletes a ``HumanTask`` row when the step is completed, returned, withdrawn or
cancelled (the task list is a projection). A client that retries ``complete`` on such a task
must learn that it was already handled (409), not that it never existed (404) — and must get a
404, not a 409, for another unit's task, so nothing leaks. The receipt names the case; the
caller's right to see the case decides between the two.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ClosedTask(models.Model):
    task_id = models.BigIntegerField(_("任务编号"), primary_key=True)
    # A plain column, not a foreign key: receipts are written while rows are being deleted,
    # and must never stand in the way of that delete.
    instance_id = models.BigIntegerField(_("案件编号"), db_index=True)
    bpmn_id = models.CharField(_("环节标识"), max_length=100)
    name = models.CharField(_("环节"), max_length=200)
    closed_at = models.DateTimeField(_("关闭时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已关闭的任务")
        verbose_name_plural = _("已关闭的任务")

    def __str__(self):
        return f"{self.task_id} {self.name}"
