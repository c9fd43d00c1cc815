"""Shared steps for the secondment-round tests (issue 7): a city round opened by the Pingdingshan
organisation department, demo users acting through the service layer. No tests here.

The round: 平顶山市委组织部 (reviewer pds_sh) invites 鲁山县琴台街道 (ls_qt_*), 宝丰县铁路街道 (bf_tl_*),
平顶山市教育局 (pds_jyj_*) and 平顶山市发展和改革委员会 (no demo users: it never answers, so it is late).
Host posts: two at 鲁山县张官营镇 (ls_zgy_ld assesses), one at 平顶山市应急管理局 (pds_yjj_ld assesses).
"""

import datetime

from records.models import AnnualAssessment, Investigation
from secondments import plan
from secondments.models import Round
from tests import factories
from tests.merit_helpers import at, load_world, person, refresh, unit  # noqa: F401  (re-exported for the tests)
from workflows import clock, services
from workflows.models import HumanTask

PROCESS = plan.PROCESS
OPEN_AT = at("2026-09-01 09:00")  # a Tuesday
DEADLINE = "2026-09-15"  # the call closes at 24:00, i.e. 2026-09-16 00:00 (+08:00)
AFTER_DEADLINE = at("2026-09-16 00:01")
INVITED = ["HA-PDS-LS-QT", "HA-PDS-BF-TL", "HA-PDS-JYJ", "HA-PDS-FGW"]
NOMINATORS = {"HA-PDS-LS-QT": "ls_qt_jbr", "HA-PDS-BF-TL": "bf_tl_jbr", "HA-PDS-JYJ": "pds_jyj_jbr"}
LEADERS = {"HA-PDS-LS-QT": "ls_qt_ld", "HA-PDS-BF-TL": "bf_tl_ld", "HA-PDS-JYJ": "pds_jyj_ld"}
# pds_sh opens the plan; pds_sh2 (a second reviewer of the same department) selects and verifies:
# the policy keeps the starter of a case out of its reviewing steps (see the issue report).
OWNER, SELECTOR = "pds_sh", "pds_sh2"


def plan_data(**overrides):
    data = {
        "round_title": "2026年度市直机关与乡镇干部双向挂职锻炼",
        "positions": "HA-PDS-LS-ZGY｜党委委员、副镇长（挂职）｜2\nHA-PDS-YJJ｜应急指挥科副科长（挂职）｜1",
        "places": 3,
        "term_months": 12,
        "term_start": "2026-10-15",
        "nomination_deadline": DEADLINE,
        "invited_unit_ids": [str(unit(code).pk) for code in INVITED],
        "notice_required": True,
        "rank_min": "none",
        "rank_max": "county_principal",
        "min_work_years": 3,
        "min_grade": "competent",
        "age_limit_none": 35,
        "age_limit_township_deputy": 35,
        "age_limit_township_principal": 35,
        "age_limit_county_deputy": 40,
        "age_limit_county_principal": 40,
    }
    data.update(overrides)
    return data


def open_round(owner=OWNER, **overrides):
    with clock.frozen_at(OPEN_AT):
        return plan.open_round(person(owner), unit("HA-PDS-ZZB"), plan_data(**overrides))


def round_of(case):
    return Round.objects.get(instance=case)


def candidate(name, unit_code, *, born="1992-03-01", rank="none", grade="competent", work_start="2012-07-01", **fields):
    """A cadre of a demo unit with the facts the rules read (DOMAIN.md §5)."""
    cadre = factories.cadre(
        name,
        unit(unit_code),
        birth_date=datetime.date.fromisoformat(born),
        rank_level=rank,
        work_start_date=datetime.date.fromisoformat(work_start),
        **fields,
    )
    if grade:
        AnnualAssessment.objects.create(cadre=cadre, year=2025, grade=grade)
    return cadre


def investigated(cadre, opened="2026-08-20"):
    Investigation.objects.create(cadre=cadre, opened_on=datetime.date.fromisoformat(opened), authority="平顶山市纪委监委")
    return cadre


