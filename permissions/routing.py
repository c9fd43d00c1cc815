"""Routing up the unit tree, for every process: the approving authority and its bodies (DOMAIN.md §1.2, §4.3).

The DMN ``award_approval_authority`` says, for an award kind, the lowest level at which a party
committee or government may approve it and the lowest level for a work department. The
approving unit is the nearest unit on the path from the nominating unit up to the root that
satisfies one of the two.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook
from permissions.models import Unit, UnitKind

# The defaults (DOMAIN.md §1.2 [practice]); an administrator changes them as rule parameters.
LEVEL_ORDER = {"township": 1, "county": 2, "city": 3, "province": 4, "central": 5}
COMMITTEE_KINDS = {UnitKind.PARTY_COMMITTEE, UnitKind.GOVERNMENT}
# 工作部门: the departments of a committee or government, including the organisation and HR ones.
DEPARTMENT_KINDS = {UnitKind.DEPARTMENT, UnitKind.ORGANISATION_DEPT, UnitKind.HR_BUREAU}


def _unit_kinds(candidate):
    if not candidate or any(kind not in UnitKind.values for kind in candidate):
        return _("应为单位类别代码的列表：%(kinds)s") % {"kinds": "、".join(UnitKind.values)}
    return None


def _levels(candidate):
    if sorted(candidate) != sorted(LEVEL_ORDER) or len(set(candidate)) != len(candidate):
        return _("应为全部层级代码由低到高的排列：%(levels)s") % {"levels": "、".join(LEVEL_ORDER)}
    return None


LEVELS = rulebook.declare(
    "routing.level_order",
    label=gettext_lazy("审批层级由低到高"),
    default=list(LEVEL_ORDER),
    source="DOMAIN.md §1.2 [practice]",
    check=_levels,
)
COMMITTEES = rulebook.declare(
    "routing.committee_kinds",
    label=gettext_lazy("可作为“党委、政府”审批的单位类别"),
    default=sorted(COMMITTEE_KINDS),
    source="DOMAIN.md §1.2 [practice]",
    check=_unit_kinds,
)
DEPARTMENTS = rulebook.declare(
    "routing.department_kinds",
    label=gettext_lazy("可作为“工作部门”审批的单位类别"),
    default=sorted(DEPARTMENT_KINDS),
    source="DOMAIN.md §1.2 [practice]",
    check=_unit_kinds,
)


def level_order():
    """{level: rank}, lowest 1, as the rule parameter says today."""
    return {level: rank for rank, level in enumerate(rulebook.value(LEVELS.key), start=1)}


def committee_kinds():
    return set(rulebook.value(COMMITTEES.key))


def department_kinds():
    return set(rulebook.value(DEPARTMENTS.key))


class NoApprovingAuthority(ValueError):
    pass


def approving_unit(nominating_unit, committee_min_level, department_min_level):
    order, committees, departments = level_order(), committee_kinds(), department_kinds()
    if committee_min_level not in order or department_min_level not in order:
        raise NoApprovingAuthority(_("奖励种类没有对应的审批权限，请检查审批权限表"))
    for unit in nominating_unit.ancestors(include_self=True):
        rank = order[unit.level]
        if unit.kind in committees and rank >= order[committee_min_level]:
            return unit
        if unit.kind in departments and rank >= order[department_min_level]:
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
    if approving.kind in committee_kinds():
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
