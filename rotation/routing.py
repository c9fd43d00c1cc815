"""Which organisation department reviews a unit's rotation plan: that of the unit's area (the party
committee it belongs to), else of the nearest party committee above it with one (DOMAIN.md §10)."""

from permissions import routing
from permissions.models import Unit, UnitKind


def department_for(unit):
    if unit.kind == UnitKind.ORGANISATION_DEPT:
        return unit
    area = routing.area_of(unit)
    for above in [area, *area.ancestors(include_self=False)]:
        if above.kind != UnitKind.PARTY_COMMITTEE:
            continue
        found = Unit.objects.filter(parent=above, kind=UnitKind.ORGANISATION_DEPT).order_by("pk").first()
        if found is not None:
            return found
    return None
