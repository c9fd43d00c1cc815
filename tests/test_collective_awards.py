"""Collective awards (DOMAIN.md §1.1 "An individual or a collective (公务员集体: a unit, or a task
team) can be rewarded [law, art. 51]"): a case without a subject cadre whose nomination names the
collective, routed, checked, published and approved like any merit citation, and recorded and
worded as a collective's award: "记集体三等功", a plaque instead of a medal, no personal bonus
(公务员法 art. 53 gives the one-off bonus to individuals)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from awards.models import Nomination
from awards.wording import decision_title, wording
from records.models import Award, Collective, CollectiveKind
from tests import walk_helpers
from tests.merit_helpers import QT_CLEAN, approve_through, at, cadre, load_world, nomination, person, refresh, task_of, unit, unit_decides
from workflows import clock, services
from workflows.errors import FormInvalid

pytestmark = pytest.mark.django_db
MONDAY = at("2026-09-28 09:00")
QT = "HA-PDS-LS-QT"


@pytest.fixture
def world():
    load_world()


def pdf_text(document):
    return walk_helpers.pdf_text(document).replace("\n", "")


def start_collective(**fields):
    """ls_qt_jbr nominates a collective of 琴台街道: starts a case without a cadre, submits the nomination."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit(QT))
        services.complete_task(person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data=nomination(**fields))
        return unit_decides("ls_qt_ld", refresh(case))


def team(name="琴台街道防汛抢险工作专班", members=None, **fields):
    members = members if members is not None else [cadre(QT_CLEAN[0]).pk, cadre(QT_CLEAN[1]).pk]
    return {"collective_kind": "team", "collective_name": name, "members": members, **fields}


def test_wording_of_a_collective_award():
    """A collective's award reads 集体嘉奖 / 记集体三等功 / “人民满意的公务员集体”称号, never 追授, and its
    decision title has no 同志."""
    assert wording("commendation", collective=True).phrase == "集体嘉奖"
    assert wording("merit_3", collective=True).phrase == "记集体三等功"
    assert wording("merit_1", posthumous=True, collective=True).phrase == "记集体一等功"
    assert wording("title", "人民满意的公务员集体", collective=True).phrase == "授予“人民满意的公务员集体”称号"
    words = wording("merit_2", collective=True)
    assert decision_title("鲁山县琴台街道", words, collective=True) == "关于给予鲁山县琴台街道记集体二等功的决定"


def test_a_unit_is_nominated_and_awarded_a_collective_merit(world):
    """The unit itself (按编制序列设置的机构) is nominated for 记三等功 and approved by its county
    (DOMAIN.md §1.2): the award is the collective's, with a certificate and a plaque, no bonus; the
    decision, the certificate and the collective award form say so."""
    qt = unit(QT)
    case = start_collective(award_kind="merit_3", deed_reference="2026防汛", collective_kind="unit", collective_unit=qt.pk)
    record = Nomination.objects.get(instance=case)
    assert record.cadre is None and record.collective.kind == CollectiveKind.UNIT and record.collective.unit == qt
    assert refresh(case).subject_label == qt.name
    case = approve_through(case, "county")

    award = Award.objects.get(collective__unit=qt)
    assert award.cadre is None and award.kind == "merit_3" and award.approving_unit == unit("HA-PDS-LS")
    assert award.bonus is None  # 公务员法 art. 53: the bonus is an individual's
    assert award.medal and award.certificate_number  # 记三等功 and above: a plaque for a collective (DOMAIN.md §1.1)
    decision = case.documents.get(kind="award_decision")
    assert decision.title == f"关于给予{qt.name}记集体三等功的决定"
    text = pdf_text(decision)
    assert f"决定给予{qt.name}记集体三等功" in text and "同志" not in text.split("决定给予")[1][:20]
    certificate = case.documents.get(kind="award_certificate")
    assert "奖牌" in pdf_text(certificate) and "奖章" not in pdf_text(certificate)
    assert certificate.page_count == 1  # a certificate is one printable page, its verification code included
    form = case.documents.get(kind="award_form")
    assert form.title == f"公务员集体奖励审批表（{qt.name}）"
    assert "集体名称" in pdf_text(form)


def test_a_task_team_names_its_members_and_one_deed_is_one_reward(world):
    """A task team (为完成专项任务组成的工作集体) is recorded with its members; a second nomination of
    the same team for the same deed at the same level is refused by the eligibility table (§1.4)."""
    case = start_collective(award_kind="commendation", deed_reference="2026防汛", **team())
    collective = Collective.objects.get(name="琴台街道防汛抢险工作专班")
    assert set(collective.members.values_list("pk", flat=True)) == {cadre(QT_CLEAN[0]).pk, cadre(QT_CLEAN[1]).pk}
    assert collective.unit == unit(QT)
    case = approve_through(case, "county")
    award = Award.objects.get(collective=collective)
    assert award.kind == "commendation" and not award.medal  # 嘉奖: a certificate only
    assert case.documents.get(kind="award_decision").title == "关于给予琴台街道防汛抢险工作专班集体嘉奖的决定"

    again = start_collective(award_kind="commendation", deed_reference="2026防汛", **team())
    check = again.rule_checks.order_by("-id").first()
    assert not check.passed and "同一事迹已由" in check.failures[0]["reason"]
    assert task_of(again, "Task_nominate").closed_at is None is task_of(again, "Task_nominate").closed_at  # back to the nominator
    # The individual members' own records are untouched: the award is the collective's.
    assert not Award.objects.filter(cadre=cadre(QT_CLEAN[0])).exists()


