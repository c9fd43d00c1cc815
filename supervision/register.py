"""The alert register: every cadre's alerts as of one day, kept in ``StandingAlert`` rows.

Evaluating the alert kinds (``supervision.alerts``) over a scope costs a query per kind over every
cadre in it — 150–600 ms for a county's dashboard or a city's statistics at 1,000,000 cases, most
of it the township service and health-check subqueries, cadre by cadre
(bench/results/supervision.txt). The register computes them once a day for everybody
(``rebuild``, run by the worker's upkeep job ``keep_current``) and keeps them current in between:

- a change to a fact an alert reads (the cadre row, post history, health checks, training,
  sanctions, grades, promotions — ``FACT_MODELS``) marks the cadre stale (``StaleCadre``) in the
  same transaction, by the signal receivers below or, for bulk writes that send no signal, by the
  writer calling ``mark_stale``;
- after the commit, ``catch_up`` recomputes the stale cadres' rows and clears their marks (the
  worker also calls it each round, in case a process stopped before its callback ran);
- a reader uses the register only when it holds today's alerts under today's rules (``usable``),
  and computes the marked cadres live: a page is never less current than the live queries.

Rows and marks are changed under a lock on the register row, so a rebuild and a catch-up never
interleave; marks are cleared by id, never by cadre, so a mark written while a recompute ran
survives it.
"""

import hashlib
import json
import logging

from django.db import transaction
from django.db.models import Count, F
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

import rulebook
from permissions.models import Unit
from records import signals as records_signals
from records.models import AnnualAssessment, Cadre, HealthCheck, PostHistory, Promotion, Sanction, Training
from workflows import clock, scheduling

from . import alerts
from .models import AlertRegister, StaleCadre, StandingAlert

logger = logging.getLogger(__name__)

# The records the alert kinds read, with how each names its cadre.
FACT_MODELS = {
    Cadre: "pk",
    PostHistory: "cadre_id",
    HealthCheck: "cadre_id",
    Training: "cadre_id",
    Sanction: "cadre_id",
    AnnualAssessment: "cadre_id",
    Promotion: "cadre_id",
}
BATCH = 5000


def rules_digest(day):
    """A digest of what the alerts of ``day`` depend on besides the records: the rule parameters in
    force that day and the kinds' thresholds. A changed rule makes the register unusable until it
    is rebuilt."""
    figures = {
        "rules": {key: rulebook.value(key, on=day) for key in (alerts.RETIREMENT.key, alerts.TOWNSHIP_EXCELLENT.key)},
        "thresholds": alerts.thresholds(),
    }
    return hashlib.sha256(json.dumps(figures, sort_keys=True, default=str).encode()).hexdigest()


REGISTER_PK = 1  # the one row


def _register(lock=False, skip_locked=False):
    """The register row; ``lock``: locked for this transaction (created first if missing — by two
    workers at once too: get_or_create takes the other's row). With ``skip_locked``, None while
    another transaction holds it."""
    if not lock:
        return AlertRegister.objects.filter(pk=REGISTER_PK).first()
    AlertRegister.objects.get_or_create(pk=REGISTER_PK)
    return AlertRegister.objects.select_for_update(skip_locked=skip_locked).filter(pk=REGISTER_PK).first()


def usable(day):
    """True when the register holds the alerts of ``day`` under that day's rules."""
    register = _register()
    return register is not None and register.day == day and register.rules == rules_digest(day)


def _standing_rows(cadres, day):
    """The ``StandingAlert`` rows of ``cadres`` (a QuerySet) as of ``day``: each kind's query."""
    rows = []
    for kind in alerts.KINDS:
        fields = ["pk", "unit_id", "alert_date"] + (["township_served", "excellent_grades"] if kind.code == alerts.TOWNSHIP else [])
        for values in alerts.QUERIES[kind.code](cadres.order_by(), day).values_list(*fields):
            cadre_id, unit_id, alert_date, *figures = values
            served, excellent = figures or (None, None)
            rows.append(
                StandingAlert(
                    cadre_id=cadre_id,
                    unit_id=unit_id,
                    kind=kind.code,
                    alert_date=alert_date,
                    township_days=served.days if served is not None else None,
                    excellent_grades=excellent,
                )
            )
    return rows


def rebuild(day=None, *, unless_current=False):
    """Recompute every cadre's alerts as of ``day`` (default: today by the engine's clock) and clear
    the marks that existed when it started. Run by ``keep_current`` (``unless_current``: not when
    another worker has just rebuilt it — they all wait on the register's lock at the turn of the
    day) and ``manage.py rebuild_alert_register``. Returns the number of alerts, or None."""
    day = day or clock.today()
    with transaction.atomic():
        register = _register(lock=True)
        digest = rules_digest(day)
        if unless_current and register.day == day and register.rules == digest:
            return None
        marks = list(StaleCadre.objects.values_list("pk", flat=True))
        StandingAlert.objects.all().delete()
        rows = _standing_rows(Cadre.objects.all(), day)
        StandingAlert.objects.bulk_create(rows, batch_size=BATCH)
        _clear(marks)
        register.day, register.rules, register.computed_at = day, digest, timezone.now()
        register.save()
    logger.info("alert register rebuilt for %s: %d alerts", day, len(rows))
    return len(rows)


