"""The official working-day calendar (DOMAIN.md §7).

Only the exceptions to the Monday–Friday rule are stored: weekday holidays and weekend
make-up working days (调休上班). A year counts as known only when it has a complete
``CalendarYear`` row; see ``workdays.calendar``.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假（工作日休息）")
    WORKDAY = "workday", _("调休上班（周末上班）")


class Source(models.TextChoices):
    CHINESECALENDAR = "chinesecalendar", _("chinesecalendar 软件包")
    MANUAL = "manual", _("手工录入")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(_("年份"), unique=True, validators=[MinValueValidator(1949), MaxValueValidator(2200)])
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    complete = models.BooleanField(
        _("已完整录入"),
        default=True,
        help_text=_("勾选表示本表已包含该年全部放假和调休安排，系统据此计算工作日。录入过程中可暂不勾选。"),
    )
    note = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度安排")
        verbose_name_plural = _("年度安排")
        ordering = ["-year"]

    def __str__(self):
        return _("%(year)s年") % {"year": self.year}


class CalendarDay(models.Model):
    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("节日名称"), max_length=100, blank=True, help_text=_("如：国庆节"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        verbose_name = _("放假/调休日")
        verbose_name_plural = _("放假/调休日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date.isoformat()} {self.get_kind_display()} {self.name}".rstrip()

    def clean(self):
        # Only exceptions are stored; a redundant row would hide a data-entry mistake
        # (e.g. a make-up day typed on the wrong date).
        if self.date is None:
            return
        weekend = self.date.weekday() >= 5
        if self.kind == DayKind.HOLIDAY and weekend:
            raise ValidationError({"date": _("该日是周末，本来就休息，无需录入为放假。请只录入落在周一至周五的放假日。")})
        if self.kind == DayKind.WORKDAY and not weekend:
            raise ValidationError({"date": _("该日是周一至周五，本来就上班，无需录入为调休上班。请只录入落在周末的调休上班日。")})
