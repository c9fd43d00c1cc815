"""Counting the leadership posts of a unit against its quota (职数, DOMAIN.md §10 "Post quotas").

For a unit and a level, on a day:

- **quota** (核定职数): the :class:`~quotas.models.PostQuota` row in force on that day;
- **filled** (实有): the cadres whose record places them in that unit at that level now
  (``records.quotas.holders``; a cadre promoted in the unit counts at the new level from the
  appointment, when the record's level changes);
- **pending** (在办): the open cases that would put a cadre of that unit into a post of that
  level and have not done so yet (``records.quotas.pending``: for the exceptional promotion, the
  open proposals with that target level whose cadre belongs to the unit, until the appointment);
- **vacancies** (空缺) = quota − filled, **excess** (超职数) = filled − quota, each at least 0;
- **available** (尚可动议) = quota − filled − pending, at least 0.

A proposal is refused at 动议 when nothing is available: filled + pending ≥ quota. A unit and
level without a quota row in force is not checked (the page lists it as 未核定).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from permissions.models import Unit
from records import quotas as seam
from records.models import RANK_ORDER, RankLevel

from .models import PostQuota


@dataclass
class QuotaLine:
    unit: Unit
    level: str
    quota: int | None  # None: no quota in force (未核定)
    filled: int
    pending: int
    row: PostQuota | None = None

    @property
    def level_label(self):
        return RankLevel(self.level).label

    @property
    def vacancies(self):
        return None if self.quota is None else max(self.quota - self.filled, 0)

    @property
    def excess(self):
        return None if self.quota is None else max(self.filled - self.quota, 0)

    @property
    def available(self):
        return None if self.quota is None else max(self.quota - self.filled - self.pending, 0)

    @property
    def full(self):
        return self.quota is not None and self.filled + self.pending >= self.quota


def refusal(unit, level, *, on, exclude_instance_id=None):
    """DOMAIN.md §10 "Post quotas": why one more proposal to ``level`` in ``unit`` is refused on
    ``on`` (the quota, the cadres holding it and the open proposals), or None.

    The quota row in force is locked first (on PostgreSQL) so that two proposals for the last
    vacancy, moved at the same time, are counted one after the other."""
    if level not in RANK_ORDER:
        return None
    row = PostQuota.objects.select_for_update().filter(unit=unit, level=level, valid_from__lte=on).order_by("-valid_from").first()
    if row is None:
        return None
    filled = seam.holders([unit.pk])[(unit.pk, level)]
    pending = seam.pending([unit.pk], exclude_instance_id=exclude_instance_id)[(unit.pk, level)]
    if filled + pending < row.posts:
        return None
    return _(
        "%(unit)s%(level)s职数%(quota)s名，现有%(filled)s名，另有在办的提拔动议%(pending)s件，已无空缺，不能提出动议"
        "（职数依据：%(basis)s，%(date)s起执行）"
    ) % {
        "unit": unit.name,
        "level": RankLevel(level).label,
        "quota": row.posts,
        "filled": filled,
        "pending": pending,
        "basis": row.basis,
        "date": row.valid_from.isoformat(),
    }


def lines(units, *, on):
    """One :class:`QuotaLine` per unit and level with a quota in force on ``on`` or with cadres
    holding or proposed to it, among ``units`` (a queryset of units), in the units' tree order and
    the levels' order (DOMAIN.md §4.4). The units are read by subquery: a province's tree is not
    loaded to list the few with leadership posts."""
    ids = units.order_by().values("pk")
    rows = {(q.unit_id, q.level): q for q in PostQuota.objects.in_force(on).filter(unit_id__in=ids)}
    filled = seam.holders(ids)
    pending = seam.pending(ids)
    keys = {key for key in set(rows) | set(filled) | set(pending) if key[1] in RANK_ORDER}
    keys = {key for key in keys if key in rows or filled[key] or pending[key]}
    by_id = Unit.objects.in_bulk({unit_id for unit_id, _level in keys})
    result = [
        QuotaLine(
            unit=by_id[unit_id],
            level=level,
            quota=rows[(unit_id, level)].posts if (unit_id, level) in rows else None,
            filled=filled[(unit_id, level)],
            pending=pending[(unit_id, level)],
            row=rows.get((unit_id, level)),
        )
        for unit_id, level in keys
        if unit_id in by_id
    ]
    result.sort(key=lambda line: (line.unit.path, RANK_ORDER.index(line.level)))
    return result
