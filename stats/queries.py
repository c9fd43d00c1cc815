"""The statistics of the units a person holds a role on (issue 16 item 7), as tables.

Every number is counted by the database (``values().annotate(Count)``), grouped by the unit's
materialised path; the rows are then folded in Python into the page's *groups* — the chosen unit
itself and each of its subordinate units with everything below it — so one page costs the same
fixed number of queries whatever the number of cases and cadres (tests/test_stats.py checks it).
The folding reads aggregate rows (at most one per unit, kind and step), never one row per case.

Scope (``permissions.policy``): a superuser sees every unit; anybody else the units of their
grants (and the subtrees of grants that cover subordinates), ``granted_units_q``. Which unit a
fact belongs to:

- an award: its nominating unit, else the recipient's unit (the cadre's, or the collective's);
  revoked awards are left out;
- an annual grade: the unit the cadre was assessed in (``AnnualAssessment.unit``, else the
  cadre's unit) — the unit whose 优秀 share the grade counts in (``records.rules``);
- a promotion, a secondment: the cadre's (sending) unit;
- an open case: its nominating unit; an open step: the unit it is bound to (where it waits).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from permissions import policy
from permissions.models import Grant, Unit
from records.models import (
    AWARD_ORDER,
    AnnualAssessment,
    AssessmentGrade,
    Award,
    Cadre,
    Collective,
    ExcellentShareAllowance,
    ExcellentShareLimit,
    Promotion,
    Secondment,
)
from records.rules import excellent_limit
from supervision import alerts as supervision_alerts
from workflows import clock
from workflows.models import OPEN_STATUSES, HumanTask, ProcessInstance
from workflows.names import process_name, step_name

TREND_YEARS = 5  # the by-year tables show the chosen year and the four before it


class NoScope(Exception):
    """The person holds no role on any unit (and is not a superuser): nothing to count."""


# --------------------------------------------------------------------------- tables


@dataclass
class Row:
    label: str
    values: list
    unit_id: int | None = None  # a unit row links to the same page narrowed to that unit


@dataclass
class Table:
    """One table of the page, drawn as one chart and written as one sheet of the Excel export."""

    key: str
    title: str
    head: str  # the first column's header
    columns: list
    rows: list = field(default_factory=list)
    total: list | None = None
    note: str = ""
    # The chart: which columns it plots (indexes into ``columns``), stacked or side by side,
    # bars along the x axis ("x") or, for long unit and step names, along the y axis ("y").
    series: list = field(default_factory=list)
    stacked: bool = False
    axis: str = "x"
    percent_columns: tuple = ()  # columns holding a percentage (shown with "%")

    def chart(self):
        return {
            "key": self.key,
            "title": self.title,
            "labels": [row.label for row in self.rows],
            "datasets": [{"label": self.columns[i], "data": [row.values[i] for row in self.rows]} for i in self.series],
            "stacked": self.stacked,
            "axis": self.axis,
        }

    def cells(self):
        """The rows as (row, [(value as text, is percent)]) for the template: formatted here, once —
        the template's localisation of each number was a fifth of a city's page."""
        separator = get_format("DECIMAL_SEPARATOR")  # counts are whole; a share has one decimal
        return [(row, self._texts(row.values, separator)) for row in self.rows]

    def total_cells(self):
        return self._texts(self.total, get_format("DECIMAL_SEPARATOR")) if self.total is not None else None

    def _texts(self, values, separator):
        return [(str(v).replace(".", separator), i in self.percent_columns) for i, v in enumerate(values)]


# --------------------------------------------------------------------------- scope


# Up to this many units in scope are named outright in every table's query; a wider scope (a
# province's whole tree) stays a subquery on the unit table.
NAMED_UNITS = 2000


def _scope_q(user, field):
    """Q on ``field`` (a unit id): the person's units; Q() for a superuser; NoScope without grants.
    The units are read once per request (kept on the user object) and named outright, so that
    PostgreSQL starts each table's query from the unit columns' indexes (a subquery there read
    every award and joined every cadre: bench/results/supervision.txt); beyond ``NAMED_UNITS``
    they stay a subquery on the unit table."""
    if user.is_superuser:
        return Q()
    units = user.__dict__.get("_stats_scope_units")
    if units is None:
        grants = _grants(user)
        q = policy.granted_units_q(user, "pk", grants=grants)
        if q is None:
            raise NoScope
        if not any(subordinates for _role, _unit, subordinates, _path in grants):
            units = sorted({unit_id for _role, unit_id, _subordinates, _path in grants})
        else:
            subquery = Unit.objects.filter(q).order_by().values("pk")
            named = list(subquery.values_list("pk", flat=True)[: NAMED_UNITS + 1])
            units = named if len(named) <= NAMED_UNITS else subquery
        user.__dict__["_stats_scope_units"] = units
    if isinstance(units, list):  # one array parameter on PostgreSQL, not a placeholder per unit
        return Q(supervision_alerts.IdsIn(F(field), units))
    return Q(**{f"{field}__in": units})


def _grants(user):
    """The person's grants as (role, unit id, covers subordinates, unit path), read once per
    request (kept on the user object)."""
    grants = user.__dict__.get("_stats_grants")
    if grants is None:
        rows = Grant.objects.filter(user=user).values_list("role", "unit_id", "include_subordinates", "unit__path")
        grants = user.__dict__["_stats_grants"] = list(rows)
    return grants


def unit_choices(user):
    """The units offered in the unit filter: the units of the person's grants and, where a grant
    covers subordinates, their direct subordinates (a superuser: the top three levels). Any other
    unit in scope is reached by following a unit's name in a table."""
    if user.is_superuser:
        q = Q(parent__isnull=True) | Q(parent__parent__isnull=True) | Q(parent__parent__parent__isnull=True)
    else:
        # Two subqueries on the person's grants, not joins through every grant with DISTINCT.
        grants = Grant.objects.filter(user=user).order_by()
        q = Q(pk__in=grants.values("unit_id")) | Q(parent_id__in=grants.filter(include_subordinates=True).values("unit_id"))
    return list(Unit.objects.filter(q).order_by("path").only("pk", "name", "path"))


