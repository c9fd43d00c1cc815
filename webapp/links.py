"""Links for the rows of a list from one reversal of each URL name per page.

``reverse()`` costs ~30 µs a call (it matches every argument against the pattern's converters):
a 20-row 待办 table with two links a row spent more CPU on them than on reading its rows.
"""

from django.urls import reverse

# Stands for the row's values while reversing: digits, so an ``<int:…>`` converter takes them, and
# long enough to appear nowhere else in a path.
_PLACEHOLDER = 7_310_000_000_000


def for_rows(name):
    """A function of a row's integer arguments giving ``reverse(name, args=…)``, having reversed
    ``name`` once (with the request's script prefix, as ``reverse`` would)."""
    cache: dict[int, str] = {}

    def url(*values):
        pattern = cache.get(len(values))
        if pattern is None:
            pattern = cache[len(values)] = reverse(name, args=[_PLACEHOLDER + i for i in range(len(values))])
        for i, value in enumerate(values):
            pattern = pattern.replace(str(_PLACEHOLDER + i), str(int(value)), 1)
        return pattern

    return url
