"""The decision meeting's rules (DOMAIN.md §4.3 step 5; 党政领导干部选拔任用工作条例, [law]).

A meeting may decide only when at least two thirds of the members who should attend are
present; a proposal is adopted only when more than half of the members who should attend
vote for it (not half of those present). Both fractions are rule parameters (``rulebook``), so
an administrator can follow a changed regulation without a code change; integers only.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook


def _fraction(candidate):
    if len(candidate) != 2 or not all(isinstance(n, int) and n > 0 for n in candidate) or candidate[0] > candidate[1]:
        return _("应为[分子, 分母]两个正整数，且分子不大于分母")
    return None


QUORUM = rulebook.declare(
    "promotions.meeting_quorum",
    label=gettext_lazy("讨论决定到会比例（不少于应到会成员的几分之几）"),
    default=[2, 3],
    source="DOMAIN.md §4.3 step 5 [law]",
    check=_fraction,
)
MAJORITY = rulebook.declare(
    "promotions.meeting_majority",
    label=gettext_lazy("通过比例（赞成票超过应到会成员的几分之几）"),
    default=[1, 2],
    source="DOMAIN.md §4.3 step 5 [law]",
    check=_fraction,
)


def quorum(should_attend):
    """The fewest members present for the meeting to decide: ⌈2/3 × should attend⌉ (integers only)."""
    numerator, denominator = rulebook.value(QUORUM.key)
    return -(-should_attend * numerator // denominator)


def is_quorate(should_attend, present):
    numerator, denominator = rulebook.value(QUORUM.key)
    return present * denominator >= should_attend * numerator


def is_adopted(should_attend, votes_for):
    """More than half of those who should attend: 9 → 5 votes pass, 4 do not."""
    numerator, denominator = rulebook.value(MAJORITY.key)
    return votes_for * denominator > should_attend * numerator


CHINESE_NUMERALS = "零一二三四五六七八九十"


def quorum_text():
    """The quorum as the regulation writes it: 三分之二 (numbers up to ten in words)."""
    numerator, denominator = rulebook.value(QUORUM.key)
    if denominator <= 10:
        return f"{CHINESE_NUMERALS[denominator]}分之{CHINESE_NUMERALS[numerator]}"
    return f"{numerator}/{denominator}"


def _working_days(candidate):
    return None if isinstance(candidate, int) and 1 <= candidate <= 60 else _("应为1至60之间的整数")


def _gap(candidate):
    return None if isinstance(candidate, int) and 2 <= candidate <= 3 else _("应为2或3")


# DOMAIN.md §4.3 step 2 [default]: how long the higher organisation department has to answer a 请示
# before it is reminded (no answer never counts as consent).
CONSENT_REPLY = rulebook.declare(
    "promotions.consent_reply_working_days",
    label=gettext_lazy("上级组织部门答复期限（工作日，到期提醒）"),
    default=10,
    source="DOMAIN.md §4.3 step 2 [default]",
    check=_working_days,
)
# DOMAIN.md §4.2 / §4.3 step 2 [law]: two grades up skips one level (越级), which needs consent before
# the inspection.
SKIP_LEVEL_GAP = rulebook.declare(
    "promotions.early_consent_step_gap",
    label=gettext_lazy("越级提拔的职级层次差（考察前须征得上级同意）"),
    default=2,
    source="DOMAIN.md §4.2, §4.3 step 2 [law]",
    check=_gap,
)
