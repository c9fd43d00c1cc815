"""Who may see and act on what: per-unit role grants, separation of duties and recusal.

DOMAIN.md §9: nobody acts on a task about themselves or a listed relative; the person who
nominated may not also review or approve the same case.
"""

import datetime
import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook

from .models import Delegation, Grant, Unit
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


def recusal_reason(user, instance, facts=None):
    """Why the user must stay out of this case (DOMAIN.md §9), or None. ``facts``: the user's
    ``person_facts``, already read."""
    subject = instance.subject_cadre_id
    if subject is None:
        return None
    related = facts.relatives if facts is not None else related_cadre_ids(user)
    if subject in related:
        own = facts.cadre_id if facts is not None else getattr(getattr(user, "cadre", None), "pk", None)
        if own == subject:
            return _("您是本案当事人，须回避")
        return _("本案当事人是您的亲属，须回避")
    return None


def act_refusal(user, task, instance=None, *, facts=None):
    """The reason the user may not act on this human task, or None when they may (themselves or
    for a delegator, ``acting_for``; ``facts`` as there — read once for several tasks)."""
    return acting_for(user, task, instance, facts=facts)[1]


def acting_for(user, task, instance=None, *, facts=None):
    """(principal, refusal): the person on whose behalf ``user`` may act on this task — themselves,
    or the delegator of a 委托 in force for the process — or (None, why they may not).
    ``facts``: the user's ``person_facts``, already read (one statement for the grants and
    relatives that the checks would otherwise read one query each)."""
    instance = instance or task.instance
    own = _refusal(user, user, task, instance, facts)
    if own is None:
        return user, None
    via_delegation = None
    for delegation in delegations_in_force(user, instance.definition.process_id):
        refusal = _refusal(delegation.delegator, user, task, instance)
        if refusal is None:
            return delegation.delegator, None
        if via_delegation is None and holds_role(delegation.delegator, task.role, task.unit):
            via_delegation = refusal  # the delegator's task, but someone must stay out of it: say why
    if via_delegation and not holds_role(user, task.role, task.unit):
        return None, via_delegation
    return None, own


def delegations_in_force(user, process_id=None):
    """The 委托 that let ``user`` act for others today (of ``process_id`` when given)."""
    if not user.is_authenticated:
        return []
    cached = user.__dict__.get("_delegations_in_force")
    if cached is None:  # read once per request: the inbox and each act check ask
        cached = _delegations(Delegation.objects.in_force().filter(delegate=user, delegator__is_active=True))
    return [d for d in cached if process_id is None or d.covers(process_id)]


def _delegations(queryset):
    return list(queryset.select_related("delegator").order_by("pk"))


@dataclass(frozen=True)
class PersonFacts:
    """What the visibility filters need to know of one person, read in one statement."""

    grants: list  # (role, unit id, covers subordinates, unit path), as ``_grant_rows``
    delegation_ids: list  # the 委托 in force naming them as delegate
    task_ids: list  # tasks granted to them alone (委派, 加签)
    case_ids: list  # cases granted to them alone (抄送)
    relatives: set  # their own cadre record and their relatives' (``related_cadre_ids``)
    cadre_id: int | None = None  # their own cadre record
    individual_grants: bool = False  # task_ids and case_ids were read (both grant models named)
    unit_names: dict = field(default_factory=dict)  # {unit id: name} of the units of ``grants``, for display

    def granted_units(self):
        """(unit id, name) of the units the person holds a grant on, in the tree's order: what a
        page offers to filter by (display only, as ``facts_seen``)."""
        paths = {unit: path for _role, unit, _subs, path in self.grants}
        return [(unit, self.unit_names.get(unit, "")) for unit in sorted(paths, key=lambda unit: paths[unit])]


