"""Awards that follow from the annual assessment (DOMAIN.md §1.5): one year 优秀 → 嘉奖;
three consecutive years 优秀 → 记三等功. Listed per unit and started in one batch."""

import datetime
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import rulebook
from records.models import AssessmentGrade, Award, AwardKind, Cadre
from workflows import services
from workflows.errors import InvalidAction

from .models import Nomination

PROCESS = "merit_citation"


@dataclass
class Candidate:
    cadre: Cadre
    award_kind: str
    deed_reference: str
    reason: str

    @property
    def award_label(self):
        return AwardKind(self.award_kind).label


def _years(candidate):
    return None if isinstance(candidate, int) and 2 <= candidate <= 10 else _("应为2至10之间的整数")


# DOMAIN.md §1.5 [practice] (公务员考核规定): three consecutive years 优秀 → 记三等功.
CONSECUTIVE_YEARS = rulebook.declare(
    "awards.consecutive_excellent_years",
    label=gettext_lazy("连续几年考核优秀记三等功"),
    default=3,
    source="DOMAIN.md §1.5 [practice]",
    check=_years,
)


def consecutive_years():
    return rulebook.value(CONSECUTIVE_YEARS.key)


def deed_reference(kind, year):
    first = year - consecutive_years() + 1
    return f"年度考核{first}-{year}连续优秀" if kind == AwardKind.MERIT_3 else f"年度考核{year}优秀"


WINDOW = re.compile(r"^年度考核(\d{4})-(\d{4})连续优秀$")


def windows_used(cadres):
    """cadre id → the last year of the latest three-year 优秀 window already given its 记三等功
    (or nominated for it). DOMAIN.md §1.5: three consecutive 优秀 years give one 记三等功; the
    next needs three new years — windows do not overlap (2023–2025 → 记三等功, then 2026 alone →
    嘉奖, 2026–2028 → 记三等功). A revoked award gives its years back."""
    references = [
        *Award.objects.filter(cadre__in=cadres, kind=AwardKind.MERIT_3, revoked=False, deed_reference__startswith="年度考核").values_list(
            "cadre_id", "deed_reference"
        ),
        *Nomination.objects.filter(
            cadre__in=cadres, award_kind=AwardKind.MERIT_3, is_open=True, deed_reference__startswith="年度考核"
        ).values_list("cadre_id", "deed_reference"),
    ]
    last = {}
    for cadre_id, reference in references:
        match = WINDOW.match(reference)
        if match:
            last[cadre_id] = max(last.get(cadre_id, 0), int(match.group(2)))
    return last


def annual_candidates(unit, year):
    """Cadres of ``unit`` and its subordinates with 优秀 in ``year``, not yet rewarded or nominated for it."""
    cadres = (
        Cadre.objects.filter(unit__path__startswith=unit.path, assessments__year=year, assessments__grade=AssessmentGrade.EXCELLENT)
        .select_related("unit")
        .distinct()
    )
    window = set(range(year - consecutive_years() + 1, year + 1))
    excellent = {}
    for cadre_id, y in Cadre.objects.filter(
        pk__in=cadres.values("pk"), assessments__grade=AssessmentGrade.EXCELLENT, assessments__year__in=sorted(window)
    ).values_list("pk", "assessments__year"):
        excellent.setdefault(cadre_id, set()).add(y)
    references = [deed_reference(AwardKind.MERIT_3, year), deed_reference(AwardKind.COMMENDATION, year)]
    rewarded = set(Award.objects.filter(cadre__in=cadres, revoked=False, deed_reference__in=references).values_list("cadre_id", flat=True))
    # A cadre whose nomination for this year's result is already under way is not a candidate again.
    rewarded |= set(
        Nomination.objects.filter(cadre__in=cadres, is_open=True, deed_reference__in=references).values_list("cadre_id", flat=True)
    )
    used = windows_used(cadres)
    result = []
    for cadre in cadres.order_by("unit__path", "name"):
        if cadre.pk in rewarded:
            continue
        # Three consecutive 优秀 years, none of them inside a window already rewarded (DOMAIN.md §1.5).
        if excellent.get(cadre.pk, set()) >= window and used.get(cadre.pk, 0) < min(window):
            result.append(
                Candidate(
                    cadre,
                    AwardKind.MERIT_3,
                    deed_reference(AwardKind.MERIT_3, year),
                    _("%(a)s—%(b)s年度连续%(n)s年考核优秀") % {"a": min(window), "b": year, "n": len(window)},
                )
            )
        else:
            result.append(
                Candidate(cadre, AwardKind.COMMENDATION, deed_reference(AwardKind.COMMENDATION, year), _("%(y)s年度考核优秀") % {"y": year})
            )
    return result


def start_batch(user, unit, year, cadre_ids):
    """Start one nomination per selected candidate, pre-filled; the nominator then completes each."""
    by_cadre = {c.cadre.pk: c for c in annual_candidates(unit, year)}
    unknown = [pk for pk in cadre_ids if pk not in by_cadre]
    if unknown:
        raise InvalidAction(_("所选人员中有的不是本年度的奖励候选人"))
    started = []
    with transaction.atomic():
        for pk in cadre_ids:
            candidate = by_cadre[pk]
            started.append(
                services.start_process(
                    user,
                    PROCESS,
                    unit=unit,
                    subject_cadre=candidate.cadre,
                    data={
                        "award_kind": candidate.award_kind,
                        "deed_reference": candidate.deed_reference,
                        "deeds": candidate.reason,
                        "period_from": datetime.date(year, 1, 1).isoformat(),
                        "period_to": datetime.date(year, 12, 31).isoformat(),
                    },
                )
            )
    return started
