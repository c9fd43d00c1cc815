"""SpiffWorkflow plumbing: parsing, (de)serialising specs and instance state, reading tasks.

Instance state is stored without its spec: the spec JSON lives once per deployed version (in
its ProcessDefinitionSource) and the restored spec objects are cached per definition
(definitions never change).
"""

import datetime
import decimal
import json
import threading
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from .sandbox import SandboxedScriptEngine


class InstanceStateConverter(BpmnWorkflowConverter):
    """Serialises a workflow without its spec; the spec is supplied on restore."""

    def to_dict(self, workflow):
        dct = super().to_dict(workflow)
        del dct["spec"]
        del dct["subprocess_specs"]
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        # Mirrors BpmnWorkflowConverter.from_dict with the spec passed in instead of restored.
        # The restore pops keys (also inside "subprocesses"), so work on copies.
        dct = dict(dct, subprocesses=dict(dct["subprocesses"]))
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_registry():
    registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
    # Task data may hold dates and amounts; datetime/timedelta/UUID are registered by Spiff.
    registry.register(datetime.date, lambda v: {"value": v.isoformat()}, lambda v: datetime.date.fromisoformat(v["value"]), "date")
    registry.register(decimal.Decimal, lambda v: {"value": str(v)}, lambda v: decimal.Decimal(v["value"]), "Decimal")
    InstanceStateConverter(BpmnWorkflow, registry)
    return registry


REGISTRY = _build_registry()
SCRIPT_ENGINE = SandboxedScriptEngine()


def new_parser():
    """A parser that validates every file against the BPMN/DMN schemas (with Spiff extensions)."""
    return SpiffBpmnParser(validator=VALIDATOR)


def spec_to_json(spec, subprocess_specs):
    return {
        "spec": REGISTRY.convert(spec),
        "subprocess_specs": {name: REGISTRY.convert(sub) for name, sub in subprocess_specs.items()},
    }


_spec_cache: dict = {}
_spec_cache_lock = threading.Lock()


def specs_for(definition):
    """Restored (spec, subprocess_specs) of a definition, cached: definitions are immutable."""
    # Keyed by content too: test databases roll back and reuse primary keys.
    key = (definition.pk, definition.content_hash)
    cached = _spec_cache.get(key)
    if cached is None:
        # Only here is the stored spec read (its own query): rows joining the definition never carry it.
        spec_json = definition.spec_json()
        spec = REGISTRY.restore(spec_json["spec"])
        subs = {name: REGISTRY.restore(sub) for name, sub in spec_json["subprocess_specs"].items()}
        cached = (spec, subs)
        with _spec_cache_lock:
            _spec_cache[key] = cached
    return cached


def new_workflow(definition, data):
    spec, subs = specs_for(definition)
    workflow = BpmnWorkflow(spec, subs, script_engine=SCRIPT_ENGINE)
    workflow.data.update(data)
    # Start data is visible to every task (it is copied down the tree from the root).
    workflow.task_tree.data.update(data)
    return workflow


def load_workflow(definition, state):
    spec, subs = specs_for(definition)
    workflow = REGISTRY.restore(json.loads(state), spec=spec, subprocess_specs=subs)
    # The script engine is not serialised; re-attach it to the workflow and its subprocesses.
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def dump_state(workflow):
    return json.dumps(REGISTRY.convert(workflow), ensure_ascii=False, separators=(",", ":"))


def ready_user_tasks(workflow):
    return [t for t in workflow.get_tasks(state=TaskState.READY) if isinstance(t.task_spec, UserTask)]


def retry_failed_steps(workflow):
    """Re-run what an engine error interrupted.

    A failing task is left in ERROR: make it READY again. A failure while a completed task
    was updating its successors (e.g. a timer expression) leaves those successors FUTURE
    under a COMPLETED parent: update them again, as the parent's completion would have.
    """
    for task in workflow.get_tasks(state=TaskState.ERROR):
        task._set_state(TaskState.READY)
    for task in workflow.get_tasks(state=TaskState.FUTURE):
        if task.parent is not None and task.parent.state == TaskState.COMPLETED:
            task.task_spec._update(task)


def task_properties(task_spec):
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


def next_timer_due(workflow):
    """The earliest due time of the timers the workflow waits on (aware datetime), or None.

    Read from the waiting tasks' own timer values: an event-based gateway waits as one task
    with a MultipleEventDefinition, whose pending event carries no value.
    """
    due = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if not _waits_on_timer(getattr(task.task_spec, "event_definition", None)):
            continue
        value = task.internal_data.get("event_value")
        if isinstance(value, dict) and "next" in value:  # cycle timers
            due.append(datetime.datetime.fromisoformat(value["next"]))
        elif isinstance(value, str):
            due.append(TimerEventDefinition.get_datetime(value))
    return min(due) if due else None


def _waits_on_timer(definition):
    from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition

    if isinstance(definition, TimerEventDefinition):
        return True
    if isinstance(definition, MultipleEventDefinition):
        return any(isinstance(d, TimerEventDefinition) for d in definition.event_definitions)
    return False


def waiting_timer_task_ids(workflow):
    return {t.id for t in workflow.get_tasks(state=TaskState.WAITING) if _waits_on_timer(getattr(t.task_spec, "event_definition", None))}


def waiting_message_definition(workflow, message_name):
    """The definition of a message ``message_name`` that a waiting event (or event-based gateway)
    would catch, or None."""
    from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
    from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition

    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        candidates = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
        for candidate in candidates:
            if isinstance(candidate, MessageEventDefinition) and candidate.name == message_name:
                return candidate
    return None


def reached_end_event(workflow):
    """(bpmn id, name) of the end event the top-level process finished at, or None."""
    from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent

    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent) and t.workflow is workflow]
    if not ends:
        return None
    last = max(ends, key=lambda t: t.last_state_change)
    return last.task_spec.bpmn_id, last.task_spec.bpmn_name or last.task_spec.bpmn_id


def first_spec(definition, predicate):
    """The first task spec, breadth-first from the process start, that satisfies ``predicate``."""
    spec, _subs = specs_for(definition)
    seen, queue = set(), [spec.start]
    while queue:
        current = queue.pop(0)
        if current.name in seen:
            continue
        seen.add(current.name)
        if predicate(current):
            return current
        queue.extend(current.outputs)
    return None


def reset_to(workflow, task_id, data=None):
    """Send ``workflow`` back to the task ``task_id`` (退回, 撤回), dropping what followed it.

    SpiffWorkflow 3.2 drops the later tasks from the tree but leaves the waiting ones in the
    workflow's event manager, so the next ``refresh_timers`` (or a caught message) reaches a
    task without a parent. They are forgotten here, in the one place a case is reset."""
    workflow.reset_from_task_id(task_id, data=data)
    manager = workflow.event_manager
    for key, task in list(manager.tasks.items()):
        if task.workflow.tasks.get(task.id) is not task:
            manager.tasks.pop(key, None)
