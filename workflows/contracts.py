"""Step contracts: what a process type binds to its diagram, checked against the diagram.

Checked at deploy (a violation refuses the deployment with file, line and reason) and by the
Django system check ``workflows.E001`` on the files in ``MERITFLOW_BPMN_DIR``:

- every human task has a form, or is declared generic; every declared step exists;
- every service operation the diagram calls is registered with the sandbox (and declared);
- every ``return_to`` target is a human task of the same diagram;
- no service result variable, DMN output or script assignment writes a key that a step's form
  submits or that the engine keeps for itself (it would overwrite the nominator's text with a
  dict, as ``promotions.facts`` once did).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

import rulebook

from . import process_types
from .sandbox import registered_services

# Keys the service door writes into task data for itself; no form field, service result or
# script may use them.
ENGINE_KEYS = frozenset(
    {
        "business_key",
        "process_instance_id",
        "nominating_unit_id",
        "subject_cadre_id",
        "started_by_id",
        "decision",
        "last_opinion",
        "draft_opinion",
        "return_reason",
        "returned_from",
        "returned_from_name",
    }
)


@dataclass(frozen=True)
class Violation:
    file_name: str
    line: int | None
    element_id: str
    reason: str

    def __str__(self):
        where = f"{self.file_name}:{self.line}" if self.line else self.file_name
        return f"{where}: {self.element_id}: {self.reason}"


def _all_specs(spec, subprocess_specs):
    for one in [spec, *subprocess_specs.values()]:
        yield from one.task_specs.values()


def _assigned_names(script):
    """Names a script assigns at top level (a = …, a += …, for a in …, with … as a)."""
    try:
        tree = ast.parse(script or "")
    except SyntaxError:
        return set()  # the sandbox check reports syntax errors
    names = set()
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
            targets = [node.target]
        for target in targets:
            for leaf in ast.walk(target):
                if isinstance(leaf, ast.Name) and isinstance(leaf.ctx, ast.Store):
                    names.add(leaf.id)
    return names


def _writes(task_spec):
    """(key, what writes it) for every task-data key this engine step writes."""
    result_variable = getattr(task_spec, "result_variable", None)
    if getattr(task_spec, "operation_name", None) and result_variable:
        yield result_variable, f"service {task_spec.operation_name} result"
    engine = getattr(task_spec, "dmnEngine", None)
    if engine is not None:
        for output in engine.decision_table.outputs:
            if output.name:
                yield output.name.split(".")[0], f"DMN output of {engine.decision_table.name or engine.decision_table.id}"
    for attribute, label in (("script", "script"), ("prescript", "pre-script"), ("postscript", "post-script")):
        for name in _assigned_names(getattr(task_spec, attribute, None)):
            yield name, label


def _form_fields(process_type):
    """field name → the steps whose forms submit it (the opinion goes to history, not to data)."""
    fields: dict[str, list[str]] = {}
    for step, form_class in process_type.forms.items():
        for name in form_class.base_fields:
            if name != "opinion":
                fields.setdefault(name, []).append(step)
    return fields


def check_spec(process_id, spec, subprocess_specs, *, file_name="?", source=None):
    """Every contract violation of one parsed process (an empty list when it holds)."""
    process_type = process_types.get(process_id)
    violations = []
    line_of = _line_finder(source)

    def violate(element_id, reason):
        violations.append(Violation(file_name, line_of(element_id), element_id, reason))

    task_specs = list(_all_specs(spec, subprocess_specs))
    human = {t.bpmn_id for t in task_specs if isinstance(t, UserTask)}
    starts = {t.bpmn_id for t in task_specs if isinstance(t, StartEvent)}
    services = registered_services()
    fields = _form_fields(process_type) if process_type else {}

    for task_spec in task_specs:
        bpmn_id = task_spec.bpmn_id
        if isinstance(task_spec, UserTask) and process_type and bpmn_id not in process_type.declared_steps():
            violate(bpmn_id, f"human task has no form in process type {process_id!r} (declare one, or list it as generic)")
        operation = getattr(task_spec, "operation_name", None)
        if operation:
            if operation not in services:
                violate(bpmn_id, f"service operation {operation!r} is not registered")
            elif process_type and operation not in process_type.services:
                violate(bpmn_id, f"service operation {operation!r} is not declared by process type {process_id!r}")
            elif operation == "workflows.record_check":
                _check_checkpoint(task_spec, violate)
        properties = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        for target in [t.strip() for t in properties.get("return_to", "").split(",") if t.strip()]:
            if target not in human:
                violate(bpmn_id, f"return_to target {target!r} is not a human task of this diagram")
        for key, writer in _writes(task_spec):
            if key in ENGINE_KEYS:
                violate(bpmn_id, f"{writer} writes {key!r}, a key the engine keeps for itself")
            elif key in fields:
                violate(bpmn_id, f"{writer} writes {key!r}, which is a field of the form of {', '.join(sorted(fields[key]))}")
    for key, line in _rule_parameters_named(source):
        if key not in rulebook.declared():
            violations.append(Violation(file_name, line, key, f"rule parameter {key!r} is not declared (rulebook.declare)"))
    if process_type:
        for step in sorted(process_type.declared_steps() - human - starts):
            violate(step, f"process type {process_id!r} binds a form to {step!r}, which is not a step of the diagram")
        for name, steps in sorted(fields.items()):
            if name in ENGINE_KEYS:
                violate(steps[0], f"form field {name!r} is a key the engine keeps for itself")
    return violations


RULE_PARAMETER_CALL = re.compile(r"""rule_parameter\(\s*(?:&quot;|["'])([\w.]+)(?:&quot;|["'])\s*\)""")


def _rule_parameters_named(source):
    """(key, line) of every ``rule_parameter("…")`` a diagram's expressions name."""
    for number, text in enumerate((source or "").splitlines(), 1):
        for match in RULE_PARAMETER_CALL.finditer(text):
            yield match.group(1), number


def _check_checkpoint(task_spec, violate):
    """A recorded rule check names a known checkpoint, as a literal (pages and the API label it)."""
    from .rulechecks import CHECKPOINTS

    parameters = getattr(task_spec, "operation_params", None) or {}
    expression = str((parameters.get("checkpoint") or {}).get("value", ""))
    try:
        checkpoint = ast.literal_eval(expression)
    except (ValueError, SyntaxError):
        checkpoint = None
    if checkpoint not in CHECKPOINTS:
        violate(task_spec.bpmn_id, f"rule-check checkpoint {expression!r} is not one of {', '.join(CHECKPOINTS)}")


def _line_finder(source):
    """element id → its line in the BPMN source (None when unknown)."""
    if not source:
        return lambda element_id: None
    lines = source.splitlines()

    def line_of(element_id):
        pattern = re.compile(r'\bid="%s"' % re.escape(element_id))
        return next((number for number, text in enumerate(lines, 1) if pattern.search(text)), None)

    return line_of


def check_directory(directory):
    """Violations of every typed process in the BPMN/DMN files of ``directory`` (system check)."""
    from pathlib import Path

    from . import engine

    directory = Path(directory)
    parser = engine.new_parser()
    sources = {}
    for path in sorted(directory.rglob("*")):
        if path.suffix == ".dmn":
            parser.add_dmn_file(str(path))
        elif path.suffix == ".bpmn":
            parser.add_bpmn_file(str(path))
            sources[str(path)] = path.read_text(encoding="utf-8")
    violations = []
    found = set()
    for process_id in parser.get_process_ids():
        filename = getattr(parser.process_parsers.get(process_id), "filename", None) or ""
        spec = parser.get_spec(process_id)
        found.add(process_id)
        violations += check_spec(
            process_id,
            spec,
            parser.get_subprocess_specs(process_id),
            file_name=Path(filename).name if filename else "?",
            source=sources.get(filename),
        )
    for process_id in sorted(set(process_types.all_types()) - found):
        violations.append(Violation(str(directory), None, process_id, "a process type is registered but no diagram defines it"))
    return violations
