"""The case list as it opens, newest first, from the indexes that carry each case's creation time
(``ProcessInstance.objects.newest_visible``, issue 17 item 4): the same cases in the same order,
and the same count, as ``visible_to`` ordered newest first — for a starter, a unit's reviewer, a
city reviewer over its subtree, a delegate (委托), a 委派 holder, a cc reader and an administrator —
on SQLite and PostgreSQL; and ``GET /api/v1/processes/`` pages it the same way as the general path."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from tests import factories as f
from tests.merit_helpers import load_world, person, task_of
from tests.test_handover import at_review
from workflows import handover
from workflows.models import CaseUnit, ProcessInstance
from workspace import delegations

READERS = ("ls_qt_jbr", "ls_sh", "pds_sh", "ls_gs", "bf_sh", "ls_jw", "admin")


def make_cases():
    load_world()
    cases = [at_review(index) for index in range(3)]
    reviewer = person("ls_sh")
    handover.delegate_task(reviewer, task_of(cases[0], "Task_review").pk, to="ls_gs")  # 委派: a task granted alone
    handover.copy_case(reviewer, cases[1].pk, recipients=["bf_sh"], note="供参阅")  # 抄送: a case granted alone
    today = timezone.localdate()
    delegations.create_delegation(reviewer, delegate=person("ls_jw"), starts_on=today, ends_on=today + datetime.timedelta(days=3))
    get_user_model().objects.update_or_create(username="admin", defaults={"is_superuser": True, "is_staff": True})
    return cases


def check_newest_first():
    cases = make_cases()
    assert all(row.case_created_at == row.instance.created_at for row in CaseUnit.objects.select_related("instance"))
    seen = {}
    for username in READERS:
        user = person(username)
        expected = list(ProcessInstance.objects.visible_to(user).order_by("-created_at", "-id").values_list("pk", flat=True))
        newest = ProcessInstance.objects.newest_visible(user)
        assert [row[0] for row in newest] == expected, username
        assert newest.count() == len(expected), username
        assert [row[0] for row in newest[1:3]] == expected[1:3], username
        seen[username] = expected
    # The readers see different things, each through another part of the UNION.
    assert cases[1].pk in seen["bf_sh"] and cases[0].pk not in seen["bf_sh"]
    assert cases[0].pk in seen["ls_gs"] and set(seen["ls_jw"]) >= {c.pk for c in cases}
    assert len(seen["admin"]) == ProcessInstance.objects.count()


@pytest.mark.django_db
def test_newest_visible_is_visible_to_newest_first():
    check_newest_first()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_newest_visible_is_visible_to_newest_first_on_postgresql():
    f.ensure_reference_data()  # the rows of the data migrations, flushed by an earlier transactional test
    check_newest_first()


@pytest.mark.django_db
def test_the_case_list_as_it_opens_pages_as_the_general_path_does():
    make_cases()
    client = APIClient()
    client.force_authenticate(person("ls_sh"))
    for page in ("limit=2", "limit=2&offset=1", "limit=2&offset=2", "offset=99"):
        opened = client.get(f"/api/v1/processes/?{page}").json()
        general = client.get(f"/api/v1/processes/?{page}&ordering=-created_at").json()  # a parameter: the general path
        assert [c["id"] for c in opened["results"]] == [c["id"] for c in general["results"]], page
        assert opened["count"] == general["count"] >= 3
        assert opened["results"] == general["results"]
