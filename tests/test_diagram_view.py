"""The case diagram's data for the bpmn.io viewer (issue 15 item 7): ``/cases/<id>/diagram.json``
gives the main BPMN file with the lanes named by role, the done and current steps; and
``/cases/<id>/diagram.bpmn`` the file as deployed. Only for users who can see the case."""

import pytest
from django.urls import reverse
from lxml import etree

from tests.merit_helpers import QT_CLEAN, at, cadre, load_world, person, start_and_nominate, task_of, unit_decides
from workflows import clock, services

pytestmark = pytest.mark.django_db
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.fixture
def case():
    load_world()
    with clock.frozen_at(at("2026-09-28 09:00")):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
    return case


def test_the_json_has_the_main_diagram_the_done_and_the_current_steps(client, case):
    client.force_login(person("ls_qt_jbr"))
    answer = client.get(reverse("case_diagram_json", args=[case.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    data = answer.json()
    # Done: the nomination and the unit's decision (and the start event); current: 廉政意见.
    assert {"Task_nominate", "Task_unit_decision"} <= set(data["done"])
    assert data["current"] == ["Task_integrity"]
    assert not set(data["done"]) & set(data["current"])
    assert "Task_review" not in data["done"] + data["current"]
    assert data["taken"]  # the flows the case went along
    # The main process's file, its lanes named by role label, not by role code.
    root = etree.fromstring(data["xml"].encode())
    assert root.find(f"{BPMN}process[@id='merit_citation']") is not None
    lanes = {lane.get("id"): lane.get("name") for lane in root.iter(f"{BPMN}lane")}
    assert lanes["Lane_discipline"] == task_of(case, "Task_integrity").get_role_display()
    assert "discipline" not in lanes.values()


def test_after_the_next_step_the_marks_move_on(client, case):
    services.complete_task(person("ls_jw"), task_of(case, "Task_integrity").pk, data={"integrity_opinion": "no_objection"})
    client.force_login(person("ls_sh"))
    data = client.get(reverse("case_diagram_json", args=[case.pk])).json()
    assert "Task_integrity" in data["done"] and data["current"] == ["Task_review"]


def test_the_bpmn_file_as_deployed(client, case):
    client.force_login(person("ls_qt_jbr"))
    answer = client.get(reverse("case_diagram_xml", args=[case.pk]))
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/xml")
    assert answer.content.decode() in case.definition.deployed_files().values()


def test_a_user_who_cannot_see_the_case_gets_404(client, case):
    client.force_login(person("bf_sh"))  # reviewer of 宝丰县, not 鲁山县
    for name in ("case_diagram_json", "case_diagram_xml"):
        assert client.get(reverse(name, args=[case.pk])).status_code == 404
    client.logout()
    answer = client.get(reverse("case_diagram_json", args=[case.pk]))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_every_deployed_process_gives_its_main_diagram_with_named_lanes():
    from permissions.roles import Role
    from webapp.views.diagram import display_xml, main_source
    from workflows.models import ProcessDefinition

    load_world()
    definitions = list(ProcessDefinition.objects.all())
    assert len(definitions) >= 4
    role_codes = set(Role.values)
    for definition in definitions:
        _name, xml = main_source(definition)
        root = etree.fromstring(display_xml(xml).encode())
        assert root.find(f"{BPMN}process[@id='{definition.process_id}']") is not None, definition
        lanes = [lane.get("name") for lane in root.iter(f"{BPMN}lane")]
        assert lanes and not role_codes & set(lanes), (definition, lanes)
