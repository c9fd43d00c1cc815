"""Write the demo data set (:mod:`demo.data`) to the database, idempotently.

Every row has a stable key — units by ``code``, users by ``username``, cadres by
``id_number``, each cadre's records by a natural key (an assessment by year, a sanction by
kind and decision date …). The loader reads what is there, creates what is missing and
updates what differs, in one transaction. A second run therefore finds nothing to do and
writes nothing, and a partly deleted or edited demo data set is repaired. Nothing is ever
deleted: rows the application added (cases, new awards, extra grants) are left alone.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher, make_password
from django.db import transaction

from permissions.models import Grant, Unit
from records.models import (
    AnnualAssessment,
    Award,
    Cadre,
    FamilyMember,
    HealthCheck,
    Investigation,
    PostHistory,
    Promotion,
    Sanction,
    Secondment,
    Training,
)

from . import data as demo_data

# A fixed salt makes the demo password hash deterministic, so an unchanged demo user needs
# no rewrite (and no expensive re-hash) on a second run.
DEMO_SALT = "meritflowdemosaltmeritflowdemosalt"  # long enough that must_update() is False


@dataclass
class Stats:
    rows: dict = field(default_factory=dict)  # label → (created, updated)

    def add(self, label, created, updated):
        self.rows[label] = (created, updated)

    @property
    def changed(self):
        return any(c or u for c, u in self.rows.values())

    def lines(self):
        return [f"{label}：新建 {c}，更新 {u}" for label, (c, u) in self.rows.items()]


def _sync(model, rows, key, existing, stats):
    """Create the rows whose key is missing, update those that differ; return key → object."""
    label = str(model._meta.verbose_name)
    by_key = {tuple(getattr(obj, k) for k in key): obj for obj in existing}
    fields = [f for f in (rows[0] if rows else {}) if f not in key]
    to_create, to_update = [], []
    for row in rows:
        k = tuple(row[f] for f in key)
        obj = by_key.get(k)
        if obj is None:
            obj = model(**row)
            by_key[k] = obj
            to_create.append(obj)
            continue
        changed = False
        for name in fields:
            if getattr(obj, name) != row[name]:
                setattr(obj, name, row[name])
                changed = True
        if changed:
            to_update.append(obj)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=500)
    stats.add(label, len(to_create), len(to_update))
    return by_key


def _sync_units(specs, stats):
    existing = {u.code: u for u in Unit.objects.filter(code__in=[s.code for s in specs])}
    created = updated = 0
    for spec in specs:  # parents come first; Unit.save computes the materialised path
        parent = existing[spec.parent_code] if spec.parent_code else None
        unit = existing.get(spec.code)
        wanted = {**spec.model_fields(), "parent_id": parent.pk if parent else None}
        if unit is None:
            unit = Unit(code=spec.code, **wanted)
            unit.save()
            existing[spec.code] = unit
            created += 1
        elif any(getattr(unit, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(unit, k, v)
            unit.save()
            updated += 1
    stats.add(str(Unit._meta.verbose_name), created, updated)
    return existing


def _password_is_demo(encoded):
    try:
        hasher = identify_hasher(encoded)
        return hasher.decode(encoded).get("salt") == DEMO_SALT and not hasher.must_update(encoded)
    except (ValueError, KeyError, TypeError):
        return False


def _sync_users(specs, names, stats):
    """``names``: username → the Chinese name of the user's cadre record."""
    User = get_user_model()
    existing = {u.username: u for u in User.objects.filter(username__in=[s.username for s in specs])}
    password = None
    created = updated = 0
    for spec in specs:
        wanted = {
            "first_name": names.get(spec.username, "系统管理员"),
            "last_name": "",
            "is_active": True,
            "is_staff": spec.is_superuser,
            "is_superuser": spec.is_superuser,
        }
        user = existing.get(spec.username)
        if user is None:
            user = User(username=spec.username, **wanted)
            existing[spec.username] = user
        elif all(getattr(user, k) == v for k, v in wanted.items()) and _password_is_demo(user.password):
            continue
        else:
            for k, v in wanted.items():
                setattr(user, k, v)
        if not _password_is_demo(user.password):
            password = password or make_password(demo_data.PASSWORD, DEMO_SALT)
            user.password = password
        if user.pk is None:
            created += 1
        else:
            updated += 1
        user.save()
    stats.add("用户", created, updated)
    return existing