def keep_current(day):
    """The worker's upkeep job, every round: rebuild when the register does not hold ``day`` under
    that day's rules (a new day, a changed rule parameter, a first start), then catch up with the
    cadres marked stale. Two small queries when there is nothing to do."""
    rebuilt = None if usable(day) else rebuild(day, unless_current=True)
    return {"rebuilt": rebuilt, "caught_up": catch_up()}


def catch_up():
    """Recompute the rows of the cadres marked stale, as of the register's day, and clear the marks
    read. Returns the number of cadres recomputed."""
    if not StaleCadre.objects.exists():
        return 0
    with transaction.atomic():
        # Not behind a rebuild (seconds, at the turn of the day): this often runs in a request,
        # after the commit of a change. The marks stay; the worker's next round catches up.
        register = _register(lock=True, skip_locked=True)
        if register is None:
            return 0
        marks = list(StaleCadre.objects.values_list("pk", "cadre_id"))
        cadre_ids = sorted({cadre_id for _pk, cadre_id in marks})
        if register.day is not None:
            for start in range(0, len(cadre_ids), BATCH):
                chunk = cadre_ids[start : start + BATCH]
                StandingAlert.objects.filter(cadre_id__in=chunk).delete()
                StandingAlert.objects.bulk_create(_standing_rows(Cadre.objects.filter(pk__in=chunk), register.day), batch_size=BATCH)
        _clear([pk for pk, _cadre_id in marks])
    return len(cadre_ids)


def _clear(mark_ids):
    for start in range(0, len(mark_ids), BATCH):
        StaleCadre.objects.filter(pk__in=mark_ids[start : start + BATCH]).delete()


def mark_stale(cadre_ids):
    """The facts of these cadres changed: until ``catch_up`` has run, readers compute their alerts
    live. Call inside the transaction that changed them (a bulk write sends no signal)."""
    cadre_ids = sorted({pk for pk in cadre_ids if pk is not None})
    if not cadre_ids:
        return
    StaleCadre.objects.bulk_create([StaleCadre(cadre_id=pk) for pk in cadre_ids], batch_size=BATCH)
    transaction.on_commit(_catch_up_quietly, robust=True)


def _catch_up_quietly():
    # After the commit the change is safe; a failure here only delays the register (the marks
    # stay, readers keep computing those cadres live, the worker's next round retries).
    try:
        catch_up()
    except Exception:
        logger.exception("alert register: catching up failed")


def _fact_changed(sender, instance, **kwargs):
    if kwargs.get("raw"):  # fixtures: loaddata is followed by a rebuild
        return
    mark_stale([getattr(instance, FACT_MODELS[sender])])


def _unit_changed(sender, instance, created=False, **kwargs):
    # A unit's level decides the township and leadership alerts of the cadres in it and of those
    # who served there.
    if created or kwargs.get("raw"):
        return
    served = PostHistory.objects.filter(post_unit=instance).values_list("cadre_id", flat=True)
    mark_stale([*Cadre.objects.filter(unit=instance).values_list("pk", flat=True), *served])


def _records_written(sender, cadre_ids, **kwargs):
    mark_stale(cadre_ids)


def connect():
    """Called by ``SupervisionConfig.ready``."""
    scheduling.register_upkeep("alert register", keep_current)
    records_signals.records_written.connect(_records_written, dispatch_uid="alert-register-bulk")
    for model in FACT_MODELS:
        post_save.connect(_fact_changed, sender=model, dispatch_uid=f"alert-register-save-{model.__name__}")
        post_delete.connect(_fact_changed, sender=model, dispatch_uid=f"alert-register-delete-{model.__name__}")
    post_save.connect(_unit_changed, sender=Unit, dispatch_uid="alert-register-unit")


def stored(cadres, day, kinds, *, counted=False, within=None):
    """What the register holds for ``cadres`` (a Cadre QuerySet) on ``day``, or None when it does not
    hold ``day`` (the caller computes live): (rows, ids of the cadres among them marked stale — the
    caller computes those live). Rows: ``StandingAlert`` objects with their cadre and unit, of the
    ``kinds`` given (None: all); or, ``counted``, [{"stat_path", "kind", "n"}] per unit and kind.
    ``within``: the Q on ``unit_id`` that alone selected ``cadres``, when it did — the register's
    rows are then selected by their own unit column (its index), not joined to the cadres."""
    if not usable(day):
        return None
    scope = cadres.order_by()
    stale_ids = list(StaleCadre.objects.filter(cadre_id__in=scope.values("pk")).values_list("cadre_id", flat=True).distinct())
    if within is not None:
        rows = StandingAlert.objects.filter(within)
    else:
        # The units' condition is implied by the cadres' (a row's unit is its cadre's, stale rows
        # aside) but lets PostgreSQL start from the register's unit index.
        rows = StandingAlert.objects.filter(unit_id__in=scope.values("unit_id"), cadre__in=scope.values("pk"))
    rows = rows.exclude(cadre_id__in=stale_ids)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    if counted:
        return list(rows.values("kind", stat_path=F("unit__path")).annotate(n=Count("*")).order_by()), stale_ids
    fields = ["kind", "alert_date", "township_days", "excellent_grades", *(f"cadre__{name}" for name in alerts.CADRE_FIELDS)]
    return list(rows.select_related("cadre__unit").only(*fields)), stale_ids
