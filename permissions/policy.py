"""Who may see and act on what: per-unit role grants, separation of duties and recusal.

DOMAIN.md §9: nobody acts on a task about themselves or a listed relative; the person who
nominated may not also review or approve the same case.
"""

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.lookups import StartsWith
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook

from .models import Grant, Unit
from .roles import Role

# Roles that judge a case, which its nominator may not hold on it (DOMAIN.md §9, [default]): the
# default of the rule parameter below, which an administrator may change.
JUDGING_ROLES = {Role.REVIEWER, Role.APPROVER, Role.DISCIPLINE, Role.PUBLICITY_OFFICER}


def _roles(candidate):
    if any(role not in Role.values for role in candidate) or any(role in (Role.NOMINATOR, Role.UNIT_LEADER) for role in candidate):
        return _("应为审核、审批类角色代码的列表（不含推荐单位的角色）：%(roles)s") % {
            "roles": "、".join(sorted(str(role) for role in JUDGING_ROLES))
        }
    return None


JUDGING = rulebook.declare(
    "policy.judging_roles",
    label=gettext_lazy("推荐人不得在同一案件中担任的角色"),
    default=sorted(JUDGING_ROLES),
    source="DOMAIN.md §9 [default]",
    check=_roles,
)


def judging_roles():
    return set(rulebook.value(JUDGING.key))


# The nominating unit's lanes, in the order a case passes them: who acted in one may not act in
# a later one, nor on any judging step (DOMAIN.md §9 "the person who nominated may not also
# review or approve the same case", extended to the unit's collective decision).
NOMINATING_LANES = (Role.NOMINATOR, Role.UNIT_LEADER)


def lanes_barred_by(role):
    """The nominating-unit lanes whose actors may not act on a step of ``role``."""
    if role in judging_roles():
        return NOMINATING_LANES
    if role in NOMINATING_LANES:
        return NOMINATING_LANES[: NOMINATING_LANES.index(role)]
    return ()


def _grant_covers(unit_ref, path_ref):
    """Q on Grant: the grant's unit is the unit, or an ancestor granted with its subordinates."""
    return Q(unit=unit_ref) | (Q(include_subordinates=True) & StartsWith(path_ref, F("unit__path")))


def holds_role(user, role, unit):
    if not user.is_authenticated or not user.is_active:
        return False
    return Grant.objects.filter(_grant_covers(unit.pk, _value(unit.path)), user=user, role=role).exists()


def _value(text):
    from django.db.models import Value

    return Value(text)


def units_with_role(user, role):
    """Units where the user holds ``role`` (directly or through a grant covering subordinates)."""
    grants = Grant.objects.filter(user=user, role=role)
    q = Q(pk__in=grants.values("unit"))
    for path in grants.filter(include_subordinates=True).values_list("unit__path", flat=True):
        q |= Q(path__startswith=path)
    return Unit.objects.filter(q) if grants.exists() else Unit.objects.none()


def related_cadre_ids(user):
    """The user's own cadre record and the cadres listed as their relatives, either direction.

    Read through the cadre record's relations (``user.cadre``, ``family``, ``relative_of``), so
    the policy needs no import from the records app above it."""
    cadre = getattr(user, "cadre", None) if user.is_authenticated else None
    if cadre is None:
        return set()
    ids = {cadre.pk}
    pairs = cadre.family.model.objects.filter(Q(cadre=cadre, relative_cadre__isnull=False) | Q(relative_cadre=cadre))
    for one, other in pairs.values_list("cadre_id", "relative_cadre_id"):
        ids.update((one, other))
    return ids


def recusal_reason(user, instance):
    """Why the user must stay out of this case (DOMAIN.md §9), or None."""
    subject = instance.subject_cadre_id
    if subject is None:
        return None
    if subject in related_cadre_ids(user):
        if getattr(user, "cadre", None) is not None and user.cadre.pk == subject:
            return _("您是本案当事人，须回避")
        return _("本案当事人是您的亲属，须回避")
    return None


def act_refusal(user, task, instance=None):
    """The reason the user may not act on this human task, or None when they may."""
    instance = instance or task.instance
    if not holds_role(user, task.role, task.unit):
        return _("您不具有“%(unit)s”的“%(role)s”角色，不能办理此任务") % {"unit": task.unit.name, "role": Role(task.role).label}
    reason = recusal_reason(user, instance)
    if reason:
        return reason
    # Separation of duties follows the diagram's lane: a nominating-lane step bound to another role
    # (the 动议 of a case the organisation department moved) is still the mover's own step.
    reason = duty_refusal(user, _lane_role(task), instance)
    if reason:
        return reason
    if task.claimed_by_id and task.claimed_by_id != user.pk:
        return _("该任务已由%(name)s认领") % {"name": task.claimed_by.get_full_name() or task.claimed_by.get_username()}
    return None


