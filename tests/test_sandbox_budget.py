"""Time and size budget of diagram code (issue 13 item 1): a hanging or huge expression or script
fails fast with an error naming the diagram element, and the case it runs in is parked."""

import time
from decimal import Decimal

import pytest
from django.test import override_settings
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from permissions.roles import Role
from tests import factories as f
from workflows import services
from workflows.models import HumanTask, InstanceStatus, ProcessInstance
from workflows.sandbox import (
    BudgetExceeded,
    SandboxedEnvironment,
    SandboxedScriptEngine,
    register_helper,
    unregister_helper,
)

PROCESS_ID = "test_budget"
# `mode` (start data) picks the branch: "hang" runs a gateway condition that never ends in
# time, "script" a script task with `while True: pass`, anything else ends the case at once.
HANG_CONDITION = 'mode == "hang" and sum(1 for i in range(10**7) for j in range(10**7)) > 0'
DIAGRAM = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                  id="Definitions_budget" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{PROCESS_ID}" name="测试：代码预算" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_nominator" name="nominator">
        <bpmn:flowNodeRef>StartEvent_1</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Task_submit</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Gateway_budget</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>Script_spin</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>End_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="StartEvent_1" name="发起">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="Task_submit" name="填报">
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_budget" name="预算检查" default="Flow_ok">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_hang</bpmn:outgoing>
      <bpmn:outgoing>Flow_script</bpmn:outgoing>
      <bpmn:outgoing>Flow_ok</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:scriptTask id="Script_spin" name="空转脚本">
      <bpmn:incoming>Flow_script</bpmn:incoming>
      <bpmn:outgoing>Flow_after_script</bpmn:outgoing>
      <bpmn:script>while True:
    pass</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="End_1" name="办结">
      <bpmn:incoming>Flow_hang</bpmn:incoming>
      <bpmn:incoming>Flow_after_script</bpmn:incoming>
      <bpmn:incoming>Flow_ok</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_submit" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_submit" targetRef="Gateway_budget" />
    <bpmn:sequenceFlow id="Flow_hang" sourceRef="Gateway_budget" targetRef="End_1">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{HANG_CONDITION.replace(">", "&gt;")}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_script" sourceRef="Gateway_budget" targetRef="Script_spin">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">mode == "script"</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Flow_after_script" sourceRef="Script_spin" targetRef="End_1" />
    <bpmn:sequenceFlow id="Flow_ok" sourceRef="Gateway_budget" targetRef="End_1" />
  </bpmn:process>
</bpmn:definitions>
"""
ELEMENT = "填报（Task_submit）"  # the task the engine-level tests evaluate on


@pytest.fixture
def diagram(tmp_path):
    path = tmp_path / "budget.bpmn"
    path.write_text(DIAGRAM, encoding="utf-8")
    return path


@pytest.fixture
def task(diagram):
    """A real ready task (the user task 填报) to hand to the engine's evaluate/execute."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(diagram))
    workflow = BpmnWorkflow(parser.get_spec(PROCESS_ID), parser.get_subprocess_specs(PROCESS_ID), script_engine=SandboxedScriptEngine())
    workflow.do_engine_steps()
    return workflow.get_next_task(state=TaskState.READY)


def run_on_task(task, code, mode):
    engine = SandboxedScriptEngine()
    return engine.execute(task, code) if mode == "exec" else engine.evaluate(task, code)


def assert_refused(task, code, mode, kind, within=2.0):
    started = time.monotonic()
    with pytest.raises(WorkflowTaskException) as caught:
        run_on_task(task, code, mode)
    elapsed = time.monotonic() - started
    assert elapsed <= within, f"{code!r} took {elapsed:.2f} s"
    cause = caught.value.__cause__
    assert isinstance(cause, BudgetExceeded) and cause.kind == kind, repr(cause)
    message = str(caught.value)
    assert f"流程图中“{ELEMENT}”" in message
    assert ("超出运行时间限制" if kind == BudgetExceeded.TIME else "超出数据规模限制") in message
    return caught.value


# --- the cases of the issue, through the engine ----------------------------------------------


