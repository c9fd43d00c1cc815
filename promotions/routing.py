"""Who decides an exceptional promotion and whose consent it needs (DOMAIN.md §4.3).

The party committee of the nominating unit's area decides; its organisation department
inspects and publishes; its discipline body gives the integrity opinion; the organisation
department one level up must consent (step 2).
"""

from django.utils.translation import gettext as _

from permissions.models import Unit, UnitKind
from permissions.routing import area_of, bodies


class NoDecidingCommittee(ValueError):
    pass


def route(nominating_unit):
    area = area_of(nominating_unit)
    if area.kind != UnitKind.PARTY_COMMITTEE:
        raise NoDecidingCommittee(_("找不到“%(unit)s”所属的党委") % {"unit": nominating_unit.name})
    higher_area = area_of(area.parent) if area.parent_id else None
    if higher_area is None or higher_area.kind != UnitKind.PARTY_COMMITTEE:
        raise NoDecidingCommittee(_("“%(unit)s”没有上级党委，无法征求上级组织部门意见") % {"unit": area.name})
    higher_bodies = bodies(higher_area)
    result = bodies(area)
    result.update(
        {
            "consent_unit_id": higher_bodies["review_unit_id"],
            "consent_unit_name": Unit.objects.get(pk=higher_bodies["review_unit_id"]).name,
            "review_unit_name": Unit.objects.get(pk=result["review_unit_id"]).name,
        }
    )
    return result