def unit_in_scope(user, unit_id):
    """The unit ``unit_id`` when it is among the person's units, else None."""
    try:
        unit_id = int(unit_id)
    except (TypeError, ValueError):
        return None
    return Unit.objects.filter(_scope_q(user, "pk"), pk=unit_id).first()


@dataclass
class Group:
    pk: int
    name: str
    path: str
    whole: bool  # the unit and everything below it, or the unit alone


def groups_for(user, unit, choices):
    """The rows "by unit": the chosen unit (alone) and each of its direct subordinates (with
    everything below it); with no unit chosen, the person's top units — or, when there is one,
    that unit broken down the same way. Returns (focus unit or None, [Group])."""
    if unit is None:
        top = _top_units(user, choices)
        if len(top) == 1:
            unit = top[0][0]
        else:
            return None, [Group(u.pk, u.name, u.path, whole) for u, whole in top]
    groups = [Group(unit.pk, _("%(unit)s（本级）") % {"unit": unit.name}, unit.path, False)]
    groups += [
        Group(u.pk, u.name, u.path, True) for u in Unit.objects.filter(parent_id=unit.pk).order_by("path").only("pk", "name", "path")
    ]
    return unit, groups


def _top_units(user, choices):
    """[(unit, covers subordinates)] of the person's outermost units."""
    if user.is_superuser:
        return [(u, True) for u in choices if u.path.count("/") == 2]
    grants = _grants(user)
    whole = {unit_id for _role, unit_id, subs, _path in grants if subs}
    granted = {unit_id for _role, unit_id, _subs, _path in grants}
    covering = [path for _role, _unit, subs, path in grants if subs]
    top = []
    for u in choices:
        if u.pk in granted and not any(u.path.startswith(p) and u.path != p for p in covering):
            top.append((u, u.pk in whole))
    return top


class Folder:
    """Folds aggregate rows keyed by a unit path into the page's groups."""

    def __init__(self, groups):
        self.groups = groups
        self.exact = {g.path: g for g in groups if not g.whole}
        self.whole = {g.path: g for g in groups if g.whole}
        self.found = {}

    def group_of(self, path):
        # Many aggregate rows share a unit (one per kind, step, year): each path is resolved once.
        if path not in self.found:
            self.found[path] = self._group_of(path)
        return self.found[path]

    def _group_of(self, path):
        if not path:
            return None
        if path in self.exact:
            return self.exact[path]
        parts = path.strip("/").split("/")
        for depth in range(len(parts), 0, -1):
            prefix = "/" + "/".join(parts[:depth]) + "/"
            if prefix in self.whole:
                return self.whole[prefix]
        return None