def person_facts(user, task_grants=None, case_grants=None):
    """The person's grants, 委托 in force, individual task and case grants (``task_grants``,
    ``case_grants``: the models of those grants, e.g. ``HumanTask.user_grants``'s) and relatives,
    in one UNION ALL statement.

    An inbox needs all four on every call; one round trip instead of four keeps the delegation
    features from costing every person's inbox (issue 15: "p95 not worse than before";
    bench/results/inbox-issue15-final2.txt). The relatives are read through the user's cadre
    record (``cadre``, ``family``, ``relative_of``), so the policy imports nothing above it.
    """
    if not user.is_authenticated:
        return PersonFacts([], [], [], [], set())
    sql, params = _facts_statement(connection.vendor, task_grants, case_grants)
    some_day, today = (connection.ops.adapt_datefield_value(day) for day in (_SOME_DAY, timezone.localdate()))
    bound = [user.pk if p == _SOMEONE else today if p == some_day else p for p in params]
    grants, delegation_ids, task_ids, case_ids, relatives, cadre_id, unit_names = [], [], [], [], set(), None, {}
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        for kind, role, number, subs, path, name in cursor.fetchall():
            if kind == "g":
                grants.append((role, number, bool(subs), path))
                unit_names[number] = name
            elif kind == "d":
                delegation_ids.append(number)
            elif kind == "t":
                task_ids.append(number)
            elif kind == "k":
                case_ids.append(number)
            else:
                relatives.add(number)
                cadre_id = number if kind == "c" else cadre_id
    individual = task_grants is not None and case_grants is not None
    facts = PersonFacts(
        grants, delegation_ids, task_ids, case_ids, relatives, cadre_id, individual_grants=individual, unit_names=unit_names
    )
    user.__dict__["_facts_seen"] = facts
    if "_delegations_in_force" not in user.__dict__:
        # The acting checks of the same request ask again; a person without 委托 costs nothing more.
        ids = facts.delegation_ids
        user.__dict__["_delegations_in_force"] = _delegations(Delegation.objects.filter(pk__in=ids)) if ids else []
    return facts


def facts_seen(user):
    """The person's facts as this request last read them (``person_facts``), or None: for what a
    page only shows — the top bar's roles, whether the reader is the subject or a relative in a
    history. Grants, relatives and the cadre record are complete whichever grant models that read
    named. Never for a decision: an action reads the facts afresh under its lock."""
    return user.__dict__.get("_facts_seen")


def facts_or_read(user, facts, task_grants=None, case_grants=None):
    """``facts`` (read earlier in this request, e.g. ``facts_seen``) when they hold what
    ``person_facts(user, task_grants, case_grants)`` would — the individual grants, if either model
    is named — else that read."""
    individual = task_grants is not None or case_grants is not None
    if facts is not None and (facts.individual_grants or not individual):
        return facts
    return person_facts(user, task_grants, case_grants)


def forget_facts(user):
    """Drop the facts this request read (``facts_seen``): the action has just changed them (e.g. a
    case grant to the person), so what the request shows next reads them again."""
    user.__dict__.pop("_facts_seen", None)


# Placeholders the statement is compiled with, bound to the person and today on each call.
_SOMEONE, _SOME_DAY = -7_310_001, datetime.date(1000, 1, 1)


@functools.cache
def _facts_statement(vendor, task_grants, case_grants):
    """(SQL, params) of ``person_facts``'s statement, compiled by the ORM once per process: compiling
    five querysets on every call cost ~1 ms more than the statement itself (SQLite, demo data)."""
    someone = get_user_model()(pk=_SOMEONE)

    def number(kind, queryset, field):
        return queryset.order_by().values_list(Value(kind), Value(""), F(field), Value(False), Value(""), Value(""))

    me = get_user_model()._base_manager.filter(pk=_SOMEONE)
    parts = [
        number("d", Delegation.objects.in_force(_SOME_DAY).filter(delegate=someone, delegator__is_active=True), "pk"),
        number("c", me.filter(cadre__isnull=False), "cadre__id"),
        number("r", me.filter(cadre__family__relative_cadre__isnull=False), "cadre__family__relative_cadre_id"),
        number("r", me.filter(cadre__relative_of__isnull=False), "cadre__relative_of__cadre_id"),
    ]
    if task_grants is not None:
        parts.append(number("t", task_grants.objects.filter(user=someone), "content_object_id"))
    if case_grants is not None:
        parts.append(number("k", case_grants.objects.filter(user=someone), "content_object_id"))
    grants = (
        Grant.objects.filter(user=someone)
        .order_by()
        .values_list(Value("g"), "role", "unit_id", "include_subordinates", "unit__path", "unit__name")
    )
    sql, params = grants.union(*parts, all=True).query.sql_with_params()
    return sql, tuple(params)


