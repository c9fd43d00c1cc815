"""Sandboxed BPMN/DMN expressions, scripts and service tasks (workflows.sandbox)."""

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from workflows.sandbox import (
    SandboxedEnvironment,
    SandboxedScriptEngine,
    UnsafeExpression,
    check_spec_expressions,
    compile_sandboxed,
    iter_spec_expressions,
    register_helper,
    register_service,
    unregister_helper,
    unregister_service,
)

FIXTURES = Path(__file__).parent / "bpmn" / "sandbox"

ESCAPES = [
    "open('/etc/hostname')",
    "__import__('os')",
    "().__class__.__base__.__subclasses__()",
    "getattr(x, '__class__')",
    "eval('1')",
    "exec('x = 1')",
    "globals()",
]


def sbx_double(value):
    return value * 2


def sbx_is_big(value):
    return value > 100


def sbx_bonus(task_data, /, *, amount, on):
    return {"amount": amount, "on": on, "rate": Decimal("0.10"), "grade_seen": task_data["grade"]}


def sbx_boom(task_data, /, **params):
    raise ValueError("boom")


@pytest.fixture(autouse=True)
def registry():
    register_helper(sbx_double)
    register_helper("sbx_is_big", sbx_is_big)
    register_service("sbx_bonus")(sbx_bonus)
    yield
    unregister_helper("sbx_double")
    unregister_helper("sbx_is_big")
    unregister_service("sbx_bonus")
    unregister_service("sbx_boom")


def parse(process_id, bpmn_file, dmn_files=()):
    # Validate against the BPMN/DMN XSDs: SpiffBpmnParser only does so when given a validator.
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(FIXTURES / bpmn_file))
    for dmn_file in dmn_files:
        parser.add_dmn_file(str(FIXTURES / dmn_file))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def parse_clean():
    return parse("sandbox_clean", "clean.bpmn", ["grade.dmn"])


def start_workflow(spec, subprocess_specs=None, **data):
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SandboxedScriptEngine())
    workflow.get_next_task(state=TaskState.READY).data.update(data)
    return workflow


@pytest.fixture
def task():
    """A real task to hand to the engine's evaluate/execute/call_service."""
    workflow = start_workflow(*parse("sandbox_service_boom", "service_boom.bpmn"))
    task = workflow.get_next_task(state=TaskState.READY)
    task.data.update(x=1, amount=20)
    return task


# --- escapes -------------------------------------------------------------------


@pytest.mark.parametrize("expression", ESCAPES)
def test_escape_refused_by_evaluate(expression, task):
    with pytest.raises(UnsafeExpression):
        SandboxedEnvironment().evaluate(expression, {"x": 1})
    with pytest.raises(WorkflowTaskException) as caught:
        SandboxedScriptEngine().evaluate(task, expression)
    assert isinstance(caught.value.__cause__, UnsafeExpression)
    assert "UnsafeExpression" in str(caught.value)


@pytest.mark.parametrize("expression", ESCAPES)
def test_escape_refused_by_execute(expression, task):
    data = {"x": 1}
    with pytest.raises(UnsafeExpression):
        SandboxedEnvironment().execute(f"y = 1\nresult = {expression}", data)
    assert data == {"x": 1}
    with pytest.raises(WorkflowTaskException) as caught:
        SandboxedScriptEngine().execute(task, f"result = {expression}")
    assert isinstance(caught.value.__cause__, UnsafeExpression)
    assert "result" not in task.data


@pytest.mark.parametrize("expression", ESCAPES)
def test_escape_refused_by_validate(expression):
    with pytest.raises(UnsafeExpression) as caught:
        SandboxedScriptEngine().validate(expression)
    assert expression in str(caught.value)


def test_import_statement_refused():
    with pytest.raises(UnsafeExpression, match="导入"):
        SandboxedEnvironment().execute("import os", {})


def test_unparsable_expression_raises_syntax_error():
    # DMN's needs_eq() relies on SyntaxError to add the implicit `==` for cells like ">= 100".
    with pytest.raises(SyntaxError):
        SandboxedScriptEngine().validate(">= 100")
    SandboxedScriptEngine().validate("v >= 100")