def _subtree_q(field, unit):
    return Q(**{f"{field}__in": Unit.objects.filter(path__startswith=unit.path).values("pk")})


# --------------------------------------------------------------------------- the statistics


def _kind_labels():
    return {kind.value: str(kind.label) for kind in AWARD_ORDER}


def _award_counts(q, first, last, by_year):
    """The awards counted for the scope ``q`` from 1 January ``first`` to 31 December ``last``, as
    aggregate rows {"stat_path": the unit's path, "kind", "n"} (or {"stat_year", "kind", "n"} when
    ``by_year``): counted for
    the nominating unit, else the cadre's, else the collective's; revoked awards left out.

    Two statements, one per branch: the awards with a nominating unit are counted from the
    partial index on (nominating unit, date) alone — an index-only scan (69 → 17 ms for a city's
    five years at 1,000,000 cases; with the branches ORed in one statement PostgreSQL read every
    award row from the heap, bench/results/supervision.txt); the few without one are looked up
    by the recipient's unit."""
    span = {"awarded_on__range": _years(first, last)}
    # Only the column grouped on: an annotation left unused still joins the unit table.
    if by_year:
        year = ExtractYear("awarded_on")
        nominated = Award.objects.filter(revoked=False, nominating_unit__isnull=False, **span).annotate(stat_year=year)
        fallback = Award.objects.filter(revoked=False, nominating_unit__isnull=True, **span).annotate(stat_year=year)
    else:
        nominated = Award.objects.filter(revoked=False, nominating_unit__isnull=False, **span).annotate(
            stat_path=F("nominating_unit__path")
        )
        fallback = Award.objects.filter(revoked=False, nominating_unit__isnull=True, **span).annotate(
            stat_path=Coalesce("cadre__unit__path", "collective__unit__path")
        )
    group = ["stat_year" if by_year else "stat_path", "kind"]
    scope = q("nominating_unit_id")
    if scope:  # else everything: a superuser without a unit chosen
        nominated = nominated.filter(scope)
        fallback = fallback.filter(
            Q(cadre_id__in=Cadre.objects.filter(q("unit_id")).values("pk"))
            | Q(cadre__isnull=True, collective_id__in=Collective.objects.filter(q("unit_id")).values("pk"))
        )
    rows = []
    for part in (nominated, fallback):
        # COUNT(*), not COUNT(id): the id is not in the index, and counting it reads every row.
        rows += part.values(*group).annotate(n=Count("*")).order_by()
    return rows


def _by_group(folder, rows, width, cell):
    """{group pk: [width numbers]}: ``cell(row)`` gives (column index, amount) or a list of them."""
    found = {}
    for row in rows:
        group = folder.group_of(row["stat_path"])
        if group is None:
            continue
        values = found.setdefault(group.pk, [0] * width)
        for index, amount in cell(row):
            values[index] += amount
    return found


def _group_rows(folder, found, with_total=True):
    rows = []
    for group in folder.groups:
        if group.pk in found:
            values = found[group.pk]
            rows.append(Row(group.name, values + ([sum(values)] if with_total else []), group.pk))
    return rows


def _column_totals(rows, width):
    return [sum(row.values[i] for row in rows) for i in range(width)]


def award_tables(q, folder, year):
    kinds = [kind.value for kind in AWARD_ORDER]
    labels = _kind_labels()
    columns = [labels[k] for k in kinds] + [_("合计")]
    first = year - TREND_YEARS + 1

    by_year = {y: [0] * len(kinds) for y in range(first, year + 1)}
    for row in _award_counts(q, first, year, by_year=True):
        if row["kind"] in kinds:
            by_year[row["stat_year"]][kinds.index(row["kind"])] += row["n"]
    year_rows = [Row(str(y), values + [sum(values)]) for y, values in sorted(by_year.items())]
    trend = Table(
        "awards-by-year",
        _("奖励：按年度和种类"),
        _("年度"),
        columns,
        year_rows,
        _column_totals(year_rows, len(columns)),
        note=_("不含已撤销的奖励。"),
        series=list(range(len(kinds))),
        stacked=True,
    )

    rows = _award_counts(q, year, year, by_year=False)
    found = _by_group(folder, rows, len(kinds), lambda r: [(kinds.index(r["kind"]), r["n"])] if r["kind"] in kinds else [])
    unit_rows = _group_rows(folder, found)
    by_unit = Table(
        "awards-by-unit",
        _("%(year)s年奖励：按单位和种类") % {"year": year},
        _("单位"),
        columns,
        unit_rows,
        _column_totals(unit_rows, len(columns)) if unit_rows else None,
        note=_("个人奖励计入推荐单位（未记推荐单位的计入本人所在单位），集体奖励计入集体所属单位。"),
        series=list(range(len(kinds))),
        stacked=True,
        axis="y",
    )
    return [trend, by_unit]