def test_collective_nomination_refuses_bad_input(world):
    """A team needs a name and two members; a unit needs choosing; the nominator may not nominate a
    team they belong to (recusal, DOMAIN.md §9); a collective is never posthumous."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit(QT))
        step = task_of(case, "Task_nominate").pk
        jbr = person("ls_qt_jbr")
        for fields, field in [
            ({"collective_kind": "unit"}, "collective_unit"),
            (team(name=""), "collective_name"),
            (team(members=[cadre(QT_CLEAN[0]).pk]), "members"),
            ({"collective_kind": "club"}, "collective_kind"),
            ({}, "collective_kind"),
        ]:
            with pytest.raises(FormInvalid) as refused:
                services.complete_task(jbr, step, data=nomination(**fields))
            assert field in refused.value.errors, (fields, refused.value.errors)
        with pytest.raises(FormInvalid) as refused:
            services.complete_task(jbr, step, data=nomination(posthumous=True, **team()))
        assert "posthumous" in refused.value.errors
        own = jbr.cadre  # the nominator's own cadre record (demo data)
        with pytest.raises(FormInvalid) as refused:
            services.complete_task(jbr, step, data=nomination(**team(members=[own.pk, cadre(QT_CLEAN[0]).pk])))
        assert "members" in refused.value.errors
    assert Nomination.objects.get(instance=case).collective is None and not Collective.objects.exists()
    assert task_of(case, "Task_nominate").closed_at is None


def test_an_award_belongs_to_a_cadre_or_a_collective_never_both(world):
    """The database holds DOMAIN.md §1.1's "an individual or a collective": exactly one recipient."""
    qt = unit(QT)
    collective = Collective.objects.create(kind=CollectiveKind.UNIT, unit=qt, name=qt.name)
    for recipient in ({"cadre": cadre(QT_CLEAN[0]), "collective": collective}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Award.objects.create(kind="commendation", awarded_on=clock.today(), **recipient)


def test_an_individual_nomination_has_no_collective_fields(world):
    """A cadre's nomination does not accept the collective's fields (they are not its form's)."""
    with clock.frozen_at(MONDAY):
        case = services.start_process(person("ls_qt_jbr"), "merit_citation", unit=unit(QT), subject_cadre=cadre(QT_CLEAN[0]))
        with pytest.raises(FormInvalid) as refused:
            services.complete_task(person("ls_qt_jbr"), task_of(case, "Task_nominate").pk, data=nomination(**team()))
    assert {"collective_kind", "collective_name", "members"} <= set(refused.value.errors)
    assert Nomination.objects.get(instance=case).collective is None


def test_start_page_and_api_start_a_collective_nomination(world, client):
    """The start page offers "推荐集体" and the API starts without a cadre for a process that allows
    it; a process that does not (破格提拔) still asks for the cadre."""
    client.force_login(person("ls_qt_jbr"))
    page = client.get(reverse("start_process", args=["merit_citation"]), {"unit": unit(QT).pk})
    assert "推荐集体" in page.content.decode()
    page = client.get(reverse("start_process", args=["merit_citation"]), {"unit": unit(QT).pk, "without_cadre": "1"})
    assert 'name="collective_kind"' in page.content.decode() and 'name="posthumous"' not in page.content.decode()
    with clock.frozen_at(MONDAY):
        posted = client.post(
            reverse("start_process", args=["merit_citation"]),
            {"unit": unit(QT).pk, "without_cadre": "1", "once": "t1", "action": "submit", **nomination(**team())},
        )
    assert posted.status_code == 302, posted.content.decode()[:2000]
    started = Nomination.objects.get(collective__name="琴台街道防汛抢险工作专班").instance
    assert started.subject_cadre is None and started.subject_label == "琴台街道防汛抢险工作专班"
    assert task_of(started, "Task_unit_decision").closed_at is None

    api = client.post(
        "/api/v1/processes/",
        {"process_type": "merit_citation", "unit": unit(QT).pk, **nomination(collective_kind="unit", collective_unit=unit(QT).pk)},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert api.json()["subject_label"] == unit(QT).name and api.json()["subject_cadre"] is None
    kinds = {row["key"]: row for row in client.get("/api/v1/process-types/").json()["results"]}
    assert kinds["merit_citation"]["cadre_optional"] is True
    refused = client.post("/api/v1/processes/", {"process_type": "exceptional_promotion"}, content_type="application/json")
    assert refused.status_code in (400, 403) and "exceptional_promotion" not in refused.content.decode()