@pytest.mark.parametrize(
    "expression, error",
    [
        ("'{}'.format(x)", NotImplementedError),  # str.format can reach attributes
        ("not_registered(x)", NameError),
        ("type(x)", UnsafeExpression),
        ("x.no_such_attribute", AttributeError),  # typos are not silently None
        ("SystemExit", NameError),  # would slip past `except Exception`
    ],
)
def test_other_refusals(expression, error):
    with pytest.raises(error):
        SandboxedEnvironment().evaluate(expression, {"x": "text"})


def test_task_data_cannot_replace_guards():
    data = {"_getattr_": None, "__builtins__": {}, "s": "abc"}
    assert SandboxedEnvironment().evaluate("s.upper()", data) == "ABC"
    SandboxedEnvironment().execute("t = len(s)", data)
    assert data == {"_getattr_": None, "__builtins__": {}, "s": "abc", "t": 3}


# --- normal code ----------------------------------------------------------------

ITEMS = [{"name": "a", "n": 1}, {"name": "b", "n": 2}, {"name": "c", "n": 3}]


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("amount * 2 + 1", 41),
        ("amount > 10 and status == 'ok'", True),
        ("amount // 3, amount % 3", (6, 2)),
        ("sbx_double(amount)", 40),
        ("(end - start).days", 31),
        ("start + timedelta(days=1) == date(2024, 1, 2)", True),
        ("datetime(2024, 1, 1, tzinfo=timezone.utc).isoformat()", "2024-01-01T00:00:00+00:00"),
        ("Decimal('1.10') + Decimal('2.20') == Decimal('3.30')", True),
        ("[item['n'] * 2 for item in items if item['n'] > 1]", [4, 6]),
        ("sum(item['n'] for item in items)", 6),
        ("{name: n for name, n in pairs}", {"a": 1, "b": 2}),
        ("sorted(names, reverse=True)[0]", "c"),
        ("max(*[3, 9, 4])", 9),
        ("len(items) == 3 and isinstance(amount, int)", True),
    ],
)
def test_normal_expressions(expression, expected):
    data = {
        "amount": 20,
        "status": "ok",
        "start": date(2024, 1, 1),
        "end": date(2024, 2, 1),
        "items": ITEMS,
        "names": ["a", "c", "b"],
        "pairs": [("a", 1), ("b", 2)],
    }
    assert SandboxedEnvironment().evaluate(expression, data) == expected


def test_external_context_is_visible_but_task_data_wins():
    env = SandboxedEnvironment()
    assert env.evaluate("dmninputexpr < 0", {}, {"dmninputexpr": -1}) is True
    assert env.evaluate("v", {"v": "data"}, {"v": "external"}) == "data"


def test_script_updates_task_data_without_leaking_helpers():
    data = {"x": 1, "items": ITEMS}
    script = (
        "y = x + 1\n"
        "z = sbx_double(y)\n"
        "total = 0\n"
        "for item in items:\n"
        "    total += item['n']\n"
        "def triple(v):\n"
        "    return v * 3\n"
        "w = triple(2)\n"
        "d = {}\n"
        "d['k'] = date(2024, 5, 1)\n"
        "print('not on stdout')\n"
    )
    assert SandboxedEnvironment().execute(script, data) is True
    # Like plain exec, a top-level loop variable is an ordinary assignment.
    assert data == {
        "x": 1,
        "items": ITEMS,
        "y": 2,
        "z": 4,
        "total": 6,
        "item": ITEMS[-1],
        "w": 6,
        "d": {"k": date(2024, 5, 1)},
    }


def test_script_through_engine_updates_task(task):
    SandboxedScriptEngine().execute(task, "y = sbx_double(x)")
    assert task.data["y"] == 2
    assert "sbx_double" not in task.data and "__builtins__" not in task.data


def test_failed_script_writes_nothing_back():
    data = {"x": 1}
    with pytest.raises(ValueError):
        SandboxedEnvironment().execute("y = 2\nraise ValueError('no')", data)
    assert data == {"x": 1}


