"""Declared rule parameters and their dated values."""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

# Several app servers each keep this cache: a change made in the admin reaches the others
# within this many seconds (the server that saved it clears its own at once).
CACHE_SECONDS = 30

_declared: dict = {}
_cache: dict = {}
_lock = threading.Lock()


class UnknownParameter(KeyError):
    pass


@dataclass(frozen=True)
class Parameter:
    key: str
    label: Any
    default: Any
    source: str  # the DOMAIN.md line (and tag) the default comes from
    check: Callable[[Any], Any] | None = field(default=None, compare=False)

    def problem(self, candidate):
        """Why ``candidate`` cannot be this parameter's value (a translated text), or None."""
        if type(candidate) is not type(self.default) and not (
            isinstance(self.default, (int, float)) and isinstance(candidate, (int, float))
        ):
            return _("取值类型应与默认值相同（默认值：%(default)s）") % {"default": self.default}
        return self.check(candidate) if self.check else None


def declare(key, *, label, default, source, check=None):
    """Declare a parameter (at import of the module that reads it); returns it."""
    # Stored as JSON: plain lists, dicts, strings and numbers (a TextChoices member becomes its code).
    default = json.loads(json.dumps(default))
    parameter = Parameter(key, label, default, source, check)
    existing = _declared.get(key)
    if existing is not None and existing.default != default:
        raise ValueError(f"rule parameter {key!r} declared twice with different defaults")
    _declared[key] = parameter
    return parameter


def declared():
    return dict(_declared)


def value(key, on=None):
    """The value of ``key`` in force on the day ``on`` (today by default)."""
    if key not in _declared:
        raise UnknownParameter(key)
    if on is None:
        from django.utils import timezone

        on = timezone.localdate()
    rows = _rows(key)
    for effective_from, row_value in rows:
        if effective_from <= on:
            return row_value
    return _declared[key].default


def _rows(key):
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    from .models import RuleParameter

    rows = list(RuleParameter.objects.filter(key=key).order_by("-effective_from").values_list("effective_from", "value"))
    with _lock:
        _cache[key] = (now + CACHE_SECONDS, rows)
    return rows


def clear_cache():
    with _lock:
        _cache.clear()
