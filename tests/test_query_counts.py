"""Every list page and API list costs the same number of queries for 1 row as for 50 (issue 17
item 3): no per-row query (N+1) on the workbench tabs, the notice desk, the case page's
documents, the cadre records, the delegations, notifications, common opinions, candidates,
alerts and quota pages, nor on the API's lists.

The demo world gives the deployed processes, calendars and rule tables; the rows are made
straight through the ORM on a fresh township (新区街道) whose people see nothing else, so a page
shows exactly the rows made here: one, then fifty (twenty on a paginated page).
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import IssuedDocument
from documents.permissions import can_download, downloadable_ids
from notices.models import Notice, Objection
from permissions.models import Delegation, Grant, Unit, UnitKind, UnitLevel
from permissions.roles import Role
from quotas.models import PostQuota
from records.models import AnnualAssessment, AssessmentGrade
from tests import factories as f
from tests.merit_helpers import QT_CLEAN, cadre, load_world, person, start_and_nominate, to_publish
from tests.test_api_helpers import client_for
from workflows import clock
from workflows.models import (
    Attachment,
    CaseCopy,
    CaseUnit,
    HistoryAction,
    HistoryEvent,
    HumanTask,
    Notification,
    ProcessDefinition,
    ProcessInstance,
)
from workspace.models import CommonOpinion

pytestmark = pytest.mark.django_db

ALL_ROLES = [Role.NOMINATOR, Role.UNIT_LEADER, Role.DISCIPLINE, Role.REVIEWER, Role.PUBLICITY_OFFICER, Role.APPROVER]


def _involve(case, unit):
    """The case-unit row the services write when a case reaches ``unit`` (``services._involve``)."""
    return CaseUnit.objects.create(
        instance=case, unit=unit, unit_path=unit.path, nominating_unit=case.nominating_unit, case_created_at=case.created_at
    )


class World:
    """A new township under 鲁山县委 with a person holding every role on it (``boss``), a
    nominator starting its cases (``starter``) and counters so each ``grow`` adds new rows."""

    def __init__(self):
        parent = Unit.objects.get(code="HA-PDS-LS")
        self.unit = f.unit("HA-PDS-LS-XQ", "新区街道", UnitLevel.TOWNSHIP, UnitKind.TOWNSHIP, parent)
        # The nominator's grant covers the township's offices (their quota lines).
        self.boss = f.user("xq_boss", *[(role, self.unit, role == Role.NOMINATOR) for role in ALL_ROLES])
        self.starter = f.user("xq_jbr", (Role.NOMINATOR, self.unit))
        self.definition = ProcessDefinition.objects.filter(process_id="merit_citation").order_by("-version").first()
        self.made = 0
        self.cases = []

    def grow(self, n):
        """``n`` more of every kind of row the lists show."""
        now, today = timezone.now(), clock.today()
        for i in range(self.made, self.made + n):
            subject = f.cadre(
                f"新区干部{i:03d}",
                self.unit,
                id_number=f"41042319{60 + i % 5:02d}0101{i:04d}",
                birth_date=datetime.date(1966, 1, 1),  # near retirement: an alert row each
                current_post=f"新区街道科员{i}",
            )
            AnnualAssessment.objects.create(cadre=subject, year=today.year - 1, grade=AssessmentGrade.EXCELLENT)
            case = ProcessInstance.objects.create(
                definition=self.definition,
                business_key=f"XQ{uuid.uuid4().hex[:10]}",
                state="{}",
                nominating_unit=self.unit,
                subject_cadre=subject,
                started_by=self.starter,
            )
            _involve(case, self.unit)
            for bpmn_id, role in (("Task_review", Role.REVIEWER), ("Task_publish", Role.PUBLICITY_OFFICER)):
                HumanTask.all_objects.create(
                    instance=case,
                    definition=case.definition,
                    task_uuid=uuid.uuid4(),
                    bpmn_id=bpmn_id,
                    name=bpmn_id,
                    lane=role,
                    role=role,
                    unit=self.unit,
                    unit_path=self.unit.path,
                    created_at=now,
                    due_at=now + datetime.timedelta(days=3),
                )
            HistoryEvent.objects.create(
                instance=case, actor=self.boss, action=HistoryAction.COMPLETE, task_bpmn_id="Task_x", task_name="环节"
            )
            # Every other notice's document is the unit's own, on no case: its download right
            # comes from the grants, not from seeing the case.
            document = _document(self.unit, case if i % 2 == 0 else None, self.boss)
            notice = Notice.objects.create(
                issuer=self.unit,
                title=f"公示{i}",
                start_date=today,
                working_days=5,
                end_date=today + datetime.timedelta(days=7),
                contact="电话 0375-1234567",
                process_id="merit_citation",
                document=document,
                created_by=self.boss,
            )
            notice.cases.add(case)
            Objection.objects.create(instance=case, notice=notice, content="反映问题", received_on=today, recorded_by=self.boss)
            Notification.objects.create(user=self.boss, instance=case, text=f"通知{i}")
            CommonOpinion.objects.create(owner=self.boss, text=f"同意{i}")
            Delegation.objects.create(
                delegator=self.boss,
                delegate=self.starter,
                starts_on=today + datetime.timedelta(days=10 + i),
                ends_on=today + datetime.timedelta(days=10 + i),
            )
            sub = f.unit(f"HA-PDS-LS-XQ-{i:03d}", f"新区街道{i}办", UnitLevel.TOWNSHIP, UnitKind.DEPARTMENT, self.unit)
            PostQuota.objects.create(unit=sub, level="township_deputy", posts=2, valid_from=datetime.date(2020, 1, 1), basis="三定方案")
            self.cases.append(case)
        self.made += n


def _document(issuer, case, by):
    return IssuedDocument.objects.create(
        kind="notice",
        title="公示",
        issuer=issuer,
        year=timezone.localdate().year,
        template="notice",
        pdf=b"%PDF-1.4 x",
        sha256="0" * 64,
        size=10,
        page_count=1,
        created_by=by,
        instance=case,
    )


@pytest.fixture
def world():
    load_world()
    return World()


def _web(client, user, url, params=None):
    client.force_login(user)
    client.get(url, params or {})  # the first request after logging in also saves the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(queries), response


def _api(user, url, params=None):
    client = client_for(user.username)
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return len(queries), response


def _rows(response):
    body = response.json()
    if isinstance(body, dict) and "total" in body:  # /alerts/counts/: the alerts counted
        return body["total"]
    return len(body["results"]) if isinstance(body, dict) and "results" in body else len(body)


def _compare(world, measure, shown):
    """The count for 1 row, then for 50; ``shown(response)`` is how many rows the page showed."""
    world.grow(1)
    one, response = measure()
    assert shown(response) >= 1
    world.grow(49)
    many, response = measure()
    assert shown(response) >= 20, shown(response)  # a whole page at least
    assert many <= one, f"{one} queries for 1 row, {many} for 50"
    return one, many


def _count_in(text):
    return lambda response: response.content.decode().count(text)


# --------------------------------------------------------------------------- web pages

WEB = [
    ("workbench todo", "home", {"tab": "todo"}, "XQ"),
    ("workbench done", "home", {"tab": "done"}, "XQ"),
    ("notifications", "notifications", {}, "通知"),
    ("delegations", "delegations", {}, "xq_jbr"),
    ("opinions", "opinions", {}, "同意"),
    ("cadre records", "records", {}, "新区街道科员"),
    ("quotas", "quotas:dashboard", {}, "新区街道"),
    ("alerts", "supervision:alerts", {}, "新区街道科员"),
    ("notice desk", "notices", {}, "公示文件 PDF"),  # each notice's PDF link: its download right
]


@pytest.mark.parametrize("name,url_name,params,marker", WEB, ids=[w[0] for w in WEB])
def test_a_list_page_costs_the_same_queries_for_one_row_and_for_fifty(client, world, name, url_name, params, marker):
    _compare(world, lambda: _web(client, world.boss, reverse(url_name), params), _count_in(marker))


@pytest.mark.parametrize("name,url_name,params,marker", WEB[:1] + WEB[-1:], ids=["workbench todo", "notice desk"])
def test_a_list_page_never_reads_the_cases_engine_state(client, world, name, url_name, params, marker):
    """The engine state (~10 kB a case) is the engine's; a list shows the case's typed facts."""
    world.grow(3)
    client.force_login(world.boss)
    client.get(reverse(url_name), params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(url_name), params)
    assert response.status_code == 200 and marker in response.content.decode()
    reading_state = [q["sql"] for q in queries.captured_queries if '"workflows_processinstance"."state"' in q["sql"]]
    assert not reading_state, reading_state[0][:300]


def test_the_workbench_reads_the_definitions_once_and_its_filter_units_with_the_grants(client, world):
    """The process filter and the top bar's 发起 share one read of the definitions; the unit filter
    lists the person's granted units from the grants the inbox query read (no query of its own)."""
    other = Unit.objects.get(code="HA-PDS-LS-QT")
    Grant.objects.create(user=world.boss, role=Role.REVIEWER, unit=other)
    world.grow(1)
    client.force_login(world.boss)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    sent = [q["sql"] for q in queries.captured_queries]
    assert len([sql for sql in sent if sql.startswith('SELECT "workflows_processdefinition"')]) == 1
    assert not [sql for sql in sent if sql.startswith(('SELECT "permissions_unit"', 'SELECT DISTINCT "permissions_unit"'))], (
        "the filter's units were read apart from the grants"
    )
    form = response.context["form"]
    assert form.fields["unit"].choices[1:] == [(str(u.pk), u.name) for u in sorted([world.unit, other], key=lambda u: u.path)]
    assert {key for key, _name in form.fields["process"].choices[1:]} == set(ProcessDefinition.objects.values_list("process_id", flat=True))
    assert f'href="{reverse("start")}"' in response.content.decode()  # the top bar's 发起 (the boss nominates)


