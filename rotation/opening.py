"""The annual opening of the rotation plans (轮岗, DOMAIN.md §10 "Rotation"; seed 000 #15).

Once a year, on the opening day (``rules.opening_date``, 1 March [default]), every unit with cadres
≥ 5 years in their current post gets one rotation case for the year, opened by a reviewer of the
organisation department that reviews its plan. ``open_plans`` is idempotent — a unit's plan for a
year is opened once (a unique constraint holds it) — so the worker's cron may call
``manage.py open_rotation_plans`` every day; before the opening day it opens nothing.
"""

import logging
from dataclasses import dataclass, field

from django.db import transaction

from permissions import policy
from permissions.models import Unit
from permissions.roles import Role
from workflows import clock, services
from workflows.errors import WorkflowError
from workflows.models import ProcessDefinition

from . import rules
from .models import RotationPlan
from .routing import department_for

logger = logging.getLogger(__name__)
PROCESS = "rotation"


@dataclass
class Opening:
    year: int
    opened: list = field(default_factory=list)  # the cases started now
    skipped: list = field(default_factory=list)  # (unit, why) of units with due cadres left unopened


def starter_for(department):
    """Who opens a plan for the department: its first active reviewer."""
    holders = sorted(policy.holders_of(Role.REVIEWER, department), key=lambda user: user.pk)
    return holders[0] if holders else None


def open_plans(on=None):
    """Open this year's plans on or after the opening day (``on``: the day, default today by the
    engine's clock); returns an :class:`Opening`."""
    on = on or clock.today()
    result = Opening(year=on.year)
    counted_on = rules.opening_date(on.year)
    if on < counted_on or ProcessDefinition.latest(PROCESS) is None:
        return result
    unit_ids = set(rules.due_cadres(counted_on).values_list("unit_id", flat=True).distinct())
    unit_ids -= set(RotationPlan.objects.filter(year=on.year).values_list("unit_id", flat=True))
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by("path"):
        department = department_for(unit)
        starter = starter_for(department) if department is not None else None
        if starter is None:
            result.skipped.append((unit, "no organisation department with a reviewer"))
            logger.warning("rotation plan %s not opened for %s: no reviewer of its organisation department", on.year, unit)
            continue
        try:
            with transaction.atomic():
                result.opened.append(services.start_process(starter, PROCESS, unit=unit, data={"year": on.year}))
        except WorkflowError as exc:
            if RotationPlan.objects.filter(year=on.year, unit=unit).exists():
                # Another worker opened it meanwhile: every worker runs the daily jobs, and the
                # unique plan per unit and year makes the later start fail. Nothing was skipped.
                continue
            result.skipped.append((unit, str(exc)))
            logger.warning("rotation plan %s not opened for %s: %s", on.year, unit, exc)
    return result
