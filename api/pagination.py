from rest_framework.pagination import LimitOffsetPagination


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=`` on every list (default 20, at most 100); every list has a stable order.

    Offsets past the end give an empty page, never an error.
    """

    default_limit = 20
    max_limit = 100