def test_the_review_page_reads_the_holders_the_quota_and_the_countersigns_once(client, world):
    """The 审核 page asks for the step's role holders once (claim and 转办 both use them), reads the
    unit's kind quota and total quota in one statement, and its countersigns once (the list also
    tells whether the holder waits for one)."""
    from awards.models import AwardQuota
    from tests.merit_helpers import unit_decides
    from workflows import services

    AwardQuota.objects.create(unit=Unit.objects.get(code="HA-PDS-LS-QT"), year=2026, limit=3)
    with clock.frozen_at(timezone.make_aware(datetime.datetime(2026, 9, 28, 9))):
        case = unit_decides("ls_qt_ld", start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0])))
        integrity = HumanTask.objects.get(instance=case, bpmn_id="Task_integrity")
        services.complete_task(person("ls_jw"), integrity.pk, data={"integrity_opinion": "no_objection"}, opinion="未发现廉政问题")
    review = HumanTask.objects.get(instance=case, bpmn_id="Task_review")
    client.force_login(person("ls_sh"))
    url = reverse("task", args=[case.pk, review.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    sent = [q["sql"] for q in queries.captured_queries]
    assert response.status_code == 200 and "名额" in response.content.decode()
    assert len([sql for sql in sent if 'FROM "awards_awardquota"' in sql]) == 1
    assert len([sql for sql in sent if sql.startswith('SELECT "workflows_countersign"')]) == 1
    holders = [sql for sql in sent if sql.startswith('SELECT DISTINCT "auth_user"') and "'reviewer'" in sql]
    assert len(holders) == 1, holders


def test_the_started_tab_costs_the_same_queries_for_one_case_and_for_fifty(client, world):
    _compare(world, lambda: _web(client, world.starter, reverse("home"), {"tab": "started"}), _count_in("XQ"))


def test_the_start_page_lists_a_units_cadres_in_the_same_queries_for_one_and_for_fifty(client, world):
    url = reverse("start_process", args=["merit_citation"])
    _compare(world, lambda: _web(client, world.boss, url, {"unit": world.unit.pk}), _count_in("新区干部"))


def test_the_candidates_page_costs_the_same_queries_for_one_candidate_and_for_fifty(client, world):
    def measure():
        return _web(client, world.boss, reverse("candidates"), {"unit": world.unit.pk, "year": clock.today().year - 1})

    _compare(world, measure, _count_in("新区干部"))


def test_the_case_page_checks_its_documents_in_a_fixed_number_of_queries(client, world):
    """A case page with 1 issued document and with 50: each document's download right is not
    checked with its own queries (issue 17: 2 queries a document)."""
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    issuer = Unit.objects.get(code="HA-PDS-LS")
    viewer = person("ls_qt_jbr")  # started the case; holds no role on the issuer
    url = reverse("case", args=[case.pk])

    def add(n):
        for _ in range(n):
            _document(issuer, case, None)

    add(1)
    one, response = _web(client, viewer, url)
    assert response.content.decode().count("/download/") == 1
    add(49)
    many, response = _web(client, viewer, url)
    assert response.content.decode().count("/download/") == 50
    assert many <= one, f"{one} queries for 1 document, {many} for 50"


def test_the_case_page_reads_the_persons_facts_and_the_history_once(client, world):
    """The case page's visibility query reads the person's grants and relatives; "my steps" on it
    use them, and its timeline and progress share one read of the history."""
    case = start_and_nominate("ls_qt_jbr", "HA-PDS-LS-QT", cadre(QT_CLEAN[0]))
    client.force_login(person("ls_qt_jbr"))
    url = reverse("case", args=[case.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    sent = [q["sql"] for q in queries.captured_queries]
    body = response.content.decode()
    assert response.status_code == 200 and "单位集体研究" in body and "填报推荐材料" in body
    assert len([sql for sql in sent if "permissions_grant" in sql and "UNION ALL" in sql]) == 1
    # The whole readable history once (can_withdraw asks apart for the last event only: LIMIT 1).
    assert len([sql for sql in sent if sql.startswith('SELECT "workflows_historyevent"') and "LIMIT" not in sql]) == 1


def _case_lists(case, n, start):
    """``n`` more history steps, attachments, copies and notices (each with an objection) on ``case``."""
    from django.contrib.auth import get_user_model

    today = clock.today()
    for i in range(start, start + n):
        someone = get_user_model().objects.create(username=f"xq_reader{i}", first_name=f"读者{i}")
        HistoryEvent.objects.create(
            instance=case,
            actor=someone,
            action=HistoryAction.COMPLETE,
            task_bpmn_id="Task_unit_decision",
            task_name="单位党组织研究",
            opinion=f"同意{i}",
        )
        Attachment.objects.create(
            instance=case,
            uploaded_by=someone,
            file_name=f"材料{i}.pdf",
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
            content=b"pdf",
        )
        CaseCopy.objects.create(instance=case, recipient=someone, copied_by=case.started_by)
        notice = Notice.objects.create(
            issuer=case.nominating_unit,
            title=f"公示{i}",
            start_date=today,
            end_date=today + datetime.timedelta(days=7),
            contact="电话",
            process_id=case.definition.process_id,
            created_by=case.started_by,
        )
        notice.cases.add(case)
        Objection.objects.create(instance=case, notice=notice, content=f"反映{i}", received_on=today, recorded_by=case.started_by)


def _at_publish():
    """A case through the demo's steps up to 发布公示: its reviewer (ls_sh) sees it."""
    return to_publish(cadre(QT_CLEAN[1]))


def test_the_case_page_costs_the_same_queries_for_one_step_attachment_copy_and_notice_as_for_fifty(client, world):
    case = _at_publish()
    viewer, url = person("ls_sh"), reverse("case", args=[case.pk])  # the reviewer sees the objections too
    _case_lists(case, 1, 0)
    one, response = _web(client, viewer, url)
    assert response.content.decode().count("材料") >= 1
    _case_lists(case, 49, 1)
    many, response = _web(client, viewer, url)
    assert response.content.decode().count("材料") >= 50 and response.content.decode().count("读者") >= 50
    assert many <= one, f"{one} queries for 1 of each, {many} for 50"


def test_the_api_case_and_notice_cost_the_same_queries_for_one_of_their_rows_as_for_fifty(world):
    case = _at_publish()
    viewer = person("ls_sh")
    _case_lists(case, 1, 0)
    one, response = _api(viewer, f"/api/v1/processes/{case.pk}/")
    assert len(response.json()["history"]) >= 2
    _case_lists(case, 49, 1)
    many, response = _api(viewer, f"/api/v1/processes/{case.pk}/")
    assert len(response.json()["history"]) >= 51
    assert many <= one, f"{one} queries for 1 of each, {many} for 50"


def test_the_api_notice_costs_the_same_queries_for_one_case_as_for_fifty(world):
    world.grow(50)
    notice = Notice.objects.filter(issuer=world.unit).order_by("pk").first()
    one, response = _api(world.boss, f"/api/v1/notices/{notice.pk}/")
    assert len(response.json()["cases"]) == 1
    notice.cases.add(*world.cases[1:])
    many, response = _api(world.boss, f"/api/v1/notices/{notice.pk}/")
    assert len(response.json()["cases"]) == 50
    assert many <= one, f"{one} queries for 1 case, {many} for 50"


def test_a_cadre_record_costs_the_same_queries_for_one_case_as_for_fifty(client, world):
    world.grow(50)
    subject = world.cases[0].subject_cadre
    url = reverse("cadre", args=[subject.pk])
    one, response = _web(client, world.boss, url)
    ProcessInstance.objects.filter(pk__in=[c.pk for c in world.cases[1:]]).update(subject_cadre=subject)
    many, response = _web(client, world.boss, url)
    assert response.content.decode().count("XQ") >= 50
    assert many <= one, f"{one} queries for 1 case, {many} for 50"


# --------------------------------------------------------------------------- API lists

API = [
    ("tasks", "/api/v1/tasks/", {}, "boss"),
    ("processes", "/api/v1/processes/", {}, "starter"),
    ("processes as reviewer", "/api/v1/processes/", {}, "boss"),
    ("cadres", "/api/v1/cadres/", {}, "boss"),
    ("notifications", "/api/v1/notifications/", {}, "boss"),
    ("opinions", "/api/v1/opinions/", {}, "boss"),
    ("delegations", "/api/v1/delegations/", {}, "boss"),
    ("alerts", "/api/v1/alerts/", {}, "boss"),
    ("post-quotas", "/api/v1/post-quotas/", {}, "boss"),
    ("alert counts", "/api/v1/alerts/counts/", {}, "boss"),
]


@pytest.mark.parametrize("name,url,params,who", API, ids=[a[0] for a in API])
def test_an_api_list_costs_the_same_queries_for_one_row_and_for_fifty(world, name, url, params, who):
    _compare(world, lambda: _api(getattr(world, who), url, params), _rows)


def test_the_api_candidates_cost_the_same_queries_for_one_and_for_fifty(world):
    def measure():
        return _api(world.boss, "/api/v1/award-candidates/", {"unit": world.unit.pk, "year": clock.today().year - 1})

    _compare(world, measure, _rows)


def test_the_download_rights_of_a_page_are_those_of_each_document(world):
    """``downloadable_ids`` (one query for a page's documents) answers as ``can_download`` does
    for each: through the case, through a grant on the issuer or on an ancestor covering it."""
    world.grow(4)
    qt_case = ProcessInstance.objects.create(
        definition=world.definition,
        business_key="XQ-QT",
        state="{}",
        nominating_unit=Unit.objects.get(code="HA-PDS-LS-QT"),
        started_by=person("ls_qt_jbr"),
    )
    _involve(qt_case, qt_case.nominating_unit)
    for code, case in (("HA-PDS-LS", qt_case), ("HA-PDS", None), ("HA-PDS-BF", None), ("HA-PDS-LS-XQ", None)):
        _document(Unit.objects.get(code=code), case, None)
    documents = list(IssuedDocument.objects.select_related("issuer"))
    city = f.user("xq_city", (Role.REVIEWER, Unit.objects.get(code="HA-PDS"), True))
    inactive = f.user("xq_gone", (Role.REVIEWER, world.unit), is_active=False)
    people = [world.boss, world.starter, city, inactive, *(person(u) for u in ("ls_qt_jbr", "ls_sh", "bf_sh", "pds_sh", "ha_sh", "admin"))]
    for viewer in people:
        expected = {d.pk for d in documents if can_download(viewer, d)}
        assert downloadable_ids(viewer, documents) == expected, viewer.username
    assert downloadable_ids(city, documents) and downloadable_ids(world.starter, documents)
    # The cases a page knows its viewer sees (the case page's own) need no query and change nothing.
    seen = [c.pk for c in world.cases]
    for viewer in (world.starter, world.boss):
        assert downloadable_ids(viewer, documents, visible_cases=seen) == downloadable_ids(viewer, documents), viewer.username
    assert not downloadable_ids(inactive, documents) and downloadable_ids(world.boss, []) == set()


def test_the_case_list_pages_read_ids_first_and_keep_the_order(world):
    """Issue 17 item 4: GET /api/v1/processes/ reads a page's ids from the filtered, ordered list,
    then those rows with their joins; walking the pages gives the whole list in its order, with
    equal created_at broken by id, for each order offered."""
    world.grow(7)
    same_moment = timezone.now()
    ProcessInstance.objects.filter(pk__in=[c.pk for c in world.cases[:4]]).update(created_at=same_moment)
    client = client_for(world.starter.username)
    for ordering, key in (
        ("-created_at", lambda c: (-c.created_at.timestamp(), -c.pk)),
        ("created_at", lambda c: (c.created_at.timestamp(), c.pk)),
        ("business_key", lambda c: (c.business_key, c.pk)),
    ):
        expected = [c.pk for c in sorted(ProcessInstance.objects.filter(started_by=world.starter), key=key)]
        seen, offset = [], 0
        while True:
            with CaptureQueriesContext(connection) as queries:
                page = client.get("/api/v1/processes/", {"ordering": ordering, "limit": 3, "offset": offset}).json()
            seen += [row["id"] for row in page["results"]]
            if not page["next"]:
                break
            offset += 3
        assert seen == expected and page["count"] == len(expected), ordering
        statements = [q["sql"] for q in queries.captured_queries]
        assert any('"workflows_processinstance"."id" IN (' in sql for sql in statements)  # the rows by their ids
