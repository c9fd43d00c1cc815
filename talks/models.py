"""The talk record (谈心谈话, DOMAIN.md §10 "Talks"): the typed facts of a talk case.

Written by the service door in the case's transaction (``talks.records``); confidential to the
organisation department, which is the case's nominating unit (``talks.routing``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TalkReason(models.TextChoices):
    """Why a talk is due: seed 004 art. 11 "四必谈" and seed 000 #18 (DOMAIN.md §10)."""

    POST_CHANGE = "post_change", _("岗位变动（任职、轮岗、挂职）")
    SETBACK = "setback", _("遭遇重大挫折")
    EARLY_SIGNS = "early_signs", _("出现苗头性、倾向性问题")
    REQUEST = "request", _("本人提出谈话要求")
    ACCOUNTABILITY = "accountability", _("受到问责处理")
    CLARIFICATION = "clarification", _("被诬告错告，已予澄清")


class TalkOutcome(models.TextChoices):
    SETTLED = "settled", _("思想稳定，无需跟进")
    FOLLOW_UP = "follow_up", _("需跟踪了解")
    REFERRED = "referred", _("移交有关部门处理")


class TalkRecord(models.Model):
    """One talk case: whom, why, and — once held — who talked, when, where, about what."""

    instance = models.OneToOneField("workflows.ProcessInstance", on_delete=models.CASCADE, related_name="talk")
    cadre = models.ForeignKey("records.Cadre", verbose_name=_("谈话对象"), on_delete=models.PROTECT, related_name="talks")
    department = models.ForeignKey("permissions.Unit", verbose_name=_("组织部门"), on_delete=models.PROTECT, related_name="talks_held")
    reason = models.CharField(_("谈话事由"), max_length=20, choices=TalkReason.choices)
    # The case that made the talk due (a promotion, a round, a case whose objection was clarified).
    source = models.ForeignKey(
        "workflows.ProcessInstance",
        verbose_name=_("引发谈话的案件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="talks_caused",
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    automatic = models.BooleanField(_("自动发起"), default=False)
    is_open = models.BooleanField(_("在办"), default=True)
    # The talk itself (the 谈话 step).
    talked_on = models.DateField(_("谈话日期"), null=True, blank=True)
    talkers = models.CharField(_("谈话人"), max_length=200, blank=True)
    place = models.CharField(_("谈话地点"), max_length=100, blank=True)
    topics = models.TextField(_("谈话内容"), blank=True)
    response = models.TextField(_("本人反映情况"), blank=True)
    follow_up = models.TextField(_("后续跟进"), blank=True)
    outcome = models.CharField(_("谈话结果"), max_length=20, choices=TalkOutcome.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("谈心谈话记录")
        verbose_name_plural = _("谈心谈话记录")
        constraints = [
            # One running talk per cadre and reason (a retried trigger starts nothing new).
            models.UniqueConstraint(fields=["cadre", "reason"], condition=models.Q(is_open=True), name="one_open_talk_per_reason"),
        ]
        indexes = [models.Index(fields=["source", "cadre", "reason"])]

    def __str__(self):
        return f"{self.cadre} · {self.get_reason_display()}"

    @property
    def held(self):
        return self.talked_on is not None