def _refusal(holder, actor, task, instance, facts=None):
    """Why ``actor`` may not act on ``task`` with ``holder``'s role (the same person, or a delegate
    for a delegator); recusal and separation of duties apply to both (issue 15 item 1).
    ``facts``: the actor's ``person_facts``, when read."""
    if facts is not None and holder.pk == actor.pk:
        holds = holder.is_active and _covers(facts.grants, task)  # as holds_role
    else:
        holds = holds_role(holder, task.role, task.unit)
    if not holds:
        return _("您不具有“%(unit)s”的“%(role)s”角色，不能办理此任务") % {"unit": task.unit.name, "role": Role(task.role).label}
    for person in _people(holder, actor):
        reason = recusal_reason(person, instance, facts if person.pk == actor.pk else None)
        if reason:
            return reason if person == actor else _("委托人%(name)s须回避本案") % {"name": _name(person)}
        # Separation of duties follows the diagram's lane: a nominating-lane step bound to another
        # role (the 动议 of a case the organisation department moved) is still the mover's own step.
        reason = duty_refusal(person, _lane_role(task), instance)
        if reason:
            return reason if person == actor else _("委托人%(name)s已办理本案前序环节，不能办理此环节") % {"name": _name(person)}
    if task.claimed_by_id and task.claimed_by_id not in (holder.pk, actor.pk):
        return _("该任务已由%(name)s认领") % {"name": _name(task.claimed_by)}
    return None


def holder_refusal(person, task, instance):
    """Why ``person`` could not hold this task (转办 to them): role, recusal, separation of duties;
    whoever holds its claim now does not matter."""
    if not person.is_active:
        return _("%(name)s的账号已停用") % {"name": _name(person)}
    if not holds_role(person, task.role, task.unit):
        return _("%(name)s不具有“%(unit)s”的“%(role)s”角色") % {
            "name": _name(person),
            "unit": task.unit.name,
            "role": Role(task.role).label,
        }
    return personal_refusal(person, task, instance)


def personal_refusal(person, task, instance):
    """Why ``person`` may not take part in this task in any way (委派, 加签): recusal and separation
    of duties, named for a third person."""
    if not person.is_active:
        return _("%(name)s的账号已停用") % {"name": _name(person)}
    if recusal_reason(person, instance):
        return _("%(name)s须回避本案（本人或亲属为当事人）") % {"name": _name(person)}
    if duty_refusal(person, _lane_role(task), instance):
        return _("%(name)s已在本案中担任推荐或前序环节，不能参与此环节") % {"name": _name(person)}
    return None


def works_on(person, unit):
    """True when ``person`` holds any role on ``unit`` (or on an ancestor covering it): a colleague."""
    return Grant.objects.filter(_grant_covers(unit.pk, _value(unit.path)), user=person).exists()


def _people(holder, actor):
    return [actor] if holder.pk == actor.pk else [actor, holder]


def _name(user):
    return user.get_full_name() or user.get_username()


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
    acted = instance.tasks(manager="all_objects").filter(_acted_by(user), role__in=barred).values_list("name", flat=True).first()
    if acted:
        return _("您已办理本案的“%(step)s”，不能再办理“%(role)s”环节") % {"step": acted, "role": Role(role).label}
    return None


def _acted_by(person):
    """Q on HumanTask: steps ``person`` completed themselves or that a delegate completed for them."""
    return Q(completed_by=person) | Q(completed_for=person)


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


def inbox_filter(user, task_model, *, facts=None):
    """Q on HumanTask (``task_model``) for the tasks the user may act on — one indexed query,
    no per-row checks, after one statement reading the person's facts (``person_facts``).

    Role and unit come from the grants — the user's own, and those of each person who delegated
    to them (委托, for the processes delegated); recusal and separation of duties are applied in
    the same query, to both people of a delegation. Tasks granted to the person alone (委派,
    加签) are a handful of ids, named outright: an ``OR pk IN (subquery)`` would keep PostgreSQL
    from starting at the open-task indexes (it read the whole task table at 1,000,000 cases,
    bench/results/inbox-issue15.txt).

    ``facts``: the person's facts as this request read them with their individual grants (a list
    shown beside what that read allowed, e.g. the case page's "my steps"); otherwise read here.
    """
    facts = facts_or_read(user, facts, task_model._meta.get_field("user_grants").related_model)
    relatives = {user.pk: facts.relatives}  # each person's relatives read once
    q = _tasks_for(user, user, task_model, grants=facts.grants, relatives=relatives)
    for delegation in delegations_in_force(user):
        part = _tasks_for(delegation.delegator, user, task_model, relatives=relatives)
        if delegation.process_ids:
            part &= Q(instance__definition__process_id__in=sorted(delegation.process_ids))
        q |= part
    if facts.task_ids:
        q |= Q(pk__in=sorted(facts.task_ids))
    return q


def delegators_of(user, tasks):
    """{task id: delegator} for the tasks among ``tasks`` (rows of ``user``'s inbox) that reach
    ``user`` only through a 委托, so a list can say "代 X 办理". No query beyond the grants."""
    delegations = delegations_in_force(user)
    if not delegations:
        return {}
    own = _grant_rows(user)
    found = {}
    for task in tasks:
        if _covers(own, task):
            continue
        for delegation in delegations:
            if delegation.covers(task.instance.definition.process_id) and _covers(_grants_cached(delegation.delegator), task):
                found[task.pk] = delegation.delegator
                break
    return found


