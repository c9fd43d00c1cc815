"""常用意见 (issue 15 item 5): personal and per-unit common opinions, managed on a small page,
offered as one-click buttons beside the opinion box of the task page, and in the API."""

import pytest
from django.test import Client

from permissions.models import Grant
from permissions.roles import Role
from tests.merit_helpers import QT_CLEAN, cadre, person, start_and_nominate, task_of
from tests.test_api_helpers import (
    client_for,
    ok,
    world,  # noqa: F401  (the fixture)
)
from workspace.models import CommonOpinion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("world")]


def web(username):
    client = Client()
    client.force_login(person(username))
    return client


def reviewer_unit(username="ls_sh"):
    return Grant.objects.filter(user=person(username), role=Role.REVIEWER).select_related("unit").first().unit


def test_personal_opinions_are_added_listed_and_deleted_by_their_owner_only():
    client = web("ls_qt_ld")
    assert client.get("/opinions/").status_code == 200
    response = client.post("/opinions/", {"text": "  经集体研究，同意推荐  "}, follow=True)
    assert "已添加常用意见" in response.content.decode()
    mine = CommonOpinion.objects.get(owner=person("ls_qt_ld"))
    assert mine.text == "经集体研究，同意推荐" and mine.unit_id is None
    assert "经集体研究，同意推荐" in client.get("/opinions/").content.decode()
    # The same text twice, or nothing at all, is refused with a message on the page.
    assert "已有相同的常用意见" in client.post("/opinions/", {"text": "经集体研究，同意推荐"}).content.decode()
    assert "请填写意见内容" in client.post("/opinions/", {"text": "   "}).content.decode()
    assert CommonOpinion.objects.filter(owner=person("ls_qt_ld")).count() == 1
    # Someone else can neither see nor delete it.
    assert "经集体研究，同意推荐" not in web("ls_qt_jbr").get("/opinions/").content.decode()
    web("ls_qt_jbr").post("/opinions/", {"delete": mine.pk})
    assert CommonOpinion.objects.filter(pk=mine.pk).exists()
    client.post("/opinions/", {"delete": mine.pk})
    assert not CommonOpinion.objects.filter(pk=mine.pk).exists()


def test_unit_opinions_are_kept_by_the_units_reviewer_and_seen_by_its_holders_only():
    unit = reviewer_unit()
    response = web("ls_sh").post("/opinions/", {"text": "材料齐全，同意公示", "unit": unit.pk}, follow=True)
    assert "已添加常用意见" in response.content.decode()
    opinion = CommonOpinion.objects.get(unit=unit)
    assert opinion.owner_id is None
    holders = set(Grant.objects.filter(unit=unit).values_list("user__username", flat=True))
    colleague = sorted(holders - {"ls_sh"})[0]
    assert [o.text for o in CommonOpinion.objects.for_user(person(colleague))] == ["材料齐全，同意公示"]
    assert "ls_qt_jbr" not in holders
    assert not CommonOpinion.objects.for_user(person("ls_qt_jbr")).exists()
    # Someone without a reviewer or approver role there may not add or delete the unit's ones.
    assert web("ls_qt_jbr").post("/opinions/", {"text": "同意", "unit": unit.pk}).status_code == 403
    web("ls_qt_jbr").post("/opinions/", {"delete": opinion.pk})
    assert CommonOpinion.objects.filter(pk=opinion.pk).exists()
    web("ls_sh").post("/opinions/", {"delete": opinion.pk})
    assert not CommonOpinion.objects.filter(pk=opinion.pk).exists()


def test_task_page_offers_the_personal_and_unit_opinions_beside_the_opinion_box():
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    task = task_of(case, "Task_unit_decision")
    CommonOpinion.objects.create(owner=person("ls_qt_ld"), text="经集体研究，同意推荐")
    CommonOpinion.objects.create(unit=task.unit, text="同意上报")
    CommonOpinion.objects.create(owner=person("ls_qt_jbr"), text="别人的意见")
    page = web("ls_qt_ld").get(f"/cases/{case.pk}/tasks/{task.pk}/").content.decode()
    assert 'data-opinion="经集体研究，同意推荐"' in page
    assert 'data-opinion="同意上报"' in page
    assert "别人的意见" not in page
    assert 'data-target="id_opinion"' in page
    assert page.index('id="id_opinion"') < page.index('data-opinion="经集体研究，同意推荐"')


def test_api_lists_the_callers_opinions_and_manages_personal_ones():
    unit = reviewer_unit()
    CommonOpinion.objects.create(unit=unit, text="材料齐全，同意公示")
    CommonOpinion.objects.create(owner=person("ls_qt_jbr"), text="别人的意见")
    api = client_for("ls_sh")
    created = ok(api.post("/api/v1/opinions/", {"text": "同意"}, format="json"), 201)
    assert created["text"] == "同意" and created["scope"] == "personal" and created["unit"] is None
    listed = ok(api.get("/api/v1/opinions/"))["results"]
    assert {(o["text"], o["scope"]) for o in listed} == {("同意", "personal"), ("材料齐全，同意公示", "unit")}
    assert [o["unit"]["id"] for o in listed if o["scope"] == "unit"] == [unit.pk]
    assert api.post("/api/v1/opinions/", {"text": "同意"}, format="json").status_code == 400
    assert api.post("/api/v1/opinions/", {"text": "x" * 201}, format="json").status_code == 400
    assert api.post("/api/v1/opinions/", {}, format="json").status_code == 400
    # The unit's opinion is not deleted through the API; someone else's is not found.
    unit_one = next(o["id"] for o in listed if o["scope"] == "unit")
    assert api.delete(f"/api/v1/opinions/{unit_one}/").json()["code"] == "permission_denied"
    others = CommonOpinion.objects.get(text="别人的意见").pk
    assert api.delete(f"/api/v1/opinions/{others}/").status_code == 404
    assert api.delete(f"/api/v1/opinions/{created['id']}/").status_code == 204
    assert not CommonOpinion.objects.filter(pk=created["id"]).exists()
    assert CommonOpinion.objects.filter(pk__in=[unit_one, others]).count() == 2
