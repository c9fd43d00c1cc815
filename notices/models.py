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
    PENDING = "pending", _("待核查")
    UNTRUE = "untrue", _("不属实")
    PARTLY_TRUE = "partly_true", _("部分属实")
    TRUE = "true", _("属实")


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
