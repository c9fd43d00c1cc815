"""Deploying the BPMN/DMN files of a folder as versioned process definitions.

All files are parsed together with schema validation; every process is checked (lanes map to
roles, expressions compile in the sandbox); only then is anything written, in one
transaction. Unchanged processes keep their version; a changed one gets version n+1, and
running instances stay on the version they started with.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from permissions.roles import UnknownLane, role_for_lane

from . import engine, process_types
from .contracts import check_spec
from .models import ProcessDefinition, ProcessDefinitionSource
from .sandbox import UnsafeExpression, check_spec_expressions, compile_sandboxed


class DeployError(Exception):
    def __init__(self, file_name, line, reason):
        self.file_name, self.line, self.reason = file_name, line, reason
        where = f"{file_name}:{line}" if line else file_name
        super().__init__(f"{where}: {reason}")


@dataclass
class DeployResult:
    created: list = field(default_factory=list)  # ProcessDefinition rows made now
    unchanged: list = field(default_factory=list)  # process ids whose latest version matched


def deploy_directory(directory):
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.suffix in {".bpmn", ".dmn"})
    return deploy_files(files, base=directory)


def deploy_files(paths, base=None):
    parser = engine.new_parser()
    sources = {}
    for path in paths:
        path = Path(path)
        name = str(path.relative_to(base)) if base else path.name
        text = path.read_text(encoding="utf-8")
        sources[name] = text
        try:
            if path.suffix == ".dmn":
                parser.add_dmn_file(str(path))
            else:
                parser.add_bpmn_file(str(path))
        except ValidationException as exc:
            raise DeployError(name, exc.line_number or None, str(exc.args[0] if exc.args else exc)) from exc
        except etree.XMLSyntaxError as exc:
            raise DeployError(name, exc.lineno, exc.msg) from exc
        except SpiffWorkflowException as exc:
            raise DeployError(name, getattr(exc, "line_number", None), str(exc)) from exc

    prepared = []
    for process_id in parser.get_process_ids():
        file_name = _file_of(parser, process_id, base)
        try:
            spec = parser.get_spec(process_id)
            subprocess_specs = parser.get_subprocess_specs(process_id)
        except ValidationException as exc:
            raise DeployError(exc.file_name or file_name, exc.line_number or None, str(exc.args[0] if exc.args else exc)) from exc
        start_role = _check_lanes(spec, subprocess_specs, file_name)
        try:
            check_spec_expressions(spec, subprocess_specs)
        except UnsafeExpression as exc:
            raise DeployError(file_name, None, str(exc)) from exc
        violations = check_spec(process_id, spec, subprocess_specs, file_name=file_name, source=sources.get(file_name))
        if violations:
            first = violations[0]
            raise DeployError(first.file_name, first.line, "; ".join(f"{v.element_id}: {v.reason}" for v in violations))
        spec_json = engine.spec_to_json(spec, subprocess_specs)
        digest = hashlib.sha256(json.dumps(spec_json, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        prepared.append((process_id, spec.description or process_id, spec_json, digest, start_role))

    result = DeployResult()
    with transaction.atomic():
        for process_id, name, spec_json, digest, start_role in prepared:
            latest = ProcessDefinition.objects.select_for_update().filter(process_id=process_id).order_by("-version").first()
            if latest is not None and latest.content_hash == digest:
                result.unchanged.append(process_id)
                continue
            definition = ProcessDefinition.objects.create(
                process_id=process_id,
                name=name,
                version=(latest.version + 1) if latest else 1,
                content_hash=digest,
                start_role=start_role,
                key_prefix=_key_prefix(process_id),
            )
            ProcessDefinitionSource.objects.create(definition=definition, spec_json=spec_json, source_files=sources)
            result.created.append(definition)
    return result


def _key_prefix(process_id):
    """The process type's prefix (e.g. JL for merit citations); an untyped process derives one."""
    process_type = process_types.get(process_id)
    if process_type is not None:
        return process_type.key_prefix
    return "".join(part[0] for part in process_id.split("_") if part).upper()[:6] or "WF"


def _file_of(parser, process_id, base):
    sub_parser = parser.process_parsers.get(process_id)
    filename = getattr(sub_parser, "filename", None) or "?"
    return (
        str(Path(filename).relative_to(base))
        if base and Path(filename).is_absolute() and Path(filename).is_relative_to(base)
        else Path(filename).name
    )


def _check_lanes(spec, subprocess_specs, file_name):
    """Every human task's lane must map to a role; the start event's lane is who may start."""
    start_role = None
    for one_spec in [spec, *subprocess_specs.values()]:
        for task_spec in one_spec.task_specs.values():
            if isinstance(task_spec, UserTask) or (isinstance(task_spec, StartEvent) and one_spec is spec):
                try:
                    role = role_for_lane(task_spec.lane)
                except UnknownLane as exc:
                    raise DeployError(
                        file_name, None, _("环节“%(step)s”：%(reason)s") % {"step": task_spec.bpmn_name or task_spec.bpmn_id, "reason": exc}
                    ) from exc
                if isinstance(task_spec, StartEvent):
                    start_role = role
                unit_expression = engine.task_properties(task_spec).get("unit")
                if unit_expression:
                    try:
                        compile_sandboxed(unit_expression)
                    except (UnsafeExpression, SyntaxError) as exc:
                        raise DeployError(
                            file_name,
                            None,
                            _("环节“%(step)s”的办理单位表达式无效：%(reason)s")
                            % {"step": task_spec.bpmn_name or task_spec.bpmn_id, "reason": exc},
                        ) from exc
    if start_role is None:
        raise DeployError(file_name, None, _("流程“%(process)s”的开始事件必须位于某个泳道中，以确定谁可以发起") % {"process": spec.name})
    return start_role
