"""Leadership post quotas (职数, DOMAIN.md §10 "Post quotas"): the seam between the apps that fill
leadership posts and the app that keeps the quotas.

The staffing plan fixes how many leadership posts of each level a unit has; a promotion may not
exceed them, checked at 动议 (DOMAIN.md §10, [practice] from 党政领导干部选拔任用工作条例). Three
parties take part and none of them may import another (they are siblings in the layering
contract), so they meet here, in the cadre records below all of them:

- the records themselves count the cadres **holding** each level in each unit (:func:`holders`);
- a process app that moves cadres into posts (promotions) registers a counter of its **open
  cases** to each level (:func:`register_pending`) and asks :func:`refusal` at its 动议;
- the app that keeps the quotas (``quotas``) registers the check itself (:func:`register_checker`),
  which reads the quota in force and the two counts above.

Without a registered checker (the quotas app not installed) nothing is refused.
"""

from collections import Counter
from collections.abc import Callable

from django.db.models import Count, QuerySet

# callable(unit_ids (ids or a queryset of them) or None, *, exclude_instance_id=None) -> Counter {(unit_id, level): open cases}
_pending: dict[str, Callable] = {}
# callable(unit, level, *, on, exclude_instance_id) -> a translated refusal text, or None
_checkers: dict[str, Callable] = {}


def register_pending(name, func):
    """A process app counts its open cases that would put a cadre into a post of a level."""
    _pending[name] = func
    return func


def register_checker(name, func):
    """The app that keeps the quotas checks a proposal against them."""
    _checkers[name] = func
    return func


def unit_filter(unit_ids):
    """``unit_ids`` as the right-hand side of an ``__in`` lookup: a queryset stays a subquery."""
    return unit_ids if isinstance(unit_ids, QuerySet) else list(unit_ids)


def holders(unit_ids=None):
    """Counter {(unit_id, level): cadres of that unit holding that level now} (DOMAIN.md §10 "Post
    quotas": a post is filled by the cadre whose record carries its level in that unit)."""
    from .models import RANK_ORDER, Cadre

    rows = Cadre.objects.filter(rank_level__in=RANK_ORDER)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_filter(unit_ids))
    counts = rows.order_by().values("unit_id", "rank_level").annotate(n=Count("pk"))
    return Counter({(row["unit_id"], row["rank_level"]): row["n"] for row in counts})


def pending(unit_ids=None, *, exclude_instance_id=None):
    """Counter {(unit_id, level): open cases to that level} summed over the registered process apps."""
    total = Counter()
    for counter in _pending.values():
        total.update(counter(unit_ids, exclude_instance_id=exclude_instance_id))
    return total


def refusal(unit, level, *, on, exclude_instance_id=None):
    """Why one more cadre may not be put into a ``level`` post of ``unit`` on ``on`` (a translated
    text), or None. ``exclude_instance_id``: the case asking, not counted among the open ones."""
    for checker in _checkers.values():
        message = checker(unit, level, on=on, exclude_instance_id=exclude_instance_id)
        if message:
            return message
    return None
