"""打印审批单 (issue 15 item 7): the case's whole sign-off history as a PDF — who, role, unit,
opinion/decision and time of every completed step, in order — for whoever may see the case; a
404 for anyone else; and a print stylesheet on the case page that leaves the forms out."""

import io
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from pypdf import PdfReader

from documents.models import IssuedDocument
from tests.merit_helpers import QT_CLEAN, approve_through, cadre, load_world, person, start_and_nominate, unit_decides
from workflows.models import HistoryAction, HumanTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded():
    load_world()
    case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
    return approve_through(case, "county")


def sheet_text(client, username, case):
    client.force_login(person(username))
    answer = client.get(reverse("approval_sheet", args=[case.pk]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.content))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_sheet_lists_every_completed_step_with_actor_role_unit_opinion_and_time_in_order(client, awarded):
    documents_before = IssuedDocument.objects.count()
    text = sheet_text(client, "ls_qt_jbr", awarded)
    assert awarded.business_key in text and "审批单" in text
    completed = list(awarded.history.filter(action=HistoryAction.COMPLETE).select_related("actor").order_by("at", "id"))
    assert len(completed) >= 6
    position = 0
    for event in completed:
        task = HumanTask.all_objects.filter(instance=awarded, bpmn_id=event.task_bpmn_id, completed_by=event.actor).select_related("unit")
        task = task.first()
        name = event.actor.get_full_name()
        found = text.find(event.task_name + name, position)
        assert found >= 0, (event.task_name, name)  # in order: each step after the one before
        row = text[found : found + 200]
        assert task.get_role_display() in row and task.unit.name.replace(" ", "") in row, row
        if event.opinion:
            assert event.opinion.replace(" ", "") in row, row
        position = found + 1
    assert "经集体研究，同意推荐" in text and "同意公示" in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日\d\d:\d\d", text)  # Chinese dates with the time
    assert IssuedDocument.objects.count() == documents_before  # a printout, not an issued document


def test_out_of_scope_is_404(client, awarded):
    client.force_login(person("bf_jw"))
    answer = client.get(reverse("approval_sheet", args=[awarded.pk]))
    assert answer.status_code == 404 and awarded.business_key.encode() not in answer.content


def test_the_case_page_links_the_sheet_and_prints_without_forms(client, awarded):
    client.force_login(person("ls_qt_jbr"))
    body = client.get(reverse("case", args=[awarded.pk])).content.decode()
    assert reverse("approval_sheet", args=[awarded.pk]) in body and "打印审批单" in body
    link = re.search(r'<link rel="stylesheet" href="([^"]*case\.css)"', body)
    assert link
    css = Path(finders.find("webapp/case.css")).read_text(encoding="utf-8")
    printing = css[css.index("@media print") :]
    hidden = re.search(r"([^{}]*)\{\s*display:\s*none", printing)
    assert hidden
    selectors = {s.strip() for s in hidden.group(1).split(",")}
    assert {"form", "button", ".topbar", ".diagram-card"} <= selectors