def excellent_table(q, folder, year):
    """优秀 share by unit against the cap (DOMAIN.md §2 line 91; ``records.rules``): the cap is
    per unit and year — the special-case allowance when one is set, else the general share in
    force — of the unit's graded staff (不定等次 left out), rounded down; a group's cap is the
    sum of its units' caps."""
    # Branch by branch, as for the awards: the grades with their assessed unit from the (unit, year)
    # index alone; the few without one by the cadre's unit.
    assessed = AnnualAssessment.objects.filter(year=year, unit__isnull=False).annotate(stat_unit=F("unit_id"), stat_path=F("unit__path"))
    fallback = AnnualAssessment.objects.filter(year=year, unit__isnull=True).annotate(
        stat_unit=F("cadre__unit_id"), stat_path=F("cadre__unit__path")
    )
    if q("unit_id"):
        assessed = assessed.filter(q("unit_id"))
        fallback = fallback.filter(cadre_id__in=Cadre.objects.filter(q("unit_id")).values("pk"))
    counted = {
        "graded": Count("grade", filter=~Q(grade=AssessmentGrade.NOT_GRADED)),
        "excellent": Count("grade", filter=Q(grade=AssessmentGrade.EXCELLENT)),
    }
    merged = {}  # a unit's cap is of all its graded staff: the two branches' rows added up first
    for part in (assessed, fallback):
        for row in part.values("stat_unit", "stat_path").annotate(**counted).order_by():
            into = merged.setdefault(row["stat_unit"], {**row, "graded": 0, "excellent": 0})
            into["graded"] += row["graded"]
            into["excellent"] += row["excellent"]
    rows = list(merged.values())
    limit = ExcellentShareLimit.in_force(year)
    allowances = dict(ExcellentShareAllowance.objects.filter(q("unit_id"), year=year).values_list("unit_id", "share"))
    # graded, 优秀, cap (people), units over their cap
    found = {}
    for row in rows:
        group = folder.group_of(row["stat_path"])
        if group is None:
            continue
        share = allowances.get(row["stat_unit"], limit.share if limit else None)
        cap = excellent_limit(row["graded"], share) if share is not None else None
        values = found.setdefault(group.pk, [0, 0, 0, 0])
        values[0] += row["graded"]
        values[1] += row["excellent"]
        values[2] += cap if cap is not None else 0
        values[3] += 1 if cap is not None and row["excellent"] > cap else 0
    table_rows = []
    for group in folder.groups:
        if group.pk in found:
            graded, excellent, cap, over = found[group.pk]
            table_rows.append(Row(group.name, [graded, excellent, _percent(excellent, graded), cap, over], group.pk))
    total = None
    if table_rows:
        graded, excellent, cap, over = (sum(r.values[i] for r in table_rows) for i in (0, 1, 3, 4))
        total = [graded, excellent, _percent(excellent, graded), cap, over]
    if limit:
        note = _(
            "上限：各单位参加考核并确定等次人数（不含不定等次）的%(share)s%%，向下取整；"
            "设有特殊情况比例的单位按其比例（最高%(special)s%%）。依据：%(basis)s。"
        ) % {
            "share": limit.share,
            "special": limit.special_share,
            "basis": limit.basis,
        }
    else:
        note = _("该年度未设优秀等次比例，上限不计。")
    return Table(
        "excellent-share",
        _("%(year)s年度考核优秀比例：按单位") % {"year": year},
        _("单位"),
        [_("定等次人数"), _("优秀人数"), _("优秀比例"), _("优秀上限人数"), _("超出上限的单位数")],
        table_rows,
        total,
        note=note,
        series=[1, 3],
        axis="y",
        percent_columns=(2,),
    )