def call_task(case, unit_code, bpmn_id="Task_nominate"):
    return HumanTask.objects.get(instance_id=case.pk, bpmn_id=bpmn_id, unit=unit(unit_code))


def task(case, bpmn_id):
    return HumanTask.objects.get(instance_id=case.pk, bpmn_id=bpmn_id)


def nominate(
    case,
    unit_code,
    cadres,
    *,
    username=None,
    when="2026-09-07 10:00",
    reason="政治素质好，工作实绩突出，群众公认度高，适合到基层一线挂职锻炼。",
):
    with clock.frozen_at(at(when)):
        services.complete_task(
            person(username or NOMINATORS[unit_code]),
            call_task(case, unit_code).pk,
            data={"candidate_ids": [str(c.pk) for c in cadres], "recommendation": reason},
        )
    return refresh(case)


def confirm(case, unit_code, *, username=None, when="2026-09-08 10:00"):
    with clock.frozen_at(at(when)):
        services.complete_task(
            person(username or LEADERS[unit_code]),
            call_task(case, unit_code, "Task_unit_confirm").pk,
            action="confirm",
            data={"meeting_date": when[:10], "attendees": "党委（党组）班子成员7人"},
            opinion="经集体研究，同意推荐",
        )
    return refresh(case)


def selection(case, ranking):
    """Selection form data: ``ranking`` is [(cadre, position code or "")] in rank order."""
    from secondments.models import Candidate

    data = {}
    for rank, (cadre, position) in enumerate(ranking, 1):
        c = Candidate.objects.get(round__instance=case, cadre=cadre)
        data[f"rank_{c.pk}"] = rank
        data[f"position_{c.pk}"] = position
    return data


def select(case, ranking, *, username=SELECTOR, when="2026-09-16 10:00"):
    with clock.frozen_at(at(when)):
        services.complete_task(
            person(username), task(case, "Task_select").pk, data=selection(case, ranking), opinion="经部务会研究，确定选派人选"
        )
    return refresh(case)


def integrity(case, opinions=None, *, when="2026-09-17 10:00", opinion=""):
    """``opinions``: {cadre: "objection"}; everyone else gets no objection."""
    from secondments.models import Candidate, CandidateStatus

    data = {}
    for c in Candidate.objects.filter(round__instance=case, status=CandidateStatus.SELECTED):
        data[f"integrity_{c.pk}"] = (opinions or {}).get(c.cadre, "no_objection")
    with clock.frozen_at(at(when)):
        services.complete_task(person("pds_jw"), task(case, "Task_integrity").pk, data=data, opinion=opinion)
    return refresh(case)


def publish(case, *, when="2026-09-18 09:00", start="2026-09-18", days=5):
    with clock.frozen_at(at(when)):
        services.complete_task(
            person("pds_gs"),
            task(case, "Task_publish").pk,
            data={"notice_start": start, "notice_days": days, "notice_contact": "平顶山市委组织部干部一科，电话 0375-2661234"},
        )
    return refresh(case)


def to_selection(*, extra=None):
    """Open the round and let three units report three eligible candidates; the call closes at the
    deadline (平顶山市发展和改革委员会 never answers). Returns (case, cadres by key)."""
    people = {
        "qt": candidate("赵青山", "HA-PDS-LS-QT", born="1992-03-01"),
        "tl": candidate("钱晓岚", "HA-PDS-BF-TL", born="1991-06-12", rank="township_deputy", sex="female"),
        "jyj": candidate("孙立德", "HA-PDS-JYJ", born="1987-06-01", rank="county_deputy", grade="excellent"),
        **(extra or {}),
    }
    case = open_round()
    nominate(case, "HA-PDS-LS-QT", [people["qt"]])
    nominate(case, "HA-PDS-BF-TL", [people["tl"]])
    nominate(case, "HA-PDS-JYJ", [people["jyj"]])
    for code in ("HA-PDS-LS-QT", "HA-PDS-BF-TL", "HA-PDS-JYJ"):
        confirm(case, code)
    services.fire_due_timers(now=AFTER_DEADLINE)
    return refresh(case), people