def _covers(grants, task):
    return any(
        role == task.role and (unit_id == task.unit_id or (subs and task.unit_path.startswith(path)))
        for role, unit_id, subs, path in grants
    )


def _grants_cached(user):
    if "_grant_rows" not in user.__dict__:
        user.__dict__["_grant_rows"] = _grant_rows(user)
    return user.__dict__["_grant_rows"]


def _tasks_for(holder, actor, task_model, *, grants=None, relatives=None):
    """Q on HumanTask: the open tasks of ``holder``'s grants that ``actor`` may act on for them."""
    grants = _grant_rows(holder) if grants is None else grants
    roles = sorted({g[0] for g in grants})
    q = NOTHING
    for role in roles:
        q |= Q(role=role) & _units_q([g for g in grants if g[0] == role])
    q &= Q(claimed_by__isnull=True) | Q(claimed_by__in=sorted({holder.pk, actor.pk}))
    relatives = {} if relatives is None else relatives
    for person in _people(holder, actor):
        if person.pk not in relatives:
            relatives[person.pk] = related_cadre_ids(person)
        related = relatives[person.pk]
        if related:
            q &= ~Q(instance__subject_cadre_id__in=sorted(related))
        q &= _duty_q(person, roles, task_model)
    return q


def _duty_q(person, roles, task_model):
    """Q on HumanTask leaving out the steps of ``roles`` that separation of duties bars ``person``
    from (as ``duty_refusal`` judges one task)."""
    q = Q()
    judging = judging_roles()
    for role in roles:
        barred = lanes_barred_by(role)
        if not barred:
            continue
        acted = task_model._base_manager.filter(_acted_by(person), instance_id=OuterRef("instance_id"), role__in=barred)
        duty = Q(role=role) & ((Q(instance__started_by=person) & Q(instance__definition__start_role__in=barred)) | Exists(acted))
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


def granted_units_q(user, field="unit_id", *, grants=None):
    """Q on ``field`` naming the units of all the user's grants (and granted subtrees), or None
    when the user holds no grant at all. ``grants``: the user's, already read (``person_facts``)."""
    grants = _grant_rows(user) if grants is None else grants
    return _units_q(grants, field) if grants else None


# The organisation department's roles that judge other units' cases, whose holders read the
# records of those units' cadres (issue 15 item 10).
CASE_HANDLING_ROLES = (Role.REVIEWER, Role.APPROVER)


def visible_cadres_filter(user):
    """Q on Cadre: cadres of the units the user holds a role on (and their subordinates where
    granted), and — for a reviewer or approver — of the units whose cases they handle (the
    nominating units of the cases that involved a unit they hold that role on).

    One ``unit_id IN (… UNION …)`` (``visible_units``): PostgreSQL hashes the few units and reads
    the cadres by the unit index. An OR of the three sets could not use the index and read every
    cadre of the province (120–180 ms per statement at 1,000,000 cases, bench/results/supervision.txt).
    """
    return Q(unit_id__in=visible_units(user))


def visible_units(user):
    """The ids of the units whose cadres the user sees (``visible_cadres_filter``), as one query
    (a UNION of the granted units, the granted subtrees and the handled units): a page that asks
    several times reads it once as a list."""
    grants = _grant_rows(user)
    units = [Unit.objects.filter(pk__in=sorted({unit for _role, unit, subs, _path in grants if not subs}))]
    units += [Unit.objects.filter(path__startswith=path) for path in sorted({path for _role, _unit, subs, path in grants if subs})]
    handling = [g for g in grants if g[0] in CASE_HANDLING_ROLES]
    if handling:
        # Through the reverse relation of the case units' copy of their case's nominating unit (so
        # the policy needs no import from the workflows app above it): read from the case units'
        # (unit, nominating unit) index alone, not by looking up every case that involved the units.
        units.append(Unit.objects.filter(_units_q(handling, "handled_case_units__unit_id")))
    first, *others = [part.order_by().values_list("pk", flat=True) for part in units]
    return first.union(*others) if others else first


def holders_of(role, unit):
    """The active users who hold ``role`` on ``unit`` (directly or through an ancestor's grant)."""
    grants = Grant.objects.filter(_grant_covers(unit.pk, _value(unit.path)), role=role)
    return list(get_user_model().objects.filter(is_active=True, grants__in=grants).distinct())
