"""A database error inside a service task parks the case in the error state with the message;
the user's completion is kept and the transaction stays usable (issue 5 finding, PostgreSQL)."""

import pytest
from django.db import connection

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.models import HistoryAction, HumanTask, InstanceStatus, ProcessInstance
from workflows.sandbox import register_service, unregister_service


@pytest.fixture
def failing_service():
    def failing_sql(task_data):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM table_that_does_not_exist")

    register_service("tests.failing_sql", failing_sql)
    yield
    unregister_service("tests.failing_sql")


def run_case():
    f.deploy_test_diagrams("engine/failing_service.bpmn")
    tree = f.small_tree()
    officer = f.user("officer", (Role.NOMINATOR, tree["township"]))
    case = services.start_process(officer, "test_failing_service", unit=tree["township"], data={"notice_start": "2026-10-08"})
    services.complete_task(officer, HumanTask.objects.get(instance=case).pk, opinion="提交")
    return ProcessInstance.objects.get(pk=case.pk)


@pytest.mark.django_db
def test_database_error_in_a_service_parks_the_case(failing_service):
    case = run_case()
    assert case.status == InstanceStatus.ERROR and "table_that_does_not_exist" in case.error_message
    assert case.history.filter(action=HistoryAction.COMPLETE, opinion="提交").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_database_error_in_a_service_parks_the_case_on_postgresql(failing_service):
    f.ensure_reference_data()
    case = run_case()
    assert case.status == InstanceStatus.ERROR and "table_that_does_not_exist" in case.error_message
    assert case.history.filter(action=HistoryAction.COMPLETE).count() == 1
