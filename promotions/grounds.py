"""The rules of an exceptional promotion kept as data (issue 12 "Rules as data"): the grounds
(DOMAIN.md §4.1), which ordinary qualifications may be broken (§4.2) and the probation (§4.3
step 7). The rows live in ``PromotionGround``, ``Qualification`` and ``ProbationRule`` (admin-
editable); ``DEFAULT_*`` below are what the data migration puts there, each with its source.
"""

import calendar
import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from records.models import RANK_ORDER, RankLevel

# (code, label, text, source, keeps_post) — DOMAIN.md §4.1 and the seeds.
DEFAULT_GROUNDS = [
    (
        "outstanding_a",
        gettext_noop("特别优秀：在关键时刻或者承担急难险重任务中经受住考验、表现突出、作出重大贡献"),
        gettext_noop("政治过硬、特别优秀，在关键时刻或者承担急难险重任务中经受住考验、表现突出、作出重大贡献"),
        "DOMAIN.md §4.1 特别优秀 a",
        False,
    ),
    (
        "outstanding_b",
        gettext_noop("特别优秀：在条件艰苦、环境复杂、基础差的地区或者单位工作实绩突出"),
        gettext_noop("政治过硬、特别优秀，在条件艰苦、环境复杂、基础差的地区或者单位工作实绩突出"),
        "DOMAIN.md §4.1 特别优秀 b",
        False,
    ),
    (
        "outstanding_c",
        gettext_noop("特别优秀：在其他岗位上尽职尽责，工作实绩特别显著"),
        gettext_noop("政治过硬、特别优秀，在其他岗位上尽职尽责，工作实绩特别显著"),
        "DOMAIN.md §4.1 特别优秀 c",
        False,
    ),
    (
        "special_a",
        gettext_noop("工作特殊需要：领导班子结构需要或者领导职位有特殊要求"),
        gettext_noop("因工作特殊需要：领导班子结构需要或者领导职位有特殊要求"),
        "DOMAIN.md §4.1 工作特殊需要 a",
        False,
    ),
    (
        "special_b",
        gettext_noop("工作特殊需要：专业性较强的岗位或者重要专项工作急需"),
        gettext_noop("因工作特殊需要：专业性较强的岗位或者重要专项工作急需"),
        "DOMAIN.md §4.1 工作特殊需要 b",
        False,
    ),
    (
        "special_c",
        gettext_noop("工作特殊需要：艰苦边远地区、贫困地区急需引进"),
        gettext_noop("因工作特殊需要：艰苦边远地区、贫困地区急需引进"),
        "DOMAIN.md §4.1 工作特殊需要 c",
        False,
    ),
    (
        "commended",
        gettext_noop("受党中央、国务院或省委、省政府表彰奖励，或在急难险重任务中作出重大贡献"),
        gettext_noop(
            "在关键时刻或承担急难险重任务中经受住考验、表现突出、作出重大贡献，受到党中央、国务院或省委、省政府表彰奖励，"
            "按程序报经批准后破格提拔"
        ),
        "seed 004 art. 8(三); DOMAIN.md §4.1",
        False,
    ),
    (
        "poverty_secretary",
        gettext_noop("精准脱贫成效显著的贫困县县委书记优先提拔使用（继续兼任原职务）"),
        gettext_noop("系精准脱贫成效显著的贫困县县委书记，优先提拔使用，继续兼任原任职务、抓好脱贫工作"),
        "seed 000 #4; DOMAIN.md §4.1",
        True,
    ),
]

# (code, label, breakable, source) — DOMAIN.md §4.2: only the basic qualifications the regulation
# allows may be broken; political standards, the age limit and the probation never.
DEFAULT_QUALIFICATIONS = [
    ("work_years", gettext_noop("工作年限"), True, "DOMAIN.md §4.2 basic qualifications"),
    ("grassroots", gettext_noop("基层工作经历"), True, "DOMAIN.md §4.2 basic qualifications"),
    ("tenure", gettext_noop("任职年限"), True, "DOMAIN.md §4.2 basic qualifications"),
    ("education", gettext_noop("学历"), True, "DOMAIN.md §4.2 basic qualifications"),
    ("training", gettext_noop("培训"), True, "DOMAIN.md §4.2 basic qualifications"),
    ("health", gettext_noop("身体条件"), True, "DOMAIN.md §4.2 basic qualifications"),
    ("political", gettext_noop("政治标准"), False, "DOMAIN.md §4.1 政治过硬 (never broken)"),
    ("age", gettext_noop("年龄"), False, "DOMAIN.md §4.2 (not among the breakable basic qualifications)"),
    ("probation", gettext_noop("任职试用期"), False, "DOMAIN.md §4.2 no exceptional promotion in a probation period"),
]

# DOMAIN.md §4.3 step 7: a 1-year probation for non-elected posts at 厅局级 and below.
DEFAULT_PROBATION = {"months": 12, "highest_level": RankLevel.BUREAU_PRINCIPAL, "source": "DOMAIN.md §4.3 step 7"}


def _models():
    from .models import ProbationRule, PromotionGround, Qualification

    return PromotionGround, Qualification, ProbationRule


def ground_choices():
    PromotionGround = _models()[0]
    return [(g.code, _(g.label)) for g in PromotionGround.objects.filter(active=True)]


def ground(code):
    return _models()[0].objects.filter(code=code).first()


def ground_label(code):
    row = ground(code)
    return _(row.label) if row else (code or "")


def ground_text(code):
    """The ground as the documents and the 任前公示 state it (DOMAIN.md §4.3 step 6)."""
    row = ground(code)
    return _(row.text) if row else (code or "")


def qualification_choices():
    """All the qualifications (breakable or not), so that a refused break is named, not "invalid"."""
    return [(q.code, _(q.label)) for q in _models()[1].objects.all()]


def breakable_codes():
    return set(_models()[1].objects.filter(breakable=True).values_list("code", flat=True))


def qualification_label(code):
    row = _models()[1].objects.filter(code=code).first()
    return _(row.label) if row else code


def probation_rule(as_of):
    return _models()[2].objects.filter(valid_from__lte=as_of).order_by("-valid_from").first()


def probation_months(level, *, elected, as_of):
    """Months of probation for an appointment at ``level`` (0: none). DOMAIN.md §4.3 step 7: only
    non-elected posts at 厅局级 and below; length from the rule in force."""
    rule = probation_rule(as_of)
    if rule is None:
        return 0
    if elected and rule.elected_exempt:
        return 0
    if level not in RANK_ORDER or RANK_ORDER.index(level) > RANK_ORDER.index(rule.highest_level):
        return 0
    return rule.months


def months_after(day, months):
    """The same day ``months`` calendar months later (the last day of a shorter month: 29 February → 28 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
