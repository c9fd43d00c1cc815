"""常用意见: short opinion texts a user inserts with one click on the task page.

A personal opinion belongs to one user; a unit opinion to one unit and is offered to everyone
holding a role on that unit (managed by its reviewers and approvers, or in the admin).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from permissions.models import Grant, Unit
from permissions.roles import Role

OPINION_MAX_LENGTH = 200
PERSONAL_LIMIT = 30
# Who maintains a unit's common opinions (besides the admin).
UNIT_MANAGER_ROLES = (Role.REVIEWER, Role.APPROVER)


class CommonOpinionQuerySet(models.QuerySet):
    def for_user(self, user):
        """The user's personal opinions, then those of the units they hold a role on."""
        if not user.is_authenticated:
            return self.none()
        units = Grant.objects.filter(user=user).values("unit")
        return self.filter(Q(owner=user) | Q(unit__in=units)).select_related("unit").order_by("unit_id", "position", "id")

    def personal(self, user):
        return self.filter(owner=user).order_by("position", "id")


class CommonOpinion(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("个人"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="common_opinions",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, null=True, blank=True, related_name="common_opinions")
    text = models.CharField(_("意见内容"), max_length=OPINION_MAX_LENGTH)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CommonOpinionQuerySet.as_manager()

    class Meta:
        verbose_name = _("常用意见")
        verbose_name_plural = _("常用意见")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, unit__isnull=True) | Q(owner__isnull=True, unit__isnull=False),
                name="common_opinion_owner_xor_unit",
            )
        ]

    def __str__(self):
        return self.text

    @property
    def scope_label(self):
        return self.unit.name if self.unit_id else _("个人")


def managed_units(user):
    """The units whose common opinions the user maintains (reviewer or approver there)."""
    if not user.is_authenticated:
        return Unit.objects.none()
    return Unit.objects.filter(grants__user=user, grants__role__in=list(UNIT_MANAGER_ROLES)).distinct().order_by("path")