@pytest.mark.parametrize(
    "code, mode, kind",
    [
        ("while True: pass", "exec", BudgetExceeded.TIME),
        ("10**10**8", "eval", BudgetExceeded.SIZE),
        ("sum(range(10**12))", "eval", BudgetExceeded.SIZE),
        ("'a'*2*10**9", "eval", BudgetExceeded.SIZE),
        ("f'{1:>{10**9}}'", "eval", BudgetExceeded.SIZE),  # f-string width
        ("f'{amount:.{10**9}f}'", "eval", BudgetExceeded.SIZE),  # f-string precision
        ("'a'.ljust(10**9)", "eval", BudgetExceeded.SIZE),
        ("str.center('a', 10**9)", "eval", BudgetExceeded.SIZE),  # through the class
        ("s = 'a'\ns *= 2*10**9", "exec", BudgetExceeded.SIZE),  # AugAssign
        ("n = 10\nn **= 10**8", "exec", BudgetExceeded.SIZE),
        ("n = 1\nn <<= 10**10", "exec", BudgetExceeded.SIZE),
        ("sum(1 for i in range(10**7) for j in range(10**7))", "eval", BudgetExceeded.TIME),
        ("[1 for i in range(10**7) for j in range(10**7) if False]", "eval", BudgetExceeded.TIME),
        ("def f(n):\n    return 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(100)", "exec", BudgetExceeded.TIME),
        ("f = lambda n: 1 if n == 0 else f(n - 1) + f(n - 1)\nx = f(100)", "exec", BudgetExceeded.TIME),
    ],
)
def test_budget_error_names_the_element(task, code, mode, kind):
    task.data["amount"] = 1.5
    assert_refused(task, code, mode, kind)


@pytest.mark.parametrize(
    "expression",
    [
        "'-'.join(['a'*10**6 for i in range(100)])",  # join of many bounded parts
        "('a'*10**6).replace('a', 'bb'*10)",
        "('\\t'*10**6).expandtabs(100)",
        "(1).to_bytes(10**10, 'big')",
        "'%0999999999d' % 1",
        "'%*d' % (10**9, 1)",
        "round(5, -10**10)",
        "pow(3, 10**9)",
        "pow(3, 2**(10**6), 2**(10**5) + 1)",
        "(2**(10**7 - 1)) // (2**(5 * 10**6) + 1)",  # quadratic division: ~30 s unchecked
        "divmod(2**(10**7 - 1), 2**(5 * 10**6) + 1)",
        "int(Decimal('1e999999999'))",
        "sum([[0]*1000]*10**5, [])",
        "'x'.join(['a'*10**6]*10**6)",  # a list sharing one long string a million times
        "list(range(10**8))",
        "('a'*6*10**6) + ('b'*6*10**6)",
    ],
)
def test_other_size_amplifiers_are_refused_before_they_run(task, expression):
    assert_refused(task, expression, "eval", BudgetExceeded.SIZE, within=1.0)


def test_diagram_code_cannot_catch_the_budget_error(task):
    for handler in ("except:", "except Exception:", "except ValueError.mro()[2]:", "except (ValueError, ValueError.mro()[-2]):"):
        script = f"done = 0\nwhile True:\n    try:\n        while True:\n            pass\n    {handler}\n        done += 1\n"
        assert_refused(task, script, "exec", BudgetExceeded.TIME)
        assert "done" not in task.data
    with pytest.raises(ValueError):  # ordinary errors are still caught as before
        SandboxedEnvironment().execute("try:\n    int('x')\nexcept ValueError:\n    raise", {})


def test_environment_raises_budget_exceeded_without_an_element():
    with pytest.raises(BudgetExceeded, match="表达式超出数据规模限制") as caught:
        SandboxedEnvironment().evaluate("'a'*2*10**9", {})
    assert caught.value.kind == BudgetExceeded.SIZE and caught.value.size == 2 * 10**9


# --- configuration ---------------------------------------------------------------------------


@pytest.fixture
def clock():
    register_helper("sbb_clock", time.monotonic)
    yield
    unregister_helper("sbb_clock")


SPIN_HALF_A_SECOND = "start = sbb_clock()\nwhile sbb_clock() - start < 0.5:\n    pass\ndone = True"


