"""The round a unit's nomination and confirmation tasks belong to, as the pages show it (issue 15
item 9): title, posts with their places, the places of the round, the nomination deadline and the
eligibility criteria (DOMAIN.md §5: all of them plan parameters set when the round was opened).

Read from the round's register (``secondments.models``), never from the engine's task data.
``round_contexts`` serves a page of inbox rows in a constant number of queries (none when no row
is a round's unit step, two otherwise: the rounds and their posts).
"""

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from records.models import AssessmentGrade, RankLevel, rank_index
from workflows import clock

from .eligibility import ROUND_LEVELS
from .models import Position, Round

# The per-unit steps of a round (secondment_selection.bpmn, multi-instance over the invited units).
UNIT_STEPS = ("Task_nominate", "Task_unit_confirm")
TEMPLATE = "secondments/_round_context.html"
COMPACT_POSTS = 3  # an inbox row names this many posts, then "等N个岗位"


def round_context(task):
    """The round context of one human task, or None (another process, or another step)."""
    return round_contexts([task]).get(task.pk)


def round_contexts(tasks):
    """{task.pk: context} for the tasks that are a round's nomination or confirmation step."""
    tasks = [t for t in tasks if t.bpmn_id in UNIT_STEPS]
    if not tasks:
        return {}
    positions = Prefetch("positions", queryset=Position.objects.select_related("host_unit").order_by("pk"))
    rounds = Round.objects.filter(instance_id__in={t.instance_id for t in tasks}).prefetch_related(positions)
    contexts = {r.instance_id: describe(r) for r in rounds}
    return {t.pk: contexts[t.instance_id] for t in tasks if t.instance_id in contexts}


def describe(round_):
    """What a nominating unit needs to know about a round (its positions must be loaded or loadable)."""
    posts = [
        {"host_unit": p.host_unit.name, "title": p.title, "places": p.places, "requirements": p.requirements}
        for p in round_.positions.all()
    ]
    today = clock.today()
    criteria = criteria_lines(round_.criteria or {})
    return {
        "round": round_,
        "title": round_.title,
        "posts": posts,
        "post_places": sum(p["places"] for p in posts),
        "places": round_.places,
        "deadline": round_.nomination_deadline,
        "deadline_passed": today > round_.nomination_deadline,
        "days_left": (round_.nomination_deadline - today).days,
        "term_months": round_.term_months,
        "term_start": round_.term_start,
        "notice_required": round_.notice_required,
        "criteria": criteria,
        "criteria_summary": criteria_summary(round_.criteria or {}),
        "posts_summary": posts_summary(posts),
        "any_requirements": any(p["requirements"] for p in posts),
    }


def posts_summary(posts, limit=COMPACT_POSTS):
    label = _("%(unit)s %(title)s（%(n)s名）")
    shown = "；".join(label % {"unit": p["host_unit"], "title": p["title"], "n": p["places"]} for p in posts[:limit])
    if len(posts) > limit:
        shown += _("等%(n)s个岗位") % {"n": len(posts)}
    return shown


def _level_label(level):
    try:
        return str(RankLevel(level).label)
    except ValueError:
        return str(level)


def _levels_in_range(criteria):
    """The levels a round admits, lowest first (all of them when the plan names no range)."""
    low, high = criteria.get("rank_min_index"), criteria.get("rank_max_index")
    return [lv for lv in ROUND_LEVELS if (low is None or rank_index(lv) >= low) and (high is None or rank_index(lv) <= high)]


def age_groups(criteria):
    """[(levels label, limit)]: consecutive admitted levels with the same age limit, e.g.
    ("其他人员至乡科级正职", 35), ("县处级副职至县处级正职", 40)."""
    limits = {str(k): v for k, v in (criteria.get("age_limits") or {}).items()}
    groups = []
    for level in _levels_in_range(criteria):
        limit = limits.get(str(level))
        if groups and groups[-1][2] == limit:
            groups[-1][1] = level
        else:
            groups.append([level, level, limit])
    result = []
    for first, last, limit in groups:
        if limit is None:
            continue
        label = _level_label(first) if first == last else _("%(low)s至%(high)s") % {"low": _level_label(first), "high": _level_label(last)}
        result.append((label, limit))
    return result


def _grade_label(criteria):
    if criteria.get("min_grade_label"):
        return criteria["min_grade_label"]
    try:
        return str(AssessmentGrade(criteria.get("min_grade")).label)
    except ValueError:
        return ""


def criteria_lines(criteria):
    """The round's criteria as sentences, in the order of the plan form (DOMAIN.md §5)."""
    lines = []
    if criteria.get("rank_range_label"):
        lines.append(_("职级层次：%(range)s") % {"range": criteria["rank_range_label"]})
    groups = age_groups(criteria)
    if groups:
        ages = "；".join(_("%(levels)s不超过%(age)s周岁") % {"levels": label, "age": age} for label, age in groups)
        lines.append(_("年龄：%(ages)s（按推荐截止日计算）") % {"ages": ages})
    if criteria.get("min_work_years"):
        lines.append(_("参加工作满%(n)s年") % {"n": criteria["min_work_years"]})
    if _grade_label(criteria):
        lines.append(_("最近一次年度考核为%(grade)s及以上") % {"grade": _grade_label(criteria)})
    # The default exclusions of DOMAIN.md §5, rows of bpmn/dmn/secondment_eligibility.dmn.
    lines.append(_("不得推荐：正在接受立案审查调查、处分或组织处理影响期未满、任职试用期未满或提拔任职不满1年的干部"))
    return lines


def criteria_summary(criteria):
    """The criteria in one short line (an inbox row), e.g. "其他人员至县处级正职，年龄上限35/40周岁，工作满3年，考核称职及以上"."""
    parts = []
    if criteria.get("rank_range_label"):
        parts.append(criteria["rank_range_label"])
    ages = list(dict.fromkeys(age for _label, age in age_groups(criteria)))
    if ages:  # by level, lowest first: "35/40" (the card names the levels)
        parts.append(_("年龄上限%(ages)s周岁") % {"ages": "/".join(str(age) for age in ages)})
    if criteria.get("min_work_years"):
        parts.append(_("工作满%(n)s年") % {"n": criteria["min_work_years"]})
    if _grade_label(criteria):
        parts.append(_("考核%(grade)s及以上") % {"grade": _grade_label(criteria)})
    return "，".join(parts)


def round_extra(case, task, record):
    """``step_extras`` of the unit steps: the round on the task page (``extras.round_context``)."""
    return {"round_context": round_context(task)}
