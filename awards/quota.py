"""A nominating unit's use of its annual award quota (shown at review; warn at, refuse above)."""
from dataclasses import asdict, dataclass

from django.db.models import Q

from records.models import AwardKind
from workflows.models import HistoryAction, InstanceStatus, OPEN_STATUSES, ProcessInstance

from .models import AwardQuota

AWARDED_END = "End_awarded"


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


def quota_usage(instance, award_kind):
    """Usage of the quota that applies to this case, not counting the case itself; None without a quota.

    A case uses a place once review has approved it for notice, unless it later ended
    without an award."""
    year = instance.created_at.year
    quota = (AwardQuota.objects.filter(unit=instance.nominating_unit_id, year=year, kind=award_kind or "").first()
             or AwardQuota.objects.filter(unit=instance.nominating_unit_id, year=year, kind="").first())
    if quota is None:
        return None
    cases = ProcessInstance.objects.filter(
        definition__process_id=instance.definition.process_id, nominating_unit_id=instance.nominating_unit_id,
        created_at__year=year, history__action=HistoryAction.COMPLETE, history__task_bpmn_id="Task_review",
        history__changed_fields__decision="approve",
    ).filter(Q(status__in=OPEN_STATUSES) | Q(status=InstanceStatus.COMPLETED, outcome=AWARDED_END)).exclude(pk=instance.pk)
    if quota.kind:
        cases = cases.filter(pk__in=[c.pk for c in cases if _kind_of(c) == quota.kind])
    return QuotaUsage(unit=instance.nominating_unit.name, year=year,
                      kind=str(AwardKind(quota.kind).label) if quota.kind else "各类奖励", limit=quota.limit,
                      used=cases.distinct().count())


def _kind_of(instance):
    event = instance.history.filter(action=HistoryAction.COMPLETE, task_bpmn_id="Task_nominate").order_by("-at", "-id").first()
    return (event.changed_fields or {}).get("award_kind") if event else None
