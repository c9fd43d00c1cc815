from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` on every list (default 20, at most 100); every list has a stable order.

    Offsets past the end give an empty page, never an error.
    """

    default_limit = 20
    max_limit = 100


class IdsFirstPagination(Pagination):
    """The same pages, read in two steps: the page's ids from the filtered, ordered list alone,
    then those rows with their joins. Otherwise PostgreSQL joins every row the filter selects
    (thousands of cases for a county reviewer at 1,000,000 cases) before it sorts and cuts
    (bench/results/inbox.txt)."""

    def paginate_queryset(self, queryset, request, view=None):
        return self.paginate_ordered(queryset.values_list("pk"), queryset, request)

    def paginate_ordered(self, ordered, rows, request):
        """A page from ``ordered`` — the list's ids in its order, as (id, …) rows (the filtered,
        ordered queryset's ids, or e.g. ``ProcessInstance.objects.newest_visible``) — with the
        page's rows read from ``rows``."""
        self.request = request
        self.limit = self.get_limit(request)
        if self.limit is None:
            return None
        self.count = self.get_count(ordered)
        self.offset = self.get_offset(request)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return self._rows_of(rows, [row[0] for row in ordered[self.offset : self.offset + self.limit]])

    @staticmethod
    def _rows_of(queryset, ids):
        # The queryset narrowed to those ids keeps its joins and prefetches; PostgreSQL starts
        # from the primary key. The order is the ids' (rows cannot move between the two reads
        # in a way that matters: a page is a snapshot either way).
        position = {pk: index for index, pk in enumerate(ids)}
        return sorted(queryset.filter(pk__in=ids), key=lambda row: position[row.pk])