def _years(first, last):
    """The dates from 1 January of ``first`` to 31 December of ``last``: a range on the date column
    (which an index can serve), not a filter on its extracted year."""
    return datetime.date(first, 1, 1), datetime.date(last, 12, 31)


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else 0


def promotion_tables(q, folder, year):
    first = year - TREND_YEARS + 1
    # One statement for both tables: by year and unit over the five years (promotions are few), the
    # trend summed over the units, the units' table the chosen year's rows.
    rows = list(
        Promotion.objects.filter(q("cadre__unit_id"), promoted_on__range=_years(first, year))
        .annotate(stat_year=ExtractYear("promoted_on"), stat_path=F("cadre__unit__path"))
        .values("stat_year", "stat_path")
        .annotate(n=Count("pk"), exceptional_n=Count("pk", filter=Q(exceptional=True)))
        .order_by()
    )
    by_year = {y: [0, 0] for y in range(first, year + 1)}
    for row in rows:
        counts = by_year[row["stat_year"]]
        counts[0] += row["n"] - row["exceptional_n"]
        counts[1] += row["exceptional_n"]
    columns = [_("一般提拔"), _("破格提拔"), _("合计")]
    year_rows = [Row(str(y), v + [sum(v)]) for y, v in sorted(by_year.items())]
    trend = Table(
        "promotions-by-year",
        _("提拔任职：按年度"),
        _("年度"),
        columns,
        year_rows,
        _column_totals(year_rows, 3),
        note=_("按任职日期计，计入干部所在单位。"),
        series=[0, 1],
        stacked=True,
    )
    this_year = [row for row in rows if row["stat_year"] == year]
    found = _by_group(folder, this_year, 2, lambda r: [(0, r["n"] - r["exceptional_n"]), (1, r["exceptional_n"])])
    unit_rows = _group_rows(folder, found)
    by_unit = Table(
        "promotions-by-unit",
        _("%(year)s年提拔任职：按单位") % {"year": year},
        _("单位"),
        columns,
        unit_rows,
        _column_totals(unit_rows, 3) if unit_rows else None,
        series=[0, 1],
        stacked=True,
        axis="y",
    )
    return [trend, by_unit]


def secondment_table(q, folder, year):
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = (
        Secondment.objects.filter(q("cadre__unit_id"))
        .filter(start__lte=end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=start))
        .annotate(stat_path=F("cadre__unit__path"))
        .values("stat_path")
        .annotate(
            began=Count("pk", filter=Q(start__gte=start)),
            serving=Count("pk", filter=Q(ended_on__isnull=True) | Q(ended_on__gt=end)),
            ended=Count("pk", filter=Q(ended_on__lte=end)),
            excellent=Count("pk", filter=Q(ended_on__lte=end, assessment_grade=AssessmentGrade.EXCELLENT)),
        )
        .order_by()
    )
    keys = ("began", "serving", "ended", "excellent")
    found = _by_group(folder, rows, 4, lambda r: [(i, r[k]) for i, k in enumerate(keys)])
    unit_rows = _group_rows(folder, found, with_total=False)
    return Table(
        "secondments",
        _("%(year)s年挂职锻炼：按派出单位") % {"year": year},
        _("单位"),
        [_("年内新派出"), _("年末仍在挂职"), _("年内期满结束"), _("其中期满考核优秀")],
        unit_rows,
        _column_totals(unit_rows, 4) if unit_rows else None,
        note=_("计入干部所在（派出）单位；“年末仍在挂职”含尚未记结束日期的。"),
        series=[0, 1, 2],
        axis="y",
    )


