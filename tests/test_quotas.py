"""Leadership post quotas (职数, issue 16 item 5; DOMAIN.md §10 "Post quotas").

"Leadership posts per unit and level are fixed by the staffing plan; a promotion may not exceed
them [practice — 党政领导干部选拔任用工作条例 requires 职数 to be checked at 动议]. Keep quotas as
administrator data." The count at 动议: the cadres of the unit holding the level now, plus the open
exceptional-promotion proposals to that level for the unit's cadres (not the case asking).

In the demo world 鲁山县琴台街道 (HA-PDS-LS-QT) has two 乡科级正职 (张广志, 翟倩新) and three
乡科级副职; ``propose`` moves one of its deputies to 乡科级正职 as its party committee (ls_qt_ld).
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from promotions.models import Proposal
from quotas.models import PostQuota
from records.models import RANK_ORDER, Cadre
from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, task_of, unit
from tests.promotion_helpers import PROCESS, proposal, propose
from tests.test_api_helpers import client_for
from workflows import clock, services
from workflows.errors import FormInvalid
from workflows.models import HistoryAction, ProcessInstance

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
QT = "HA-PDS-LS-QT"
PRINCIPAL, DEPUTY = "township_principal", "township_deputy"


@pytest.fixture
def world():
    load_world()
    PostQuota.objects.all().delete()  # each test sets the quotas it counts against (not the demo's, if any)
    with clock.frozen_at(MONDAY):
        yield


def quota(posts, level=PRINCIPAL, code=QT, valid_from="2026-01-01", basis="鲁编〔2025〕8号"):
    return PostQuota.objects.create(
        unit=unit(code), level=level, posts=posts, valid_from=datetime.date.fromisoformat(valid_from), basis=basis
    )


def holding(code, level):
    return Cadre.objects.filter(unit__code=code, rank_level=level).count()


def refused_message(subject):
    with pytest.raises(FormInvalid) as refused:
        propose(subject)
    return str(refused.value.message)


def test_quota_just_reached_refuses_the_proposal_with_the_counts(world):
    """DOMAIN.md §10 "Post quotas": 2 posts, 2 cadres holding them → no vacancy, refused at 动议."""
    assert holding(QT, PRINCIPAL) == 2
    quota(2)
    subject = cadre(QT_CLEAN[0])
    message = refused_message(subject)
    assert "鲁山县琴台街道乡科级正职职数2名，现有2名，另有在办的提拔动议0件，已无空缺，不能提出动议" in message
    assert "鲁编〔2025〕8号" in message
    # Nothing changed: the 动议 step is still open, the proposal names no target, nothing completed.
    case = ProcessInstance.objects.get(subject_cadre=subject)
    assert task_of(case, "Task_propose").pk
    assert Proposal.objects.get(instance=case).target_level == ""
    assert not case.history.filter(action=HistoryAction.COMPLETE).exists()
    subject.refresh_from_db()
    assert subject.rank_level == DEPUTY


def test_start_and_submit_over_the_quota_leaves_no_case(world):
    """DOMAIN.md §10 "Post quotas": the one door refuses a started-and-submitted 动议 as a whole."""
    quota(2)
    subject = cadre(QT_CLEAN[1])
    with pytest.raises(FormInvalid, match="职数2名，现有2名"):
        services.start_and_submit(person("ls_qt_ld"), PROCESS, unit=unit(QT), subject_cadre=subject, data=proposal())
    assert not ProcessInstance.objects.filter(subject_cadre=subject).exists()


def test_one_vacancy_accepts_and_then_counts_the_open_proposal(world):
    """DOMAIN.md §10 "Post quotas": 3 posts, 2 holding → one vacancy; the accepted proposal then
    counts, so the next one to the same level is refused with it."""
    quota(3)
    case = propose(cadre(QT_CLEAN[0]))
    assert not case.tasks.filter(bpmn_id="Task_propose").exists()
    assert Proposal.objects.get(instance=case).target_level == PRINCIPAL
    message = refused_message(cadre(QT_CLEAN[1]))
    assert "职数3名，现有2名，另有在办的提拔动议1件，已无空缺" in message


def test_another_level_or_unit_is_not_counted(world):
    """DOMAIN.md §10 "Post quotas": per unit and level — a full 乡科级正职 quota of another unit
    or a full 乡科级副职 quota of this one does not refuse."""
    quota(0, level=DEPUTY)
    quota(0, code="HA-PDS-LS-ZZB")
    case = propose(cadre(QT_CLEAN[0]))
    assert Proposal.objects.get(instance=case).target_level == PRINCIPAL


def test_a_quota_row_dated_in_the_future_is_not_in_force_yet(world):
    """DOMAIN.md §10 "Post quotas": the row in force on the day of the 动议 counts; a change dated
    later applies from its date."""
    quota(3)
    quota(2, valid_from="2027-01-01", basis="鲁编〔2026〕30号")
    assert PostQuota.row_in_force(unit(QT).pk, PRINCIPAL, clock.today()).posts == 3
    propose(cadre(QT_CLEAN[0]))  # today: 3 posts, 2 holding → accepted
    with clock.frozen_at(at("2027-01-04 09:00")):
        message = refused_message(cadre(QT_CLEAN[1]))
    assert "职数2名，现有2名，另有在办的提拔动议1件" in message and "鲁编〔2026〕30号" in message


def test_a_future_raise_does_not_open_a_vacancy_today(world):
    """DOMAIN.md §10 "Post quotas": a raise dated later does not count before its date."""
    quota(2)
    quota(4, valid_from="2027-01-01")
    assert "职数2名" in refused_message(cadre(QT_CLEAN[0]))


def test_the_case_asking_is_not_counted_against_itself(world):
    """A case started with its proposal (the API's ``submit: false``) and submitted later is one
    proposal, not two (DOMAIN.md §10 "Post quotas")."""
    quota(3)
    case = services.start_process(person("ls_qt_ld"), PROCESS, unit=unit(QT), subject_cadre=cadre(QT_CLEAN[0]), data=proposal())
    services.complete_task(person("ls_qt_ld"), task_of(case, "Task_propose").pk, data=proposal(), opinion="动议")
    assert Proposal.objects.get(instance=case).target_level == PRINCIPAL


def test_a_withdrawn_proposal_frees_its_place(world):
    """DOMAIN.md §10 "Post quotas": only open proposals count."""
    quota(3)
    case = services.start_process(person("ls_qt_ld"), PROCESS, unit=unit(QT), subject_cadre=cadre(QT_CLEAN[0]), data=proposal())
    assert "在办的提拔动议1件" in refused_message(cadre(QT_CLEAN[1]))
    services.complete_task(person("ls_qt_ld"), task_of(case, "Task_propose").pk, action="withdraw", opinion="撤回动议")
    assert not Proposal.objects.get(instance=case).is_open
    case2 = propose(cadre(QT_CLEAN[3]))
    assert Proposal.objects.get(instance=case2).target_level == PRINCIPAL


# --------------------------------------------------------------------------- the page


def expected_line(code, level):
    """The numbers of one line, straight from the database (DOMAIN.md §10 "Post quotas")."""
    row = PostQuota.objects.filter(unit__code=code, level=level, valid_from__lte=clock.today()).order_by("-valid_from").first()
    filled = holding(code, level)
    pending = Proposal.objects.filter(is_open=True, promotion__isnull=True, cadre__unit__code=code, target_level=level).count()
    posts = row.posts if row else None
    return {
        "quota": posts,
        "filled": filled,
        "pending": pending,
        "vacancies": None if posts is None else max(posts - filled, 0),
        "excess": None if posts is None else max(filled - posts, 0),
        "available": None if posts is None else max(posts - filled - pending, 0),
    }


def page_lines(username):
    client = Client()
    client.force_login(person(username))
    response = client.get(reverse("quotas:dashboard"))
    assert response.status_code == 200
    return response, {(line.unit.code, line.level): line for line in response.context["lines"]}


def test_the_page_shows_quota_filled_pending_vacancies_and_excess_as_in_the_database(world):
    quota(4)
    quota(2, level=DEPUTY)  # three deputies hold two posts: one in excess
    quota(9, level=DEPUTY, valid_from="2027-01-01")  # not in force yet
    propose(cadre(QT_CLEAN[0]))
    response, lines = page_lines("ls_qt_ld")
    for level in (PRINCIPAL, DEPUTY):
        line = lines[(QT, level)]
        got = {k: getattr(line, k) for k in ("quota", "filled", "pending", "vacancies", "excess", "available")}
        assert got == expected_line(QT, level)
    assert expected_line(QT, PRINCIPAL) == {"quota": 4, "filled": 2, "pending": 1, "vacancies": 2, "excess": 0, "available": 1}
    assert expected_line(QT, DEPUTY) == {"quota": 2, "filled": 3, "pending": 0, "vacancies": 0, "excess": 1, "available": 0}
    html = response.content.decode()
    assert "鲁山县琴台街道" in html and "乡科级副职" in html and "鲁编〔2025〕8号" in html
    assert 'data-unit="HA-PDS-LS-QT" data-level="township_deputy" class="full"' in html


def test_a_user_sees_only_the_units_they_hold_a_role_on(world):
    """ls_qt_ld holds a role on 琴台街道 only; ls_sh on 鲁山县 and its organisation department
    (not granted with subordinates): neither sees the other's lines."""
    quota(3)
    quota(5, level="county_deputy", code="HA-PDS-LS")
    _response, mine = page_lines("ls_qt_ld")
    assert {code for code, _level in mine} == {QT}
    _response, county = page_lines("ls_sh")
    assert QT not in {code for code, _level in county}
    assert county[("HA-PDS-LS", "county_deputy")].quota == 5
    assert county[("HA-PDS-LS", "county_deputy")].filled == holding("HA-PDS-LS", "county_deputy")
    # A unit and level with cadres but no quota is listed as 未核定, never checked.
    unset = county[("HA-PDS-LS", "county_principal")]
    assert unset.quota is None and unset.vacancies is None and not unset.full


def test_without_any_role_the_page_is_refused(world):
    nobody = get_user_model().objects.create_user("no_role_user", password="x")
    client = Client()
    client.force_login(nobody)
    assert client.get(reverse("quotas:dashboard")).status_code == 403
    assert client.get(reverse("quotas:export")).status_code == 403


def test_the_excel_export_has_the_page_lines(world):
    quota(3)
    quota(2, level=DEPUTY)
    client = Client()
    client.force_login(person("ls_qt_ld"))
    response = client.get(reverse("quotas:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]][:8] == ["单位", "职级层次", "核定职数", "实有", "在办提拔动议", "空缺", "超职数", "尚可动议"]
    rows = {(r[0], r[1]): r for r in sheet.iter_rows(min_row=3, values_only=True)}
    assert rows[("鲁山县琴台街道", "乡科级正职")][2:8] == (3, 2, 0, 1, 0, 1)
    assert rows[("鲁山县琴台街道", "乡科级副职")][2:8] == (2, 3, 0, 0, 1, 0)


# --------------------------------------------------------------------------- the web, the API and the admin


def posted(data):
    """The proposal as the page posts it (booleans as 'on' when ticked)."""
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def test_the_start_page_shows_the_refusal_and_starts_nothing(world):
    """DOMAIN.md §10 "Post quotas": 发起并提交 on the page is refused with the counts, nothing saved."""
    quota(2)
    subject = cadre(QT_CLEAN[0])
    client = Client()
    client.force_login(person("ls_qt_ld"))
    response = client.post(
        reverse("start_process", args=[PROCESS]),
        {"unit": unit(QT).pk, "cadre": subject.pk, "action": "submit", "opinion": "动议", **posted(proposal())},
    )
    assert response.status_code == 200
    assert "鲁山县琴台街道乡科级正职职数2名，现有2名，另有在办的提拔动议0件，已无空缺" in response.content.decode()
    assert not ProcessInstance.objects.filter(subject_cadre=subject).exists()


def test_the_api_start_of_a_promotion_over_the_quota_is_refused_with_the_message(world):
    """DOMAIN.md §10 "Post quotas": through the API too (the same door): 422 with the counts."""
    quota(2)
    subject = cadre(QT_CLEAN[0])
    body = {"process_type": PROCESS, "cadre": subject.pk, "opinion": "经党工委会议研究，提出动议", **proposal()}
    response = client_for("ls_qt_ld").post("/api/v1/processes/", body, format="json")
    assert response.status_code == 422, response.json()
    data = response.json()
    assert data["code"] == "rule_refused"
    assert "鲁山县琴台街道乡科级正职职数2名，现有2名，另有在办的提拔动议0件，已无空缺" in data["message"]
    assert not ProcessInstance.objects.filter(subject_cadre=subject).exists()
    # With a vacancy the same request starts the case.
    quota(3, valid_from="2026-09-01")
    response = client_for("ls_qt_ld").post("/api/v1/processes/", body, format="json")
    assert response.status_code == 201, response.json()


def test_the_admin_keeps_rows_in_force_as_history(world):
    """DOMAIN.md §10 "Post quotas" ("administrator data"): a row in force is read-only and cannot
    be deleted (a change is a new dated row); a future row can still be corrected."""
    admin = get_user_model().objects.create_superuser("quota_admin", password="x")
    current, future = quota(3), quota(2, valid_from="2027-01-01")
    client = Client()
    client.force_login(admin)
    listing = client.get(reverse("admin:quotas_postquota_changelist"))
    assert listing.status_code == 200 and "鲁编〔2025〕8号" in listing.content.decode()
    page = client.get(reverse("admin:quotas_postquota_change", args=[current.pk])).content.decode()
    assert 'name="posts"' not in page
    assert client.post(reverse("admin:quotas_postquota_delete", args=[current.pk]), {"post": "yes"}).status_code == 403
    assert PostQuota.objects.filter(pk=current.pk).exists()
    page = client.get(reverse("admin:quotas_postquota_change", args=[future.pk])).content.decode()
    assert 'name="posts"' in page
    added = client.post(
        reverse("admin:quotas_postquota_add"),
        {"unit": unit(QT).pk, "level": DEPUTY, "posts": "-1", "valid_from": "2026-10-01", "basis": "x"},
    )
    assert added.status_code == 200 and not PostQuota.objects.filter(level=DEPUTY).exists()  # refused, nothing saved
    # A change is dated today or later; the first row of a unit and level may record the plan already in force.
    backdated = {"unit": unit(QT).pk, "level": PRINCIPAL, "posts": "5", "valid_from": "2026-06-01", "basis": "x"}
    refused = client.post(reverse("admin:quotas_postquota_add"), backdated)
    assert "不能追溯更改已执行的职数" in refused.content.decode()
    assert PostQuota.objects.filter(unit=unit(QT), level=PRINCIPAL).count() == 2
    first = client.post(reverse("admin:quotas_postquota_add"), {**backdated, "level": DEPUTY, "posts": "3"})
    assert first.status_code == 302
    assert PostQuota.objects.get(level=DEPUTY).recorded_by == admin


def test_levels_are_the_promotion_levels():
    """The quota levels are the rank levels a proposal targets (DOMAIN.md §4.4)."""
    assert [code for code, _label in PostQuota._meta.get_field("level").choices] == RANK_ORDER


def test_a_proposal_to_another_units_post_counts_against_that_units_quota(world):
    """DOMAIN.md §10 "Post quotas": the quota of the unit where the post is (the proposal's target
    unit), not of the cadre's own unit: 张官营镇 full refuses; 琴台街道's own full quota does not."""
    zgy = "HA-PDS-LS-ZGY"
    quota(2)  # 琴台街道: full (2 holding)
    quota(holding(zgy, PRINCIPAL), code=zgy)  # 张官营镇: full too
    subject = cadre(QT_CLEAN[0])
    with pytest.raises(FormInvalid) as refused:
        propose(subject, target_unit=unit(zgy).pk, target_post="鲁山县张官营镇党委书记")
    assert "鲁山县张官营镇乡科级正职职数" in str(refused.value.message)

    PostQuota.objects.filter(unit=unit(zgy)).update(posts=holding(zgy, PRINCIPAL) + 1)  # one vacancy there
    case = propose(cadre(QT_CLEAN[1]), target_unit=unit(zgy).pk, target_post="鲁山县张官营镇党委书记")
    record = Proposal.objects.get(instance=case)
    assert record.target_unit == unit(zgy) and record.quota_unit == unit(zgy)
    line = next(q for q in quota_lines(unit(zgy)) if q.level == PRINCIPAL)
    assert (line.pending, line.vacancies, line.available) == (1, 1, 0)  # counted there, not in 琴台街道
    assert next(q for q in quota_lines(unit(QT)) if q.level == PRINCIPAL).pending == 0


def test_a_team_post_in_the_cadres_own_area_warns_of_exchange(world):
    """DOMAIN.md §10 "Exchange on promotion" (seed 000 #15) [default: a warning, not a block]: a
    鲁山县 cadre proposed into 鲁山县's own government team should in principle serve elsewhere; into
    宝丰县's team, or keeping the original post (seed 000 #4), no warning."""
    own_team = unit("HA-PDS-LS-GOV")
    case = propose(cadre(QT_CLEAN[0]), target_unit=own_team.pk, target_post="鲁山县人民政府副县长", target_level="county_deputy")
    record = Proposal.objects.get(instance=case)
    assert "原则上应异地交流任职" in record.exchange_warning and own_team.name in record.exchange_warning
    client = Client()
    client.force_login(person("ls_qt_ld"))
    assert "原则上应异地交流任职" in client.get(reverse("case", args=[case.pk])).content.decode()

    record.target_unit = unit("HA-PDS-BF-GOV")
    assert record.exchange_warning == ""
    record.target_unit, record.keeps_post = own_team, True
    assert record.exchange_warning == ""
    record.keeps_post, record.target_unit = False, unit("HA-PDS-LS-ZGY")  # a township: not a county team
    assert record.exchange_warning == ""


def quota_lines(one_unit):
    from permissions.models import Unit
    from quotas.counting import lines

    return lines(Unit.objects.filter(pk=one_unit.pk), on=datetime.date(2026, 9, 28))


def test_a_secondee_uses_no_post_of_the_host_units_quota(world):
    """DOMAIN.md §5 plan parameter "the host unit does not use its own staffing quota" (公务员法 art.
    72: the home-unit relationship does not change): a 琴台街道 principal seconded to 张官营镇 still
    fills 琴台街道's post and none of 张官营镇's."""
    from records.models import Secondment

    zgy = "HA-PDS-LS-ZGY"
    before = {code: next(q for q in quota_lines(unit(code)) if q.level == PRINCIPAL).filled for code in (QT, zgy)}
    principal = Cadre.objects.filter(unit__code=QT, rank_level=PRINCIPAL).first()
    Secondment.objects.create(
        cadre=principal,
        host_unit=unit(zgy),
        position="挂职党委副书记",
        start=datetime.date(2026, 3, 1),
        planned_end=datetime.date(2027, 2, 28),
    )
    after = {code: next(q for q in quota_lines(unit(code)) if q.level == PRINCIPAL).filled for code in (QT, zgy)}
    assert after == before and before[QT] == holding(QT, PRINCIPAL)
