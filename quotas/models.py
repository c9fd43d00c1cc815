"""Leadership post quotas (职数, DOMAIN.md §10 "Post quotas"), kept by an administrator.

The staffing plan (三定方案) fixes how many leadership posts of each level a unit has; a promotion
may not exceed them [practice — 党政领导干部选拔任用工作条例 has 职数 checked at 动议]. A quota is
dated: the row of a unit and level in force on a day is the latest one whose ``valid_from`` is
not after it (the pattern of the rule parameters, ``rulebook``). A change is a new row from its
date, so the earlier figures stay on record; a row already in force is not edited or deleted.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from permissions.models import Unit
from records.models import RANK_ORDER, RankLevel

LEVEL_CHOICES = [(code, RankLevel(code).label) for code in RANK_ORDER]


class PostQuotaQuerySet(models.QuerySet):
    def in_force(self, on):
        """The rows in force on ``on``: for each unit and level, the latest row dated on or before it."""
        later = PostQuota.objects.filter(
            unit_id=models.OuterRef("unit_id"),
            level=models.OuterRef("level"),
            valid_from__gt=models.OuterRef("valid_from"),
            valid_from__lte=on,
        )
        return self.filter(valid_from__lte=on).exclude(models.Exists(later))


class PostQuota(models.Model):
    """职数: the number of leadership posts of one level in one unit, from a date (DOMAIN.md §10)."""

    objects = PostQuotaQuerySet.as_manager()

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="post_quotas")
    level = models.CharField(_("职级层次"), max_length=30, choices=LEVEL_CHOICES)
    posts = models.PositiveSmallIntegerField(_("职数（名）"))
    valid_from = models.DateField(_("生效日期"))
    basis = models.CharField(_("依据"), max_length=200, help_text=_("三定方案、机构编制部门批复的文号等"))
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("领导职数")
        verbose_name_plural = _("领导职数")
        ordering = ["unit__path", "level", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "level", "valid_from"], name="one_post_quota_per_unit_level_and_date"),
        ]

    def __str__(self):
        return _("%(unit)s%(level)s职数%(posts)s名（%(date)s起）") % {
            "unit": self.unit.name,
            "level": self.get_level_display(),
            "posts": self.posts,
            "date": self.valid_from.isoformat(),
        }

    def clean(self):
        """The figures in force on past days stay as they were: only the first row of a unit and
        level may be dated back (to record the staffing plan already in force when it is entered);
        any later row, and a correction of a row not yet in force, takes effect today or later."""
        from workflows import clock

        if not (self.unit_id and self.level and self.valid_from) or self.valid_from >= clock.today():
            return
        others = PostQuota.objects.filter(unit_id=self.unit_id, level=self.level).exclude(pk=self.pk)
        if self.pk is not None or others.exists():
            raise ValidationError({"valid_from": _("该单位该职级已有职数记录，变更自今天或以后生效，不能追溯更改已执行的职数")})

    @classmethod
    def row_in_force(cls, unit_id, level, on):
        """The row of ``unit_id`` and ``level`` in force on ``on``, or None (no quota recorded yet)."""
        return cls.objects.filter(unit_id=unit_id, level=level, valid_from__lte=on).order_by("-valid_from").first()