def test_script_can_delete_and_shadow_globals():
    # A form field called `date` must not break scripts; it shadows the global.
    data = {"date": "2024-01-01", "tmp": 1}
    SandboxedEnvironment().execute("del tmp\nday = date[-2:]", data)
    assert data == {"date": "2024-01-01", "day": "01"}


def test_script_error_reports_line(task):
    with pytest.raises(WorkflowTaskException) as caught:
        SandboxedScriptEngine().execute(task, "a = 1\nb = {}[1]")
    assert caught.value.line_number == 2
    assert "KeyError" in str(caught.value)


def test_compiled_code_is_cached():
    assert compile_sandboxed("amount * 2") is compile_sandboxed(" amount * 2\n")


def test_engine_requires_sandboxed_environment():
    from SpiffWorkflow.bpmn.script_engine import TaskDataEnvironment

    with pytest.raises(TypeError):
        SandboxedScriptEngine(TaskDataEnvironment())


# --- registry -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["open", "len", "date", "_hidden", "not valid", "class"])
def test_helper_names_that_would_shadow_or_hide_are_refused(name):
    with pytest.raises(ValueError):
        register_helper(name, sbx_double)


def test_conflicting_registration_is_refused():
    with pytest.raises(ValueError, match="sbx_double"):
        register_helper("sbx_double", lambda v: v)
    register_helper(sbx_double)  # re-registering the same function is fine


# --- services -------------------------------------------------------------------


def test_service_result_is_json_with_dates_and_decimals(task):
    task.data["grade"] = "A"
    result = SandboxedScriptEngine().call_service(
        task,
        operation_name="sbx_bonus",
        operation_params={
            "amount": {"value": 5, "type": "int"},
            "on": {"value": datetime(2024, 2, 1, 8, 30), "type": "str"},
        },
    )
    assert json.loads(result) == {"amount": 5, "on": "2024-02-01T08:30:00", "rate": "0.10", "grade_seen": "A"}


def test_service_error_surfaces_real_exception():
    register_service("sbx_boom", sbx_boom)
    workflow = start_workflow(*parse("sandbox_service_boom", "service_boom.bpmn"))
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert "boom" in str(caught.value)
    assert "NameError" not in str(caught.value)
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.error_type == "ValueError"


def test_unknown_service_operation_is_named():
    workflow = start_workflow(*parse("sandbox_service_boom", "service_boom.bpmn"))
    with pytest.raises(WorkflowTaskException, match="sbx_boom") as caught:
        workflow.do_engine_steps()
    assert caught.value.error_type == "UnknownService"


def test_service_sees_read_only_task_data(task):
    def sbx_writer(task_data, /):
        task_data["sneaky"] = True

    register_service("sbx_writer", sbx_writer)
    try:
        with pytest.raises(WorkflowTaskException, match="TypeError"):
            SandboxedScriptEngine().call_service(task, operation_name="sbx_writer", operation_params={})
    finally:
        unregister_service("sbx_writer")
    assert "sneaky" not in task.data


# --- static check of parsed diagrams ----------------------------------------------


def test_check_refuses_unsafe_gateway_condition():
    spec, subprocess_specs = parse("sandbox_unsafe_gateway", "unsafe_gateway.bpmn")
    with pytest.raises(UnsafeExpression) as caught:
        check_spec_expressions(spec, subprocess_specs)
    assert "decide" in str(caught.value) and "__import__('os').system('id')" in str(caught.value)
    assert caught.value.expression == "__import__('os').system('id')"


def test_check_refuses_unsafe_script_task():
    spec, subprocess_specs = parse("sandbox_unsafe_script", "unsafe_script.bpmn")
    with pytest.raises(UnsafeExpression) as caught:
        check_spec_expressions(spec, subprocess_specs)
    assert "read_host" in caught.value.where
    assert "open('/etc/hostname')" in str(caught.value)


