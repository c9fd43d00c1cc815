"""The OpenAPI schema and the documentation page (issue 5), and Schemathesis against the schema.

Schemathesis (4.x Python API) loads ``/api/schema/`` from the WSGI application in this process
(``webapp.wsgi.application``, the full middleware stack, the test database), and sends a bounded
number of generated requests to every operation as a signed-in user: five valid and five invalid
examples per operation (positive and negative generation) with a fixed seed (``derandomize``),
path ids drawn from generated numbers and from objects that exist. Every response must be no
server error (5xx), have a documented status code and content type, and match the documented
body schema. ``MERITFLOW_API_FUZZ_EXAMPLES=200`` runs a deeper search locally.
"""

import contextlib
import os
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token

from permissions.models import Grant
from permissions.roles import Role
from tests.merit_helpers import unit
from tests.test_api_helpers import (
    anonymous,
    clean_cadre,
    client_for,
    nominate,
    ok,
    publish,
    start,
    to_publish,
    unit_decides,
    world,  # noqa: F401  (the fixture)
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = int(os.environ.get("MERITFLOW_API_FUZZ_EXAMPLES", "5"))
TIME_BUDGET_SECONDS = 60 * max(1, EXAMPLES_PER_OPERATION // 5)
# Sequences of linked calls in the stateful run (``MERITFLOW_API_FUZZ_SEQUENCES`` for a deeper search).
STATEFUL_EXAMPLES = int(os.environ.get("MERITFLOW_API_FUZZ_SEQUENCES", "15"))


def test_schema_is_openapi_3_and_documents_every_path_of_the_contract(world):
    response = anonymous().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = set(schema["paths"])
    assert {
        "/api/v1/auth/token/",
        "/api/v1/process-types/",
        "/api/v1/processes/",
        "/api/v1/processes/{id}/",
        "/api/v1/processes/{id}/withdraw/",
        "/api/v1/processes/{id}/remind/",
        "/api/v1/processes/{id}/objections/",
        "/api/v1/tasks/",
        "/api/v1/tasks/{id}/",
        "/api/v1/tasks/{id}/claim/",
        "/api/v1/tasks/{id}/release/",
        "/api/v1/tasks/{id}/complete/",
        "/api/v1/cadres/",
        "/api/v1/cadres/{id}/",
        "/api/v1/documents/{id}/",
        "/api/v1/documents/{id}/download/",
        "/api/v1/documents/verify/",
    } <= paths
    complete = schema["paths"]["/api/v1/tasks/{id}/complete/"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "422"} <= set(complete["responses"])
    assert schema["components"]["schemas"]["TaskCompleteRequest"]["additionalProperties"] is True
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_generation_has_no_warnings(capsys):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_documentation_page_serves_its_assets_from_the_app(world):
    response = anonymous().get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page and "/api/schema/" in page
    for cdn in ("cdn.jsdelivr.net", "unpkg.com", "cdnjs"):
        assert cdn not in page
    assert "/static/drf_spectacular_sidecar/redoc/" in anonymous().get("/api/redoc/").content.decode()


# --------------------------------------------------------------------------- Schemathesis


def fuzz_user():
    """A signed-in user who reaches most code: every role on the county, its subordinates included."""
    user = get_user_model().objects.create_user("fuzz", password="demo12345", first_name="接口测试")
    for role in Role.values:
        Grant.objects.create(user=user, unit=unit("HA-PDS-LS"), role=role, include_subordinates=True)
    return user


def seed():
    """Objects of every kind for the fixed-id examples: cases at several steps, a notice with its document."""
    published = to_publish()
    notice = ok(publish(published), 201)
    at_integrity = unit_decides(nominate(cadre_id=clean_cadre(1).pk))
    draft = ok(start(client_for("ls_qt_jbr"), clean_cadre(2).pk), 201)
    case = ok(client_for("ls_qt_jbr").get(f"/api/v1/processes/{at_integrity['id']}/"))
    return {
        "processes": draft["id"],
        "tasks": case["current_steps"][0]["id"],
        "notices": notice["id"],
        "documents": notice["document"]["id"],
        "cadres": clean_cadre(3).pk,
        "attachments": None,
    }


@contextlib.contextmanager
def wsgi_in_this_transaction():
    """Requests through the WSGI handler must not close the test's connection (the test client
    does the same; it also reconnects the handler after each of its own requests, so this wraps
    only the Schemathesis calls)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(world):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

    from webapp.wsgi import application

    started = time.monotonic()
    known = seed()
    token = Token.objects.create(user=fuzz_user()).key
    headers = {"Authorization": f"Token {token}"}
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    with wsgi_in_this_transaction():
        failures, calls, operations = fuzz(application, known, headers, checks)
    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures)
    statuses = {code for _mode, _label, code in calls}
    assert 200 in statuses and any(400 <= code < 500 for code in statuses)
    assert len(calls) >= len(operations) >= 20
    assert elapsed < TIME_BUDGET_SECONDS, f"Schemathesis took {elapsed:.0f} s"


def fuzz(application, known, headers, checks):
    """Every operation, valid then invalid examples; returns (failures, calls, operations)."""
    import schemathesis
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

    operations = [result.ok() for result in schema.get_all_operations()]
    # Revoking the token would sign the fuzzer out: that operation goes last.
    operations.sort(key=lambda op: (op.method.upper() == "DELETE" and op.path.endswith("/auth/token/"), op.path, op.method))

    failures, calls = [], []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        for operation in operations:
            strategy = operation.as_strategy(generation_mode=mode)
            resource = operation.path.split("/")[3]
            if "{id}" in operation.path and known.get(resource):
                strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode, path_parameters={"id": known[resource]}))

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def exercise(case):
                cache.clear()  # no throttling of the token endpoint between examples
                response = case.call_and_validate(headers=headers, checks=checks)
                calls.append((mode, operation.label, response.status_code))

            try:
                exercise()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, operation.label  # nothing in it can be made invalid
            except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
                failures.append(f"{mode.value} {operation.label}: {exc}")

    return failures, calls, operations


def test_schemathesis_stateful_sequences_find_no_server_error(world):
    """Stateful runs (issue 13 item 7): Schemathesis links operations from the schema (a created
    case → its steps, documents, objections; a task list → claim, complete, release …) and sends
    sequences of calls, so later calls reach objects earlier calls made. No 5xx, and every
    response is documented and matches its schema."""
    import schemathesis
    from hypothesis.stateful import run_state_machine_as_test
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance

    from webapp.wsgi import application

    seed()
    token = Token.objects.create(user=fuzz_user()).key
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    # Revoking the caller's token would end every later sequence: left to the per-operation run.
    schema = schema.exclude(path="/api/v1/auth/token/", method="DELETE")
    calls = []

    class Workflow(schema.as_state_machine()):
        # Every sequence starts from the same database (a savepoint rolled back after it), so a
        # sequence replays as it ran and Hypothesis's generation stays consistent.
        def setup(self):
            self.savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case):
            cache.clear()  # no throttling between calls
            return {"headers": {"Authorization": f"Token {token}"}}

        def validate_response(self, response, case, **kwargs):
            calls.append(response.status_code)
            case.validate_response(response, checks=checks)

    with wsgi_in_this_transaction():
        run_state_machine_as_test(
            Workflow,
            settings=settings(
                max_examples=STATEFUL_EXAMPLES,
                stateful_step_count=8,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            ),
        )
    assert len(calls) >= STATEFUL_EXAMPLES and 200 in calls
