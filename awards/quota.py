"""A nominating unit's use of its annual award quota (DOMAIN.md §1.5/§2 [default]).

A nomination takes a place when review approves it for notice (``Nomination.quota_counted``)
and gives it back when its case ends without an award. The count is taken from the
nominations themselves, under a lock on the quota row, so two approvals of the last place
cannot both pass.
"""

from dataclasses import asdict, dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from records.models import AwardKind

from .models import AwardQuota, Nomination


@dataclass
class QuotaUsage:
    unit: str
    year: int
    kind: str
    limit: int
    used: int

    def as_dict(self):
        return asdict(self)

    @property
    def at_limit(self):
        return self.used >= self.limit

    @property
    def exceeded_message(self):
        return _("%(unit)s %(year)s年度%(kind)s名额为%(limit)s个，已使用%(used)s个，不能再同意") % self.as_dict()


def _quota_for(nomination, *, lock=False):
    """The quota that applies: the one for the award kind, else the unit's total; None without one.

    Both rows are read (and, with ``lock``, locked) in one statement: a nomination under its kind's
    quota and one of another kind under the total then wait for each other, as the total counts
    every kind."""
    kinds = [nomination.award_kind, ""] if nomination.award_kind else [""]
    rows = AwardQuota.objects.filter(unit_id=nomination.unit_id, year=nomination.year, kind__in=kinds).order_by("pk")
    if lock:
        rows = rows.select_for_update()
    found = {quota.kind: quota for quota in rows}  # one row per (unit, year, kind)
    return found.get(nomination.award_kind) or found.get("")


def _usage(nomination, quota):
    taken = Nomination.objects.filter(unit_id=nomination.unit_id, year=nomination.year, quota_counted=True)
    if quota.kind:
        taken = taken.filter(award_kind=quota.kind)
    return QuotaUsage(
        unit=nomination.unit.name,
        year=nomination.year,
        kind=str(AwardKind(quota.kind).label) if quota.kind else _("各类奖励"),
        limit=quota.limit,
        used=taken.filter(~Q(pk=nomination.pk)).count(),
    )


def quota_usage(nomination):
    """Usage of the quota that applies to this nomination, not counting itself; None without a quota."""
    if nomination is None:
        return None
    quota = _quota_for(nomination)
    return _usage(nomination, quota) if quota else None


def take_place(nomination):
    """Count the nomination against its quota, or return the usage that refuses it.

    Runs in the approving transaction: the quota row stays locked until it commits, so a
    concurrent approval for the same quota waits and then counts this one."""
    quota = _quota_for(nomination, lock=True)
    if quota is not None:
        usage = _usage(nomination, quota)
        if usage.used + 1 > usage.limit:
            return usage
    nomination.quota_counted = True
    nomination.save(update_fields=["quota_counted"])
    return None
