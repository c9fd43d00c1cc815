"""The processes' daily jobs (``ProcessType.daily``), run by the worker beside the BPMN timers.

A calendar-driven start that no running case can hold — the annual opening of the rotation plans
(DOMAIN.md §10 "Rotation": each year, every unit with cadres due) — is a job of its process type,
run on the first worker round of each day, so the deployment needs no cron entry of its own.
Jobs are idempotent (every worker on every server runs them); one failing is logged and retried
on the next round, never stopping the timers.

Apps that keep derived data current (the alert register of ``supervision``) register an *upkeep*
job instead (``register_upkeep``): it runs every round and must be cheap when there is nothing to
do.
"""

import logging

from django.utils import timezone

from . import clock, process_types

logger = logging.getLogger(__name__)


class DailyJobs:
    """Runs each process type's daily job once per day of the engine's clock (per worker)."""

    def __init__(self):
        self.done = {}  # process id → the day its job last ran to the end

    def run(self, now=None):
        """Run the jobs not yet run today; returns {process id: the job's result}."""
        day = timezone.localdate(now) if now is not None else clock.today()
        results = {}
        for process_id, process_type in sorted(process_types.all_types().items()):
            if process_type.daily is None or self.done.get(process_id) == day:
                continue
            try:
                results[process_id] = process_type.daily(day)
            except Exception:  # a job's failure must not stop the timers; the next round retries it
                logger.exception("daily job of %s failed on %s", process_id, day)
                continue
            self.done[process_id] = day
        return results


_upkeep: dict = {}


def register_upkeep(name, job):
    """``job(day)`` runs on every worker round (an app's ``AppConfig.ready`` registers it)."""
    _upkeep[name] = job


def run_upkeep(now=None):
    """Run the registered upkeep jobs; returns {name: result} of those that did not fail."""
    day = timezone.localdate(now) if now is not None else clock.today()
    results = {}
    for name, job in sorted(_upkeep.items()):
        try:
            results[name] = job(day)
        except Exception:  # as for the daily jobs: logged, retried next round
            logger.exception("upkeep job %s failed on %s", name, day)
    return results
