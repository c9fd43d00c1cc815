"""Routing up the unit tree, for every process: the approving authority and its bodies (DOMAIN.md §1.2, §4.3).

The DMN ``award_approval_authority`` says, for an award kind, the lowest level at which a party
committee or government may approve it and the lowest level for a work department. The
approving unit is the nearest unit on the path from the nominating unit up to the root that
satisfies one of the two.
"""

from django.utils.translation import gettext as _

from permissions.models import Unit, UnitKind

LEVEL_ORDER = {"township": 1, "county": 2, "city": 3, "province": 4, "central": 5}
COMMITTEE_KINDS = {UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT}
# 工作部门: the departments of a committee or government, including the organisation and HR ones.
DEPARTMENT_KINDS = {UnitKind.DEPARTMENT, UnitKind.ORGANISATION_DEPT, UnitKind.HR_BUREAU}


class NoApprovingAuthority(ValueError):
    pass


def approving_unit(nominating_unit, committee_min_level, department_min_level):
    if committee_min_level not in LEVEL_ORDER or department_min_level not in LEVEL_ORDER:
        raise NoApprovingAuthority(_("奖励种类没有对应的审批权限，请检查审批权限表"))
    for unit in nominating_unit.ancestors(include_self=True):
        rank = LEVEL_ORDER[unit.level]
        if unit.kind in COMMITTEE_KINDS and rank >= LEVEL_ORDER[committee_min_level]:
            return unit
        if unit.kind in DEPARTMENT_KINDS and rank >= LEVEL_ORDER[department_min_level]:
            return unit
    raise NoApprovingAuthority(_("在“%(unit)s”的上级中找不到有审批权限的单位") % {"unit": nominating_unit.name})


def area_of(unit):
    """The party committee an approving unit belongs to (itself, or the committee above a
    government or department)."""
    if unit.kind == UnitKind.PARTY_COMMITTEE:
        return unit
    return next((u for u in unit.ancestors(include_self=False) if u.kind == UnitKind.PARTY_COMMITTEE), unit)


def _body(area, kind):
    return Unit.objects.filter(parent=area, kind=kind).order_by("pk").first()


def bodies(approving):
    """The units later steps bind to: discipline body, reviewing and publishing organisation
    department, approver. A department approving for its own staff reviews and publishes
    itself; the discipline body is always the area's."""
    area = area_of(approving)
    discipline = _body(area, UnitKind.DISCIPLINE) or area
    if approving.kind in COMMITTEE_KINDS:
        organisation = _body(area, UnitKind.ORGANISATION_DEPT) or approving
    else:
        organisation = approving
    return {
        "approving_unit_id": approving.pk,
        "approving_unit_name": approving.name,
        "approving_level": approving.level,
        "review_unit_id": organisation.pk,
        "publicity_unit_id": organisation.pk,
        "discipline_unit_id": discipline.pk,
        "issuer_unit_id": organisation.pk if organisation.document_prefix else approving.pk,
    }
