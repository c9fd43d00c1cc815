"""Who is due for rotation (DOMAIN.md §10 "Rotation": same post 5 years → should rotate, 10 years →
must rotate, counted from the date the cadre took the current post; seed 000 #15).

The thresholds are those of the alerts dashboard (``supervision.alerts``); rotation may not import
that sibling app (the layering contract), so they are stated here again from the rule book.
"""

import datetime

from records.models import Cadre, add_years

SHOULD_YEARS = 5  # DOMAIN.md §10, seed 000 #15 [law for this province]
MUST_YEARS = 10  # DOMAIN.md §10, seed 000 #15: cannot be deferred
# The day each year's plans open (the annual timer): [default] — the first working weeks after the
# Spring Festival, when units draw up the year's cadre work.
OPENING_MONTH, OPENING_DAY = 3, 1


def opening_date(year):
    return datetime.date(year, OPENING_MONTH, OPENING_DAY)


def due_cadres(on, unit=None):
    """Cadres ≥ SHOULD_YEARS in their current post on ``on`` (of ``unit`` only, when given)."""
    cadres = Cadre.objects.filter(post_since__isnull=False, post_since__lte=add_years(on, -SHOULD_YEARS))
    if unit is not None:
        cadres = cadres.filter(unit=unit)
    return cadres.select_related("unit").order_by("unit__path", "post_since", "name")


def whole_years(since, on):
    """Whole years from ``since`` to ``on`` (an anniversary counts on its day)."""
    years = on.year - since.year
    return years if add_years(since, years) <= on else years - 1


def must_rotate(since, on):
    return since is not None and since <= add_years(on, -MUST_YEARS)