def case_tables(q, folder, now):
    """Open cases by process and unit, and open steps (overdue among them) by step and unit: as
    they stand now, whatever the year chosen."""
    cases = (
        ProcessInstance.objects.filter(status__in=OPEN_STATUSES)
        .filter(q("nominating_unit_id"))
        .annotate(stat_path=F("nominating_unit__path"))
        .values("definition__process_id", "definition__name", "stat_path")
        .annotate(n=Count("*"))  # from the open cases' index alone (their ids are not in it)
        .order_by()
    )
    cases = list(cases)
    processes = {}
    for row in cases:
        processes.setdefault(row["definition__process_id"], process_name(row["definition__name"]))
    order = sorted(processes, key=lambda p: processes[p])
    found = _by_group(folder, cases, len(order), lambda r: [(order.index(r["definition__process_id"]), r["n"])])
    unit_rows = _group_rows(folder, found)
    columns = [processes[p] for p in order] + [_("合计")]
    open_cases = Table(
        "open-cases",
        _("在办案件：按发起单位和流程（当前）"),
        _("单位"),
        columns,
        unit_rows,
        _column_totals(unit_rows, len(columns)) if unit_rows else None,
        note=_("状态为办理中、等待中或异常的案件，计入发起单位。"),
        series=list(range(len(order))),
        stacked=True,
        axis="y",
    )

    steps = (
        HumanTask.objects.filter(q("unit_id"))
        .annotate(stat_path=F("unit_path"))
        .values("definition__process_id", "definition__name", "name", "stat_path")
        .annotate(n=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now)))
        .order_by()
    )
    steps = list(steps)
    by_step = {}
    for row in steps:
        key = (process_name(row["definition__name"]), step_name(row["name"]))
        values = by_step.setdefault(key, [0, 0])
        values[0] += row["n"] - row["overdue"]
        values[1] += row["overdue"]
    step_columns = [_("未超期"), _("已超期"), _("合计")]
    # The step first, so a shortened chart label still names it.
    step_rows = [
        Row(_("%(step)s（%(process)s）") % {"step": step, "process": process}, v + [sum(v)])
        for (process, step), v in sorted(by_step.items())
    ]
    open_steps = Table(
        "open-steps",
        _("待办环节：按环节（当前）"),
        _("环节（流程）"),
        step_columns,
        step_rows,
        _column_totals(step_rows, 3) if step_rows else None,
        note=_("在本人所任角色的单位待办的环节；超过办理时限的为已超期。"),
        series=[0, 1],
        stacked=True,
        axis="y",
    )
    found = _by_group(folder, steps, 2, lambda r: [(0, r["n"] - r["overdue"]), (1, r["overdue"])])
    unit_step_rows = _group_rows(folder, found)
    steps_by_unit = Table(
        "open-steps-by-unit",
        _("待办环节：按办理单位（当前）"),
        _("单位"),
        step_columns,
        unit_step_rows,
        _column_totals(unit_step_rows, 3) if unit_step_rows else None,
        series=[0, 1],
        stacked=True,
        axis="y",
    )
    return [open_cases, open_steps, steps_by_unit]


def alert_table(q, folder, today):
    """预警提醒 by unit and kind, as they stand today (``supervision.alerts.counts_by_unit``: from the
    alert register, counted by the database per unit); the cadres of the person's units."""
    kinds = supervision_alerts.KINDS
    index = {kind.code: i for i, kind in enumerate(kinds)}
    found = _by_group(
        folder,
        supervision_alerts.counts_by_unit(q("unit_id"), today),
        len(kinds),
        lambda r: [(index[r["kind"]], r["n"])],
    )
    unit_rows = _group_rows(folder, found)
    columns = [str(kind.short or kind.label) for kind in kinds] + [_("合计")]
    return Table(
        "alerts",
        _("预警提醒：按单位和类型（当前）"),
        _("单位"),
        columns,
        unit_rows,
        _column_totals(unit_rows, len(columns)) if unit_rows else None,
        note=_("计入干部所在单位；一名干部可有多项预警。各条预警及其处理见“预警提醒”页面。"),
        series=list(range(len(kinds))),
        stacked=True,
        axis="y",
    )


@dataclass
class Section:
    key: str
    title: str
    tables: list


def statistics(user, unit, year, groups):
    """The page's sections for ``user`` (its units), narrowed to ``unit`` (or None), in ``year``."""

    def q(field):
        scope = _scope_q(user, field)
        return scope & _subtree_q(field, unit) if unit is not None else scope

    folder = Folder(groups)
    now = clock.now()  # the engine's clock: a demo's fast-forward moves "overdue" with it
    return [
        Section("awards", _("奖励"), award_tables(q, folder, year)),
        Section("assessment", _("年度考核优秀比例"), [excellent_table(q, folder, year)]),
        Section("promotions", _("提拔任职"), promotion_tables(q, folder, year)),
        Section("secondments", _("挂职锻炼"), [secondment_table(q, folder, year)]),
        Section("cases", _("在办案件与待办环节"), case_tables(q, folder, now)),
        Section("alerts", _("预警提醒"), [alert_table(q, folder, timezone.localtime(now).date())]),
    ]