def test_time_limit_is_configurable(clock):
    data = {}
    SandboxedEnvironment().execute(SPIN_HALF_A_SECOND, data)  # the default second is enough
    assert data["done"] is True
    with override_settings(MERITFLOW_SCRIPT_TIME_LIMIT=0.2):
        data = {}
        started = time.monotonic()
        with pytest.raises(BudgetExceeded, match="0.2秒") as caught:
            SandboxedEnvironment().execute(SPIN_HALF_A_SECOND, data)
        assert time.monotonic() - started < 0.45
        assert caught.value.kind == BudgetExceeded.TIME and "done" not in data


ITEMS = [{"name": "甲", "n": 1}, {"name": "乙", "n": 2}]


@override_settings(MERITFLOW_SCRIPT_SIZE_LIMIT=1000)
def test_normal_code_runs_and_the_size_limit_is_configurable_and_exact():
    env = SandboxedEnvironment()
    data = {"amount": 20, "decision": "approve", "items": ITEMS, "score": 87.5}
    normal = {
        'decision == "approve" and amount * 2 + 1 > 40': True,
        "sum(item['n'] for item in items) * 10 ** 2 << 1": 600,
        "f'{score:>8.2f}|{amount!r:>4}|{amount:03d}'": "   87.50|  20|020",
        "'%5.1f%%' % score": " 87.5%",
        "'、'.join(item['name'] for item in items).ljust(6, '_')": "甲、乙___",
        "isinstance(amount, int) and isinstance(range(3), range) and isinstance(Decimal('1.5'), Decimal)": True,
        "Decimal('1.10') * 3 + Decimal(2) ** 3": Decimal("11.30"),
        "divmod(amount, 6), amount // 6, amount % 6, round(1234, -2), pow(3, 4, 5)": ((3, 2), 3, 2, 1200, 1),
        "sum([[1], [2]], []) + list(range(3)) * 2": [1, 2, 0, 1, 2, 0, 1, 2],
        "len('a' * 1000) + len(range(1000)) + (1 << 999).bit_length()": 3000,
    }
    for expression, expected in normal.items():
        assert env.evaluate(expression, data) == expected, expression
    script = "total = 0\nfor i in range(1000):\n    total += i\nnames = [x['name'] for x in items]"
    env.execute(script, data)
    assert data["total"] == 499500 and data["names"] == ["甲", "乙"]
    for over in ("'a' * 1001", "range(1001)", "1 << 1000", "'a'.zfill(1001)", "'%1001s' % 'a'"):
        with pytest.raises(BudgetExceeded, match="上限为 1000"):
            env.evaluate(over, data)


# --- end to end: a deployed diagram that hangs -------------------------------------------------


@pytest.fixture
def deployed(diagram):
    from workflows.deploy import deploy_files

    deploy_files([diagram], base=diagram.parent)
    tree = f.small_tree()
    officer = f.user("officer", (Role.NOMINATOR, tree["township"]))
    return tree, officer


def start(deployed, mode):
    tree, officer = deployed
    return services.start_process(officer, PROCESS_ID, unit=tree["township"], data={"mode": mode})


def submit(deployed, case):
    _tree, officer = deployed
    services.complete_task(officer, HumanTask.objects.get(instance=case).pk, opinion="提交")
    return ProcessInstance.objects.get(pk=case.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("mode, element", [("hang", "预算检查（Gateway_budget）"), ("script", "空转脚本（Script_spin）")])
def test_hanging_diagram_step_parks_the_case_and_other_cases_go_on(deployed, mode, element):
    stuck, other = start(deployed, mode), start(deployed, "ok")
    started = time.monotonic()
    stuck = submit(deployed, stuck)
    assert time.monotonic() - started <= 2.0
    assert stuck.status == InstanceStatus.ERROR
    assert f"流程图中“{element}”" in stuck.error_message and "超出运行时间限制（1秒）" in stuck.error_message
    assert stuck.history.filter(opinion="提交").exists()  # the user's completion is kept
    other = submit(deployed, other)  # the failed step released what it held
    assert other.status == InstanceStatus.COMPLETED and not other.error_message
