"""A queryset compiled to SQL once per database connection, then run with one value bound.

The lock statement of every action on a task (``services._lock_task``) joins five tables and
reads six subqueries: building and compiling that queryset cost ~3.5 ms of CPU on every call
(SQLite, demo data), fifty times what the database spends running it. ``Prepared`` builds it once
with a placeholder in the place of the value that changes (a primary key), keeps the compiled SQL
and the compiler's description of its columns, and on each call binds the value, runs the SQL and
makes the model instances — with their ``select_related`` objects and annotations — the way
Django's ``ModelIterable`` makes them.

Compiled per connection (a weak map: a connection that is gone takes its entry along): the
compiler holds the connection it was made for, and the SQL depends on its database.
"""

import weakref

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators

# Stands for the bound value while compiling; never a real primary key.
PLACEHOLDER = -7_310_002


class Prepared:
    def __init__(self, build):
        """``build(value)``: the queryset, with ``value`` where each call's value goes (once)."""
        self._build = build
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def first(self, value):
        """The first model instance the queryset gives with ``value`` bound, or None."""
        connection = connections[DEFAULT_DB_ALIAS]  # this thread's connection (not the proxy: it is the key)
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compiled[connection] = self._compile()
        compiler, sql, params, position = compiled
        bound = list(params)
        bound[position] = value
        with connection.cursor() as cursor:
            cursor.execute(sql, bound)
            row = cursor.fetchone()
        return None if row is None else _instance(compiler, next(iter(compiler.results_iter([[row]]))))

    def _compile(self):
        queryset = self._build(PLACEHOLDER).using(DEFAULT_DB_ALIAS)[:1]
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()  # also fills compiler.select, klass_info, annotation_col_map
        if list(params).count(PLACEHOLDER) != 1:
            raise ValueError("the value must appear exactly once among the statement's parameters")
        return compiler, sql, tuple(params), list(params).index(PLACEHOLDER)


def _instance(compiler, row):
    select, klass_info = compiler.select, compiler.klass_info
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    obj = klass_info["model"].from_db(compiler.using, [f[0].target.attname for f in select[start:end]], row[start:end])
    for populator in get_related_populators(klass_info, select, compiler.using):
        populator.populate(row, obj)
    for name, position in (compiler.annotation_col_map or {}).items():
        setattr(obj, name, row[position])
    return obj