def test_check_accepts_clean_diagram_and_finds_every_kind_of_code():
    spec, subprocess_specs = parse_clean()
    sources = {ref.source for ref in iter_spec_expressions(spec, subprocess_specs)}
    assert {
        "len(items)",  # multi-instance cardinality
        "visited is None",  # multi-instance completion condition
        "total",  # DMN input expression and service parameter
        "dmninputexpr < 0",  # DMN `?` input entry
        "total>= 100",  # DMN operator input entry, as DMNEngine composes it
        '"A"',  # DMN output entry
        "pre_total = total",  # spiff preScript
        "post_rate = bonus['rate']",  # spiff postScript
        "date(2024, 1, 31) + timedelta(days=1)",  # service parameter
        '"PT1H"',  # boundary timer
        "grade == 'A' and sbx_is_big(total)",  # gateway condition
        "route = 'a'",  # script task
    } <= sources
    assert check_spec_expressions(spec, subprocess_specs) == len(list(iter_spec_expressions(spec, subprocess_specs)))


EVIL = "__import__('os').system('id')"


def _set_timer(specs):
    specs["lookup_timeout"].event_definition.expression = EVIL


def _set_dmn_output(specs):
    specs["grade"].dmnEngine.decision_table.rules[1].outputEntries[0].text = EVIL


def _set_dmn_input_entry(specs):
    specs["grade"].dmnEngine.decision_table.rules[1].inputEntries[0].lhs[0] = "open('/etc/hostname')"


def _set_dmn_input_expression(specs):
    specs["grade"].dmnEngine.decision_table.inputs[0].expression = "globals()"


def _set_service_param(specs):
    specs["lookup"].operation_params["amount"]["value"] = EVIL


def _set_cardinality(specs):
    specs["count_items"].cardinality = EVIL


def _set_prescript(specs):
    specs["lookup"].prescript = "import os"


@pytest.mark.parametrize(
    "mutate, task_id",
    [
        (_set_timer, "lookup_timeout"),
        (_set_dmn_output, "grade"),
        (_set_dmn_input_entry, "grade"),
        (_set_dmn_input_expression, "grade"),
        (_set_service_param, "lookup"),
        (_set_cardinality, "count_items"),
        (_set_prescript, "lookup"),
    ],
)
def test_check_refuses_unsafe_code_everywhere(mutate, task_id):
    spec, subprocess_specs = parse_clean()
    mutate(spec.task_specs)
    with pytest.raises(UnsafeExpression) as caught:
        check_spec_expressions(spec, subprocess_specs)
    assert f"sandbox_clean/{task_id}" in caught.value.where


def test_unsafe_gateway_is_also_refused_at_run_time():
    # Even a diagram that skipped the static check cannot escape.
    workflow = start_workflow(*parse("sandbox_unsafe_gateway", "unsafe_gateway.bpmn"))
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert isinstance(caught.value.__cause__, UnsafeExpression)


# --- end to end -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "items, grade, route",
    [
        ([{"name": "a", "amount": 60}, {"name": "b", "amount": 50}], "A", "a"),
        ([{"name": "a", "amount": 30}, {"name": "b", "amount": 0}], "B", "other"),
    ],
)
def test_clean_diagram_runs_end_to_end_with_dmn(items, grade, route):
    spec, subprocess_specs = parse_clean()
    check_spec_expressions(spec, subprocess_specs)
    workflow = start_workflow(spec, subprocess_specs, items=items, start=date(2024, 1, 1))
    workflow.do_engine_steps()
    assert workflow.is_completed()
    data = workflow.data
    total = sum(item["amount"] for item in items)
    assert data["total"] == total
    assert data["doubled"] == total * 2
    assert data["names"] == [item["name"].upper() for item in items if item["amount"] > 0]
    assert data["due"] == date(2024, 1, 31)
    assert data["grade"] == grade  # from the DMN table, evaluated through the sandbox
    assert data["bonus"] == {"amount": total, "on": "2024-02-01", "rate": "0.10", "grade_seen": grade}
    assert data["pre_total"] == total and data["post_rate"] == "0.10"
    assert data["route"] == route
    assert not {"sbx_double", "sbx_is_big", "date", "timedelta", "__builtins__"} & data.keys()
