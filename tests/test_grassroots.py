"""Grassroots priority (issue 16 item 6; DOMAIN.md §4.4: seed 004 art. 8(四), seed 000 #5): the yearly
list of at most ten township principals and county department heads ranked for priority promotion —
proposed by the organisation department, the discipline body's integrity opinion, a notice of at
least five working days [default], the party committee's approval — shown on the cadres' records;
and the share of county team members with township-principal experience against the ~50% aim."""

import datetime

import pytest
from django.test import Client

from grassroots import rules
from grassroots.models import ListStatus, PriorityEntry, PriorityList
from permissions import policy
from permissions.models import Unit, UnitKind, UnitLevel
from records.models import AnnualAssessment, AssessmentGrade, Cadre, PostHistory, RankLevel
from tests.merit_helpers import at, load_world, person, refresh, task_of, unit
from workflows import clock, services
from workflows.errors import ActionNotAllowed, FormInvalid
from workflows.models import InstanceStatus

pytestmark = pytest.mark.django_db
DEPARTMENT, COUNTY = "HA-PDS-LS-ZZB", "HA-PDS-LS"
MORNING = at("2026-11-02 09:00")  # a Monday


@pytest.fixture(autouse=True)
def world():
    load_world()


def rankable(count=2):
    """Township principals / county department heads of 鲁山县 unrelated to the people acting."""
    related = set()
    for username in ("ls_sh", "ls_jw", "ls_gs", "ls_sp"):
        related |= policy.related_cadre_ids(person(username))
    found = [c for c in rules.candidates(unit(COUNTY)) if c.pk not in related]
    assert len(found) >= count, "the demo world has township principals in 鲁山县"
    return found[:count]


def start(year=2026):
    with clock.frozen_at(MORNING):
        return services.start_process(person("ls_sh"), "grassroots_priority", unit=unit(DEPARTMENT), data={"year": year})


def propose(case, lines, user="ls_sh"):
    with clock.frozen_at(MORNING):
        return services.complete_task(person(user), task_of(case, "Task_propose").pk, data={"entries": lines})


def through_notice(case):
    with clock.frozen_at(at("2026-11-16 09:00")):
        services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, opinion="经核查，未发现影响列入的廉政问题")
        services.complete_task(
            person("ls_gs"),
            task_of(case, "Task_notice").pk,
            data={"notice_start": "2026-11-03", "notice_end": "2026-11-09", "notice_result": "公示期间未收到反映"},
        )


def test_the_list_runs_end_to_end_and_shows_on_the_cadres_records():
    first, second = rankable()
    case = start()
    assert task_of(case, "Task_propose").unit == unit(DEPARTMENT)
    propose(case, f"{second.name}｜2026年度目标责任考核第一名\n{first.name}｜党建考核优秀，重点工作考核第二名")
    assert task_of(refresh(case), "Task_integrity").unit.kind == UnitKind.DISCIPLINE
    through_notice(refresh(case))
    approve = task_of(refresh(case), "Task_approve")
    assert approve.unit == unit(COUNTY)
    with clock.frozen_at(at("2026-11-17 09:00")):
        services.complete_task(person("ls_sp"), approve.pk, action="approve", opinion="同意")

    case = refresh(case)
    assert case.status == InstanceStatus.COMPLETED
    listing = PriorityList.objects.get(instance=case)
    assert listing.status == ListStatus.APPROVED and listing.approved_by == person("ls_sp")
    assert (listing.notice_start, listing.notice_end) == (datetime.date(2026, 11, 3), datetime.date(2026, 11, 9))
    assert [(e.rank, e.cadre_id) for e in listing.entries.all()] == [(1, second.pk), (2, first.pk)]
    assert listing.entries.get(rank=1).basis == "2026年度目标责任考核第一名"

    client = Client()
    client.force_login(person("admin"))
    page = client.get(f"/records/{second.pk}/").content.decode()
    assert f"列入{listing.department.name}2026年度基层优先提拔名单（第1名）" in page
    case_page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "2026年度目标责任考核第一名" in case_page


def test_bad_lists_are_refused_with_the_reason_and_nothing_is_stored():
    first, second = rankable()
    case = start()
    staff = Cadre.objects.filter(unit__code="HA-PDS-LS-QT").exclude(rank_level=RankLevel.TOWNSHIP_PRINCIPAL).first()
    AnnualAssessment.objects.update_or_create(cadre=second, year=2025, defaults={"grade": AssessmentGrade.BASIC, "unit": second.unit})
    cases = [
        ("\n".join(f"{first.name}｜依据{n}号文件" for n in range(11)), "名单最多10人，现填写了11人"),
        (f"{staff.name}｜年度考核优秀", "不是中共鲁山县委的乡镇（街道）党政正职或县直部门主要负责人"),
        (f"{second.name}｜年度考核优秀", "2025年度考核为基本称职，一年内不得提拔"),
        (f"{first.name}｜考核优秀\n{first.name}｜考核优秀", "填写了不止一行"),
        (f"{first.name}｜", "请写明"),
        ("", "该字段是必填项"),
    ]
    for lines, message in cases:
        with pytest.raises(FormInvalid) as refused:
            propose(refresh(case), lines)
        assert message in str(refused.value.errors), (lines, refused.value.errors)
    assert not PriorityEntry.objects.exists()
    assert task_of(refresh(case), "Task_propose")  # still waiting at the same step


