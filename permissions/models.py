from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .signals import unit_moved


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")


LEVEL_RANK = {UnitLevel.PROVINCE: 4, UnitLevel.CITY: 3, UnitLevel.COUNTY: 2, UnitLevel.TOWNSHIP: 1}


class UnitKind(models.TextChoices):
    PARTY_COMMITTEE = "party_committee", _("党委")
    GOVERNMENT = "government", _("政府")
    ORGANISATION_DEPT = "organisation_dept", _("组织部门")
    HR_BUREAU = "hr_bureau", _("人力资源和社会保障部门")
    DISCIPLINE = "discipline", _("纪检监察机关")
    DEPARTMENT = "department", _("工作部门")
    TOWNSHIP = "township", _("乡镇（街道）")


class Unit(models.Model):
    """A unit of the organisation tree.

    ``path`` is a materialised path (``/1/7/42/``) so that "this unit and everything below it"
    is one indexed prefix match, in the inbox query and elsewhere.
    """

    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    code = models.CharField(_("代码"), max_length=40, unique=True)
    parent = models.ForeignKey("self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    level = models.CharField(_("层级"), max_length=20, choices=UnitLevel.choices)
    kind = models.CharField(_("类别"), max_length=30, choices=UnitKind.choices)
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    # Official documents (DOMAIN.md §8.1): the issuer mark and the 代字 of the document number,
    # e.g. 平组 in 平组〔2026〕12号. Units that issue nothing leave them blank.
    document_prefix = models.CharField(_("发文字号代字"), max_length=20, blank=True)
    issuer_mark = models.CharField(_("发文机关标志"), max_length=60, blank=True, help_text=_("留空则用单位名称"))

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if self.pk and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位")})
            ancestor = ancestor.parent

    def save(self, *args, **kwargs):
        old_path = self.path
        with transaction.atomic():
            super().save(*args, **kwargs)
            new_path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
            if new_path != old_path:
                Unit.objects.filter(pk=self.pk).update(path=new_path)
                self.path = new_path
                if old_path:
                    # Moving a unit moves its whole subtree, and the copies of its paths elsewhere.
                    for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                        Unit.objects.filter(pk=child.pk).update(path=new_path + child.path[len(old_path) :])
                    unit_moved.send(sender=Unit, old_path=old_path, new_path=new_path)

    @property
    def level_rank(self):
        return LEVEL_RANK[self.level]

    def ancestors(self, include_self=True):
        """Units from this one up to the root, nearest first (one query)."""
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        if not include_self:
            ids = ids[:-1]
        by_id = Unit.objects.in_bulk(ids)
        return [by_id[i] for i in reversed(ids) if i in by_id]

    def descendants(self, include_self=True):
        qs = Unit.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_within(self, other):
        """True when this unit is ``other`` or lies below it."""
        return self.path.startswith(other.path)


class Grant(models.Model):
    """A role held by a person on a unit, optionally covering the unit's subordinates.

    The policy and the inbox query read these rows directly (subordinate coverage is a path
    prefix, which object permissions cannot express). Grants to one person on one case or task
    (a cc reader, a 委派 colleague, a countersigner) are django-guardian object permissions on
    that case or task (``workflows.models.CaseUserObjectPermission``/``TaskUserObjectPermission``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="grants")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    include_subordinates = models.BooleanField(_("含下级单位"), default=False)
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_grant")]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        scope = _("（含下级）") if self.include_subordinates else ""
        return f"{self.user} · {self.get_role_display()} @ {self.unit}{scope}"


class DelegationQuerySet(models.QuerySet):
    def in_force(self, on=None):
        """Delegations that let their delegate act today (``on``): started, not past their end
        date, not ended early."""
        from django.utils import timezone

        on = on or timezone.localdate()
        return self.filter(ended_at__isnull=True, starts_on__lte=on, ends_on__gte=on)


class Delegation(models.Model):
    """委托: while away, a person lets a colleague act on their tasks — of all processes or of the
    ones named — from one date to another. The delegate acts "代 X 办理"; both people must be
    free of recusal and separation of duties on the case (``permissions.policy``)."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("委托人"), on_delete=models.CASCADE, related_name="delegations_given"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("受托人"), on_delete=models.CASCADE, related_name="delegations_received"
    )
    # Process ids (``merit_citation`` …); empty: every process.
    process_ids = models.JSONField(_("委托的流程"), default=list, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("设立时间"), auto_now_add=True)
    ended_at = models.DateTimeField(_("提前结束时间"), null=True, blank=True)

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("委托办理")
        verbose_name_plural = _("委托办理")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~models.Q(delegator=models.F("delegate")), name="delegation_to_another_person"),
        ]
        indexes = [models.Index(fields=["delegate", "ends_on"], condition=models.Q(ended_at__isnull=True), name="delegation_in_force")]

    def __str__(self):
        return f"{self.delegator} → {self.delegate} ({self.starts_on}–{self.ends_on})"

    def covers(self, process_id):
        return not self.process_ids or process_id in self.process_ids
