"""预警提醒: the supervision alerts of DOMAIN.md §10, computed over a set of cadres.

Each alert kind is one function ``(cadres, today) -> QuerySet of Cadre`` that filters the given
cadre QuerySet in the database — one query per kind for a whole page, never one per cadre — and
annotates the date the alert is about as ``alert_date``. ``alerts()`` runs the kinds and turns the
rows into ``Alert`` objects for the page and the Excel export.

Thresholds are named constants (the seed's own numbers, [law for this province/city]) or rule
parameters (``rulebook``, [practice]/[default] rules an administrator may change), each with the
DOMAIN.md line it implements.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Lookup,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook
from permissions.models import UnitLevel
from records.models import (
    AnnualAssessment,
    AssessmentGrade,
    HealthCheck,
    PostHistory,
    Promotion,
    RankLevel,
    Sanction,
    Sex,
    Training,
    add_months,
    add_years,
)

# --------------------------------------------------------------------------- thresholds

# DOMAIN.md §10 "Rotation" (seed 000 #15, [law for this province]): 在同一岗位满5年原则上应进行轮岗，满10年必须进行轮岗.
ROTATION_SHOULD_YEARS = 5
ROTATION_MUST_YEARS = 10
# DOMAIN.md §4.3 step 7 / §10: the probation's end is announced this many days ahead (issue 16 item 1).
PROBATION_NOTICE_DAYS = 60
# DOMAIN.md §10 "Retirement" ([practice]): alert 12 months ahead.
RETIREMENT_NOTICE_MONTHS = 12
# DOMAIN.md §10 "Township service" (seed 000 #20): 在乡镇工作累计满20年且表现优秀.
TOWNSHIP_YEARS = 20
# DOMAIN.md §10 "Health checks" (seed 004 art. 11: 每年体检不少于1次; seed 000 #19): at most 12 months apart.
HEALTH_CHECK_MONTHS = 12
# DOMAIN.md §10 "Health checks: every cadre yearly (seed 000 #19)" — the same 12 months for every other post.
YEARLY_HEALTH_CHECK_MONTHS = 12
# DOMAIN.md §3: the sanction effect period's end is announced this many days ahead (issue 16 item 1).
SANCTION_NOTICE_DAYS = 30

# DOMAIN.md §10 "Training" (seed 000 #13: 市县党政领导班子成员每年至少参加1次强化专业能力的专题培训): the
# members of a city or county's leadership are the cadres holding that level's leading ranks —
# 县处级 in a county unit, 厅局级 in a city unit (DOMAIN.md §4.4 rank order).
LEADERSHIP_RANKS = {
    UnitLevel.COUNTY: (RankLevel.COUNTY_DEPUTY, RankLevel.COUNTY_PRINCIPAL),
    UnitLevel.CITY: (RankLevel.BUREAU_DEPUTY, RankLevel.BUREAU_PRINCIPAL),
}


def _retirement_rule(candidate):
    for sex in Sex.values:
        row = candidate.get(sex)
        if not (isinstance(row, dict) and {"age", "raised_from", "target_age"} <= set(row)):
            return _("应为每个性别（male、female）给出 age、raised_from、target_age")
        if not (40 <= row["age"] <= row["target_age"] <= 75 and 1900 <= row["raised_from"] <= 2100):
            return _("退休年龄或起始出生年份超出合理范围")
    return None


# DOMAIN.md §10 "Retirement": statutory retirement ages are national data [practice]. Since
# 2025-01-01 (全国人大常委会关于实施渐进式延迟法定退休年龄的决定, 2024-09-13, and its 办法): men 60 → 63,
# women cadres 55 → 58, delayed one month for every four months of birth from January of
# ``raised_from`` (born January–April 1965: 60 years 1 month), at most to ``target_age``.
RETIREMENT = rulebook.declare(
    "supervision.retirement_age",
    label=gettext_lazy("法定退休年龄（渐进式延迟）"),
    default={
        "male": {"age": 60, "raised_from": 1965, "target_age": 63},
        "female": {"age": 55, "raised_from": 1970, "target_age": 58},
    },
    source="DOMAIN.md §10 Retirement [practice]; 全国人大常委会关于实施渐进式延迟法定退休年龄的决定（2024年9月13日）",
    check=_retirement_rule,
)


def _excellent_rule(candidate):
    if not (1 <= candidate.get("grades", 0) <= candidate.get("years", 0) <= 40):
        return _('应为 {"years": 年数, "grades": 优秀次数}，且优秀次数不超过年数')
    return None


# DOMAIN.md §10 "Township service" — 表现优秀 [default]: this many 优秀 annual grades in the last
# ``years`` assessment years (DOMAIN.md §2 grades).
TOWNSHIP_EXCELLENT = rulebook.declare(
    "supervision.township_excellent",
    label=gettext_lazy("乡镇工作满20年预警：“表现优秀”的认定（近若干年度优秀次数）"),
    default={"years": 5, "grades": 1},
    source="DOMAIN.md §10 Township service (seed 000 #20) [default]",
    check=_excellent_rule,
)


# --------------------------------------------------------------------------- kinds


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    source: str  # the DOMAIN.md line (and seed) the alert implements
    action: str  # what the alert calls for
    short: str = ""  # the column head of the table of counts


ROTATION_MUST = "rotation_must"
ROTATION_SHOULD = "rotation_should"
PROBATION = "probation"
RETIREMENT_DUE = "retirement"
TOWNSHIP = "township"
HEALTH_CHECK = "health_check"
HEALTH_CHECK_YEARLY = "health_check_yearly"
TRAINING = "training"
SANCTION_ENDING = "sanction_ending"

KINDS = [
    Kind(
        ROTATION_MUST,
        gettext_lazy("同一岗位满10年，必须轮岗"),
        "DOMAIN.md §10 Rotation; seed 000 #15",
        gettext_lazy("安排轮岗"),
        gettext_lazy("必须轮岗"),
    ),
    Kind(
        ROTATION_SHOULD,
        gettext_lazy("同一岗位满5年，应当轮岗"),
        "DOMAIN.md §10 Rotation; seed 000 #15",
        gettext_lazy("研究轮岗"),
        gettext_lazy("应当轮岗"),
    ),
    Kind(
        PROBATION,
        gettext_lazy("试用期60日内届满"),
        "DOMAIN.md §4.3 step 7; §10",
        gettext_lazy("组织试用期满考核"),
        gettext_lazy("试用期满"),
    ),
    Kind(
        RETIREMENT_DUE,
        gettext_lazy("12个月内达到法定退休年龄"),
        "DOMAIN.md §10 Retirement",
        gettext_lazy("做好退休准备和接替人选"),
        gettext_lazy("临近退休"),
    ),
    Kind(
        TOWNSHIP,
        gettext_lazy("乡镇工作累计满20年且表现优秀"),
        "DOMAIN.md §10 Township service; seed 000 #20",
        gettext_lazy("征求本人意愿"),
        gettext_lazy("乡镇满20年"),
    ),
    Kind(
        HEALTH_CHECK,
        gettext_lazy("一线、艰苦、高危岗位12个月内未体检"),
        "DOMAIN.md §10 Health checks; seed 004 art. 11; seed 000 #19",
        gettext_lazy("安排体检"),
        gettext_lazy("一线岗位未体检"),
    ),
    # Its own kind, not a wider one: the front line's check is the stricter duty (a higher
    # standard, seed 004 art. 11), so the dashboard counts it apart from the yearly check of all.
    Kind(
        HEALTH_CHECK_YEARLY,
        gettext_lazy("12个月内未进行年度体检"),
        "DOMAIN.md §10 Health checks; seed 000 #19",
        gettext_lazy("安排年度体检"),
        gettext_lazy("年度未体检"),
    ),
    Kind(
        TRAINING,
        gettext_lazy("市县领导班子成员本年度未参加专业能力专题培训"),
        "DOMAIN.md §10 Training; seed 000 #13",
        gettext_lazy("安排专题培训"),
        gettext_lazy("未培训"),
    ),
    Kind(
        SANCTION_ENDING,
        gettext_lazy("处分影响期30日内届满"),
        "DOMAIN.md §3",
        gettext_lazy("核对影响期届满后的使用"),
        gettext_lazy("影响期满"),
    ),
]
KIND_BY_CODE = {k.code: k for k in KINDS}


# --------------------------------------------------------------------------- one query per kind


def rotation_must(cadres, today):
    """Same post ≥ 10 years (DOMAIN.md §10 "Rotation", seed 000 #15): cannot be deferred."""
    return cadres.filter(post_since__lte=add_years(today, -ROTATION_MUST_YEARS)).annotate(alert_date=F("post_since"))


def rotation_should(cadres, today):
    """Same post ≥ 5 and < 10 years (DOMAIN.md §10 "Rotation", seed 000 #15); a 10-year case is
    ``rotation_must`` only."""
    return cadres.filter(
        post_since__lte=add_years(today, -ROTATION_SHOULD_YEARS), post_since__gt=add_years(today, -ROTATION_MUST_YEARS)
    ).annotate(alert_date=F("post_since"))


def probation_ending(cadres, today):
    """Probation ending within 60 days (today included): the date on the record, or that of a
    promotion whose end-of-probation assessment is still open (DOMAIN.md §4.3 step 7)."""
    window = (today, today + datetime.timedelta(days=PROBATION_NOTICE_DAYS))
    open_promotion = Promotion.objects.filter(cadre=OuterRef("pk"), probation_result="", probation_end__range=window)
    return cadres.filter(Q(probation_end__range=window) | Exists(open_promotion)).annotate(
        alert_date=Coalesce(
            Case(When(probation_end__range=window, then=F("probation_end")), output_field=DateField()),
            Subquery(open_promotion.order_by("probation_end").values("probation_end")[:1]),
        )
    )


def retirement_date(birth_date, sex, on=None):
    """The statutory retirement date (DOMAIN.md §10 "Retirement"): the day the cadre reaches the
    age of the rule parameter, delayed a month for every four months of birth from January of the
    year the gradual raise starts, to at most the target age."""
    rule = rulebook.value(RETIREMENT.key, on=on)[sex]
    months_from_start = (birth_date.year - rule["raised_from"]) * 12 + birth_date.month - 1
    delay = 0 if months_from_start < 0 else min(months_from_start // 4 + 1, (rule["target_age"] - rule["age"]) * 12)
    return add_months(birth_date, rule["age"] * 12 + delay)


def _birth_range(sex, first, last, on):
    """The birth dates whose retirement date falls in [first, last]: an interval, since the
    retirement date never decreases with the birth date. Found by bisection (a few dozen calls)."""

    def earliest_birth(day):  # the first birth date retiring on or after ``day``
        low, high = datetime.date(1900, 1, 1), day
        while low < high:
            middle = low + (high - low) // 2
            if retirement_date(middle, sex, on) >= day:
                high = middle
            else:
                low = middle + datetime.timedelta(days=1)
        return low

    return earliest_birth(first), earliest_birth(last + datetime.timedelta(days=1)) - datetime.timedelta(days=1)


def retirement_due(cadres, today):
    """Statutory retirement within 12 months (DOMAIN.md §10 "Retirement"), or already reached and
    still on the record. One birth-date range per sex, computed from the rule parameter."""
    last = add_months(today, RETIREMENT_NOTICE_MONTHS)
    q = Q(pk__in=[])
    for sex in Sex.values:
        _first, latest = _birth_range(sex, today, last, today)
        q |= Q(sex=sex, birth_date__lte=latest)
    return cadres.filter(q).annotate(alert_date=F("birth_date"))


def _township_days(today):
    """Days served in township-level units (DOMAIN.md §10 "Township service"), from post history;
    an open row runs to today."""
    served = ExpressionWrapper(Coalesce(F("end"), Value(today)) - F("start"), output_field=DurationField())
    return Subquery(
        PostHistory.objects.filter(cadre=OuterRef("pk"), post_unit__level=UnitLevel.TOWNSHIP, start__lte=today)
        .order_by()
        .values("cadre")
        .annotate(total=Sum(served))
        .values("total")[:1],
        output_field=DurationField(),
    )


def township_service(cadres, today):
    """≥ 20 years in township units with 优秀 grades (DOMAIN.md §10 "Township service", seed 000 #20):
    may be placed in a county department or nearer home on request — an alert, the unit decides."""
    excellent = rulebook.value(TOWNSHIP_EXCELLENT.key, on=today)
    years = (today - add_years(today, -TOWNSHIP_YEARS)).days
    recent_excellent = Subquery(
        AnnualAssessment.objects.filter(cadre=OuterRef("pk"), grade=AssessmentGrade.EXCELLENT, year__gt=today.year - 1 - excellent["years"])
        .order_by()
        .values("cadre")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        cadres.annotate(township_served=_township_days(today), excellent_grades=recent_excellent)
        .filter(township_served__gte=datetime.timedelta(days=years), excellent_grades__gte=excellent["grades"])
        .annotate(alert_date=Value(today, output_field=DateField()))
    )


def health_check_missing(cadres, today):
    """Front-line, hardship and high-risk posts without a health check in the last 12 months
    (DOMAIN.md §10 "Health checks"; seed 004 art. 11 每年体检不少于1次; seed 000 #19). A check on the
    same day a year ago still counts today."""
    since = add_months(today, -HEALTH_CHECK_MONTHS)
    recent = HealthCheck.objects.filter(cadre=OuterRef("pk"), date__gte=since, date__lte=today)
    last = HealthCheck.objects.filter(cadre=OuterRef("pk"), date__lte=today).order_by("-date").values("date")[:1]
    return cadres.filter(hardship_post=True).exclude(Exists(recent)).annotate(alert_date=Subquery(last, output_field=DateField()))


def yearly_health_check_missing(cadres, today):
    """Every other cadre without a health check in the last 12 months (DOMAIN.md §10 "Health
    checks: every cadre yearly", seed 000 #19); front-line posts are ``health_check_missing``'s."""
    since = add_months(today, -YEARLY_HEALTH_CHECK_MONTHS)
    recent = HealthCheck.objects.filter(cadre=OuterRef("pk"), date__gte=since, date__lte=today)
    last = HealthCheck.objects.filter(cadre=OuterRef("pk"), date__lte=today).order_by("-date").values("date")[:1]
    return cadres.filter(hardship_post=False).exclude(Exists(recent)).annotate(alert_date=Subquery(last, output_field=DateField()))


def _leadership_q():
    q = Q(pk__in=[])
    for level, ranks in LEADERSHIP_RANKS.items():
        q |= Q(unit__level=level, rank_level__in=ranks)
    return q


def training_missing(cadres, today):
    """City/county leadership members without a professional-skills course this calendar year
    (DOMAIN.md §10 "Training"; seed 000 #13). A course counts for every year it runs in."""
    year_start, year_end = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    this_year = Training.objects.filter(cadre=OuterRef("pk"), professional=True, start__lte=year_end, end__gte=year_start)
    return cadres.filter(_leadership_q()).exclude(Exists(this_year)).annotate(alert_date=Value(year_end, output_field=DateField()))


def sanction_ending(cadres, today):
    """Sanction effect periods ending within 30 days, today included (DOMAIN.md §3: ``effect_end``
    is the last day in effect)."""
    window = (today, today + datetime.timedelta(days=SANCTION_NOTICE_DAYS))
    ending = Sanction.objects.filter(cadre=OuterRef("pk"), effect_end__range=window)
    return cadres.filter(Exists(ending)).annotate(alert_date=Subquery(ending.order_by("effect_end").values("effect_end")[:1]))


QUERIES = {
    ROTATION_MUST: rotation_must,
    ROTATION_SHOULD: rotation_should,
    PROBATION: probation_ending,
    RETIREMENT_DUE: retirement_due,
    TOWNSHIP: township_service,
    HEALTH_CHECK: health_check_missing,
    HEALTH_CHECK_YEARLY: yearly_health_check_missing,
    TRAINING: training_missing,
    SANCTION_ENDING: sanction_ending,
}


# --------------------------------------------------------------------------- rows


@dataclass
class Alert:
    kind: Kind
    cadre: object  # records.models.Cadre, with its unit
    date: datetime.date | None  # the date the alert is about (see ``detail``)
    detail: str
    due: datetime.date | None  # by when the action is called for (sorting; None: now)

    @property
    def unit(self):
        return self.cadre.unit

    @property
    def action_url(self):
        return reverse("cadre", args=[self.cadre.pk])


def _years_months(start, today):
    from records.models import full_months_between

    months = full_months_between(start, today)
    return _("%(years)s年%(months)s个月") % {"years": months // 12, "months": months % 12}


def _row(kind_code, cadre, today):
    kind = KIND_BY_CODE[kind_code]
    day = getattr(cadre, "alert_date", None)
    if kind_code in (ROTATION_MUST, ROTATION_SHOULD):
        years = ROTATION_MUST_YEARS if kind_code == ROTATION_MUST else ROTATION_SHOULD_YEARS
        detail = _("%(date)s任现岗位，已%(span)s") % {"date": day.isoformat(), "span": _years_months(day, today)}
        return Alert(kind, cadre, day, detail, add_years(day, years))
    if kind_code == PROBATION:
        return Alert(kind, cadre, day, _("试用期%(date)s届满") % {"date": day.isoformat()}, day)
    if kind_code == RETIREMENT_DUE:
        retires = retirement_date(cadre.birth_date, cadre.sex, today)
        text = _("已于%(date)s达到法定退休年龄") if retires < today else _("%(date)s达到法定退休年龄")
        return Alert(kind, cadre, retires, text % {"date": retires.isoformat()}, retires)
    if kind_code == TOWNSHIP:
        served = cadre.township_served.days
        detail = _("乡镇工作累计约%(years)s年，近年度优秀%(n)s次") % {"years": served // 365, "n": cadre.excellent_grades}
        return Alert(kind, cadre, None, detail, None)
    if kind_code in (HEALTH_CHECK, HEALTH_CHECK_YEARLY):
        months = HEALTH_CHECK_MONTHS if kind_code == HEALTH_CHECK else YEARLY_HEALTH_CHECK_MONTHS
        detail = _("最近一次体检：%(date)s") % {"date": day.isoformat()} if day else _("无体检记录")
        return Alert(kind, cadre, day, detail, add_months(day, months) if day else None)
    if kind_code == TRAINING:
        return Alert(kind, cadre, day, _("%(year)s年度尚无专业能力专题培训记录") % {"year": today.year}, day)
    return Alert(kind, cadre, day, _("影响期%(date)s届满") % {"date": day.isoformat()}, day)


# The cadres an alerts page covers are read once, as ids, when there are at most this many.
NAMED_CADRES = 20000


class IdsIn(Lookup):
    """``field IN (ids)`` for a list read beforehand: on PostgreSQL ``field = ANY(%s)`` with the list
    as one array parameter — with a placeholder per id the driver spent milliseconds binding
    each statement (1,400 ids, 9 statements: ~90 ms of the alerts page). Use as
    ``Q(IdsIn(F("unit_id"), ids))``."""

    lookup_name = "ids_in"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if not self.rhs:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*lhs_params, *self.rhs]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]


def _by_ids(cadres):
    """The same cadres as a filter on their ids, read in one query, when ``cadres`` filters at all
    and holds at most ``NAMED_CADRES``; else ``cadres`` itself. The per-kind queries then start
    from the primary key instead of each testing the visibility filter on every cadre of the
    database (``permissions.policy.visible_cadres_filter``'s OR of granted and handled units
    cannot use the unit index, and each such query was JIT-compiled: 0.2–1 s apiece at 1,000,000
    cases, bench/results/supervision.txt)."""
    if not cadres.query.has_filters():
        return cadres
    ids = list(cadres.order_by().values_list("pk", flat=True)[: NAMED_CADRES + 1])
    return cadres if len(ids) > NAMED_CADRES else cadres.model.objects.filter(IdsIn(F("pk"), ids))


# What an ``Alert`` row reads of its cadre and unit (the page, the Excel export, the API and
# ``_row``): a dashboard loads hundreds of cadres, and the record's other columns are not needed.
CADRE_FIELDS = ("name", "current_post", "birth_date", "sex", "unit_id", "unit__name", "unit__code", "unit__path")


def alerts(cadres, today, kinds=None):
    """The alerts over ``cadres`` (a Cadre QuerySet already limited to what the person may see),
    as ``Alert`` rows ordered by unit, kind and due date: read from the alert register when it
    holds ``today`` (``supervision.register``; the cadres marked stale computed live), else one
    query per kind (after one for the cadres' ids, ``_by_ids``)."""
    from .register import stored

    wanted = [kind for kind in KINDS if not kinds or kind.code in kinds]
    found = stored(cadres, today, [kind.code for kind in wanted])
    rows = []
    if found is not None:
        standing, stale_ids = found
        for alert in standing:
            cadre = alert.cadre
            cadre.alert_date = alert.alert_date
            if alert.kind == TOWNSHIP:
                cadre.township_served = datetime.timedelta(days=alert.township_days)
                cadre.excellent_grades = alert.excellent_grades
            rows.append(_row(alert.kind, cadre, today))
        cadres = _marked_stale(cadres, stale_ids)
    if cadres is not None:
        base = _by_ids(cadres).select_related("unit").only(*CADRE_FIELDS)
        for kind in wanted:
            for cadre in QUERIES[kind.code](base, today):
                rows.append(_row(kind.code, cadre, today))
    order = {k.code: i for i, k in enumerate(KINDS)}
    rows.sort(key=lambda a: (a.unit.path, order[a.kind.code], a.due or datetime.date.min, a.cadre.name))
    return rows


def counts_by_unit(within, today):
    """[{"stat_path": the unit's path, "kind": code, "n": cadres}] of the alerts of the cadres of the
    units ``within`` selects (a Q on ``unit_id``), counted by the database per unit and kind (the
    statistics page): from the alert register when it holds ``today``, else (and for the cadres
    marked stale) one query per kind."""
    from records.models import Cadre

    from .register import stored

    cadres = Cadre.objects.filter(within)
    found = stored(cadres, today, None, counted=True, within=within)
    rows = []
    if found is not None:
        rows, stale_ids = found
        cadres = _marked_stale(cadres, stale_ids)
    if cadres is not None:
        for kind in KINDS:
            matched = QUERIES[kind.code](cadres, today)
            rows += [
                {**row, "kind": kind.code}
                for row in matched.values(stat_path=F("unit__path")).annotate(n=Count("pk", distinct=True)).order_by()
            ]
    return rows


def _marked_stale(cadres, stale_ids):
    """What is left to compute live once the register has answered: the cadres it marks stale
    (None when there are none)."""
    return cadres.model.objects.filter(IdsIn(F("pk"), stale_ids)) if stale_ids else None


def thresholds():
    """The fixed thresholds of the kinds (the alert register is rebuilt when they change)."""
    return [
        ROTATION_SHOULD_YEARS,
        ROTATION_MUST_YEARS,
        PROBATION_NOTICE_DAYS,
        RETIREMENT_NOTICE_MONTHS,
        TOWNSHIP_YEARS,
        HEALTH_CHECK_MONTHS,
        YEARLY_HEALTH_CHECK_MONTHS,
        SANCTION_NOTICE_DAYS,
        sorted((level, list(ranks)) for level, ranks in LEADERSHIP_RANKS.items()),
        [kind.code for kind in KINDS],
    ]


def counts(rows):
    """{(unit, kind code): count} and the units in tree order, for the table of counts."""
    table, units = {}, {}
    for row in rows:
        units[row.unit.pk] = row.unit
        table[(row.unit.pk, row.kind.code)] = table.get((row.unit.pk, row.kind.code), 0) + 1
    return table, sorted(units.values(), key=lambda u: u.path)