def _sync_grants(specs, users, units, stats):
    wanted = {(users[s.username].pk, units[code].pk, role): subs for s in specs for role, code, subs in s.grants}
    existing = {(g.user_id, g.unit_id, g.role): g for g in Grant.objects.filter(user__in=[u.pk for u in users.values()])}
    created = updated = 0
    for (user_id, unit_id, role), subs in wanted.items():
        grant = existing.get((user_id, unit_id, role))
        if grant is None:
            Grant.objects.create(user_id=user_id, unit_id=unit_id, role=role, include_subordinates=subs)
            created += 1
        elif grant.include_subordinates != subs:
            grant.include_subordinates = subs
            grant.save()
            updated += 1
    stats.add(str(Grant._meta.verbose_name), created, updated)


def _rows(rows, cadres, units, **renames):
    """Resolve the data set's references (cadre id_numbers, unit codes) to foreign-key ids."""
    out = []
    for row in rows:
        row = dict(row)
        row["cadre_id"] = cadres[row.pop("cadre")]
        for name, (target, kind) in renames.items():
            value = row.pop(name)
            row[target] = None if value is None else (cadres[value] if kind == "cadre" else units[value].pk)
        out.append(row)
    return out


@transaction.atomic
def load():
    """Load (or repair) the demo data set; returns :class:`Stats`."""
    data = demo_data.build()
    stats = Stats()
    units = _sync_units(data.units, stats)
    users = _sync_users(data.users, {c["user"]: c["name"] for c in data.cadres if c["user"]}, stats)
    _sync_grants(data.users, users, units, stats)

    cadre_rows = []
    for row in data.cadres:
        row = dict(row)
        row["unit_id"] = units[row.pop("unit")].pk
        username = row.pop("user")
        row["user_id"] = users[username].pk if username else None
        cadre_rows.append(row)
    keys = [r["id_number"] for r in cadre_rows]
    cadre_objs = _sync(Cadre, cadre_rows, ["id_number"], Cadre.objects.filter(id_number__in=keys), stats)
    cadres = {k[0]: obj.pk for k, obj in cadre_objs.items()}
    ids = list(cadres.values())

    def existing(model):
        return model.objects.filter(cadre_id__in=ids)

    _sync(
        FamilyMember,
        _rows(data.family, cadres, units, relative=("relative_cadre_id", "cadre")),
        ["cadre_id", "relation", "name"],
        existing(FamilyMember),
        stats,
    )
    _sync(AnnualAssessment, _rows(data.assessments, cadres, units), ["cadre_id", "year"], existing(AnnualAssessment), stats)
    sanction_rows = _rows(data.sanctions, cadres, units)
    for row in sanction_rows:
        row["effect_end"] = Sanction(kind=row["kind"], decision_date=row["decision_date"]).computed_effect_end()
        row["effect_end_override_reason"] = ""
    _sync(Sanction, sanction_rows, ["cadre_id", "kind", "decision_date"], existing(Sanction), stats)
    _sync(Investigation, _rows(data.investigations, cadres, units), ["cadre_id", "opened_on"], existing(Investigation), stats)
    _sync(
        Award,
        _rows(data.awards, cadres, units, approving_unit=("approving_unit_id", "unit")),
        ["cadre_id", "kind", "awarded_on"],
        existing(Award),
        stats,
    )
    _sync(Promotion, _rows(data.promotions, cadres, units), ["cadre_id", "promoted_on"], existing(Promotion), stats)
    _sync(
        Secondment,
        _rows(data.secondments, cadres, units, host_unit=("host_unit_id", "unit")),
        ["cadre_id", "start"],
        existing(Secondment),
        stats,
    )
    # What the alerts dashboard reads (issue 16): posts, health checks, courses; the quotas.
    _sync(
        PostHistory,
        _rows(data.post_history, cadres, units, post_unit=("post_unit_id", "unit")),
        ["cadre_id", "start"],
        existing(PostHistory),
        stats,
    )
    _sync(HealthCheck, _rows(data.health_checks, cadres, units), ["cadre_id", "date"], existing(HealthCheck), stats)
    _sync(Training, _rows(data.trainings, cadres, units), ["cadre_id", "course", "start"], existing(Training), stats)
    _sync_quotas(data.post_quotas, units, stats)
    return stats


def _sync_quotas(rows, units, stats):
    from quotas.models import PostQuota

    created = 0
    for row in rows:
        _quota, made = PostQuota.objects.get_or_create(
            unit_id=units[row["unit"]].pk,
            level=row["level"],
            valid_from=row["valid_from"],
            defaults={"posts": row["posts"], "basis": row["basis"]},
        )
        created += made
    stats.add(str(PostQuota._meta.verbose_name), created, 0)