def _lane_role(task):
    from .roles import UnknownLane, role_for_lane

    try:
        return role_for_lane(task.lane) if task.lane else task.role
    except UnknownLane:
        return task.role


def duty_refusal(user, role, instance):
    """Separation of duties by who acted (DOMAIN.md §9): whoever started the case in, or completed
    a step of it in, an earlier nominating-unit lane may not act on a step of ``role``."""
    barred = lanes_barred_by(role)
    if not barred:
        return None
    if instance.started_by_id == user.pk and instance.definition.start_role in barred:
        return _("您是本案的推荐人，不能再办理“%(role)s”环节") % {"role": Role(role).label}
    acted = instance.tasks(manager="all_objects").filter(completed_by=user, role__in=barred).values_list("name", flat=True).first()
    if acted:
        return _("您已办理本案的“%(step)s”，不能再办理“%(role)s”环节") % {"step": acted, "role": Role(role).label}
    return None


def _grant_rows(user):
    """The user's grants as (role, unit id, covers subordinates, unit path): a handful per person."""
    return list(Grant.objects.filter(user=user).values_list("role", "unit_id", "include_subordinates", "unit__path"))


NOTHING = Q(pk__in=[])


def _units_q(grants, field="unit_id"):
    """Q on ``field``: the units of these grants, and the subtrees of those covering subordinates.

    Naming the units outright lets PostgreSQL start from the indexes (HumanTask(role, unit),
    CaseUnit(unit, instance)) instead of testing every row against the grants
    (bench/results/inbox.txt: 640 ms → 12 ms at 1,000,000 cases).
    """
    direct = sorted({unit_id for _role, unit_id, subs, _path in grants if not subs})
    q = Q(**{f"{field}__in": direct}) if direct else NOTHING
    for path in sorted({path for _role, _unit, subs, path in grants if subs}):
        q |= Q(**{f"{field}__in": Unit.objects.filter(path__startswith=path).values("pk")})
    return q


def inbox_filter(user, task_model):
    """Q on HumanTask (``task_model``) for the tasks the user may act on — one indexed query,
    no per-row checks.

    Role and unit come from the grants; recusal and separation of duties are applied in the
    same query.
    """
    grants = _grant_rows(user)
    q = NOTHING
    for role in sorted({g[0] for g in grants}):
        q |= Q(role=role) & _units_q([g for g in grants if g[0] == role])
    q &= Q(claimed_by__isnull=True) | Q(claimed_by=user)
    related = related_cadre_ids(user)
    if related:
        q &= ~Q(instance__subject_cadre_id__in=related)
    judging = judging_roles()
    for role in sorted({g[0] for g in grants if lanes_barred_by(g[0])}):
        barred = lanes_barred_by(role)
        acted = task_model._base_manager.filter(instance_id=OuterRef("instance_id"), completed_by=user, role__in=barred)
        duty = Q(role=role) & ((Q(instance__started_by=user) & Q(instance__definition__start_role__in=barred)) | Exists(acted))
        if role in judging:
            # A nominating-lane step bound to a judging role is the mover's own (the organisation
            # department's 动议 sent back to it), as act_refusal judges it by its lane.
            duty &= ~Q(lane__in=_lane_names(NOMINATING_LANES))
        q &= ~duty
    return q


def _lane_names(roles):
    """The lane names (role codes and their Chinese aliases) that stand for ``roles``."""
    from .roles import LANE_ALIASES

    return sorted({str(role) for role in roles} | {alias for alias, role in LANE_ALIASES.items() if role in roles})


def granted_units_q(user, field="unit_id"):
    """Q on ``field`` naming the units of all the user's grants (and granted subtrees), or None
    when the user holds no grant at all."""
    grants = _grant_rows(user)
    return _units_q(grants, field) if grants else None


def visible_cadres_filter(user):
    """Q on Cadre: cadres of the units the user holds a role on (and their subordinates where granted)."""
    return _units_q(_grant_rows(user))


def holders_of(role, unit):
    """The active users who hold ``role`` on ``unit`` (directly or through an ancestor's grant)."""
    from django.contrib.auth import get_user_model

    grants = Grant.objects.filter(_grant_covers(unit.pk, _value(unit.path)), role=role)
    return list(get_user_model().objects.filter(is_active=True, grants__in=grants).distinct())
