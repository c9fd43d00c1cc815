"""Which organisation department holds a talk: the one that manages the cadre (DOMAIN.md §10).

A talk case's nominating unit is that department, so that only the department's own people (and
grants covering it) see the confidential record; the cadre's unit — its nominators and leaders —
is never involved.
"""

from permissions import routing
from permissions.models import Unit, UnitKind


def department_of_area(unit):
    """The organisation department of ``unit``'s area (the party committee it belongs to), or None."""
    if unit.kind == UnitKind.ORGANISATION_DEPT:
        return unit
    area = routing.area_of(unit)
    return Unit.objects.filter(parent=area, kind=UnitKind.ORGANISATION_DEPT).order_by("pk").first()


def organisation_department(cadre, hint=None):
    """The organisation department for a talk with ``cadre``.

    ``hint``: the unit the triggering event belongs to (the committee that decided the appointment,
    the department that ran the round or verified the objection) — its area's department is the one
    with the cadre in its charge. Without one: the department of the nearest party committee above
    the cadre's unit."""
    if hint is not None:
        found = department_of_area(hint)
        if found is not None:
            return found
    for above in cadre.unit.ancestors(include_self=True):
        if above.kind == UnitKind.PARTY_COMMITTEE:
            found = Unit.objects.filter(parent=above, kind=UnitKind.ORGANISATION_DEPT).order_by("pk").first()
            if found is not None:
                return found
    return None


def area_cadres_filter(department):
    """Cadres a department holds talks with: those of its area (the committee's tree)."""
    from django.db.models import Q

    area = routing.area_of(department)
    return Q(unit__path__startswith=area.path)
