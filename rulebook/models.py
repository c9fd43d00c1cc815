from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleParameter(models.Model):
    """A dated value of a declared rule parameter: in force from ``effective_from`` until the next
    row of the same key (DOMAIN.md: [practice] and [default] rules are data, not constants)."""

    key = models.CharField(_("参数"), max_length=60, db_index=True)
    value = models.JSONField(_("取值"))
    effective_from = models.DateField(_("施行日期"))
    basis = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("文件、会议决定或《规则手册》条目"))

    class Meta:
        verbose_name = _("规则参数")
        verbose_name_plural = _("规则参数")
        ordering = ["key", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_rule_parameter_per_key_and_date")]

    def __str__(self):
        return f"{self.key} = {self.value} ({self.effective_from})"

    def clean(self):
        from .registry import UnknownParameter, declared

        try:
            parameter = declared()[self.key]
        except KeyError:
            raise ValidationError({"key": _("没有这个规则参数")}) from UnknownParameter(self.key)
        message = parameter.problem(self.value)
        if message:
            raise ValidationError({"value": message})
