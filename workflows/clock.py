"""The engine's notion of "now", with an override for demos and tests.

SpiffWorkflow's timer events call ``datetime.now(timezone.utc)`` inside their module. We
replace that module's ``datetime`` with a subclass that honours a context-local override,
so ``run_worker --now`` can fast-forward a notice period without touching the system clock.
"""

import contextlib
import contextvars
import datetime as _dt

from django.utils import timezone

_override = contextvars.ContextVar("meritflow_now", default=None)


class _OverridableDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        fixed = _override.get()
        if fixed is None:
            return _dt.datetime.now(tz)
        return fixed.astimezone(tz) if tz is not None else fixed.replace(tzinfo=None)


def install():
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _OverridableDatetime


def now():
    return _override.get() or timezone.now()


@contextlib.contextmanager
def frozen_at(moment):
    """Run the block as if the time were ``moment`` (an aware datetime)."""
    if moment is None:
        yield
        return
    if timezone.is_naive(moment):
        raise ValueError("the override time must carry a timezone")
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)


def today():
    """Today's date in the project's time zone, by the engine's clock (honours an override)."""
    return timezone.localtime(now()).date()


def localdate(moment):
    return timezone.localtime(moment).date()