def test_a_notice_shorter_than_five_working_days_or_not_over_is_refused():
    first, _second = rankable()
    case = start()
    propose(case, f"{first.name}｜年度目标责任考核优秀")
    with clock.frozen_at(at("2026-11-16 09:00")):
        services.complete_task(person("ls_jw"), task_of(refresh(case), "Task_integrity").pk)
        notice = task_of(refresh(case), "Task_notice")
        # 2026-11-03 (Tue) to 11-09 (Mon) is five working days; to 11-06 (Fri) only four.
        with pytest.raises(FormInvalid) as short:
            services.complete_task(person("ls_gs"), notice.pk, data={"notice_start": "2026-11-03", "notice_end": "2026-11-06"})
        assert short.value.errors["notice_end"] == ["公示期不少于5个工作日，现为4个工作日"]
        with pytest.raises(FormInvalid) as running:
            services.complete_task(person("ls_gs"), notice.pk, data={"notice_start": "2026-11-12", "notice_end": "2026-11-19"})
        assert running.value.errors["notice_end"] == ["公示期尚未结束，结束后再登记公示结果"]
        with pytest.raises(FormInvalid) as no_calendar:  # a year whose holidays are not entered yet
            services.complete_task(person("ls_gs"), notice.pk, data={"notice_start": "2031-01-06", "notice_end": "2031-01-13"})
        assert "2031年的节假日安排尚未录入工作日历" in no_calendar.value.errors["notice_end"][0]
    assert PriorityList.objects.get(instance=case).notice_start is None


def test_a_returned_list_is_drawn_up_again_and_replaces_the_draft():
    first, second = rankable()
    case = start()
    propose(case, f"{first.name}｜年度目标责任考核优秀")
    through_notice(refresh(case))
    with clock.frozen_at(at("2026-11-17 09:00")):
        services.complete_task(person("ls_sp"), task_of(refresh(case), "Task_approve").pk, action="return", opinion="请补充人选")
    propose(refresh(case), f"{first.name}｜年度目标责任考核优秀\n{second.name}｜党建考核优秀")
    assert list(PriorityEntry.objects.filter(list__instance=case).values_list("rank", "cadre_id")) == [(1, first.pk), (2, second.pk)]
    assert PriorityList.objects.get(instance=case).status == ListStatus.OPEN


def test_one_list_per_department_and_year():
    start()
    with pytest.raises(FormInvalid) as again:
        start()
    assert "2026年度的名单已经拟定" in again.value.errors["year"][0]
    assert PriorityList.objects.count() == 1
    start(2027)
    assert PriorityList.objects.count() == 2


def test_nobody_draws_up_a_list_naming_themselves_or_a_relative():
    first, _second = rankable()
    reviewer_cadre = person("ls_sh").cadre
    reviewer_cadre.family.create(relation="表弟", name=first.name, relative_cadre=first)
    case = start()
    with pytest.raises(ActionNotAllowed, match="本人或亲属"):
        propose(case, f"{first.name}｜年度目标责任考核优秀")
    assert not PriorityEntry.objects.exists()


def test_the_share_of_county_leaders_with_township_principal_experience():
    """Seed 004 art. 8(四): about 50% of county team members with township-principal experience; a
    deputy's post or a principal post outside a township does not count."""
    county = unit(COUNTY)
    committee_unit = county
    township = Unit.objects.filter(path__startswith=county.path, level=UnitLevel.TOWNSHIP).first()
    department = Unit.objects.filter(path__startswith=county.path, kind=UnitKind.DEPARTMENT, level=UnitLevel.COUNTY).first()
    Cadre.objects.filter(unit__path__startswith=county.path, rank_level__in=rules.COUNTY_LEADER_RANKS).update(
        rank_level=RankLevel.TOWNSHIP_DEPUTY
    )
    template = Cadre.objects.filter(unit=committee_unit).first()
    leaders = []
    for n in range(4):
        template.pk, template.id_number = None, None
        template.name, template.rank_level = f"班子成员{n}", RankLevel.COUNTY_DEPUTY
        template.user = None
        template.save()
        leaders.append(Cadre.objects.get(pk=template.pk))

    def served(cadre, where, post, start=2015):
        PostHistory.objects.create(
            cadre=cadre, post_unit=where, post=post, start=datetime.date(start, 1, 1), end=datetime.date(start + 3, 12, 31)
        )

    served(leaders[0], township, f"{township.name}党委书记")
    served(leaders[1], township, f"{township.name}党委副书记")
    served(leaders[2], township, f"{township.name}副镇长")
    served(leaders[3], department, f"{department.name}局长")  # a principal, but not in a township

    (row,), total = rules.leader_shares(county)
    assert (row.county, row.leaders, row.experienced, row.share, row.short) == (county, 4, 1, 25.0, True)
    # The township head is a principal, though also the deputy party secretary: 2 of 4, just at the aim.
    served(leaders[1], township, f"{township.name}党委副书记、镇长", start=2019)
    (row,), total = rules.leader_shares(county)
    assert (row.experienced, row.share, row.short) == (2, 50.0, False)
    assert (total.leaders, total.experienced) == (4, 2)
