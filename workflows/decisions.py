"""Evaluating a deployed DMN decision table outside a running workflow.

Some rules must answer before the engine runs — e.g. a candidate is refused at once when a unit
nominates them — yet the rule should stay in the ``.dmn`` file the diagram uses. ``evaluate``
parses the decision from the files deployed with a process definition (so a running case keeps
the rules of the version it started with), and runs it with the sandboxed script engine, exactly
as a business-rule task would::

    from workflows.decisions import evaluate

    result = evaluate(instance.definition, "secondment_eligibility", {"facts": ..., "criteria": ...})
    # hit policy COLLECT: {"eligibility_rule": [...], "eligibility_reason": [...]}; others: one dict

The table's cell expressions are checked by the sandbox when the table is first parsed.
"""

import threading
from types import SimpleNamespace

from django.utils.translation import gettext as _

from . import engine
from .sandbox import check_spec_expressions

_cache: dict = {}
_lock = threading.Lock()


class DecisionNotFound(LookupError):
    pass


class _Context:
    """What SpiffWorkflow's DMN engine reads from a task: its data, the script engine, a spec name."""

    def __init__(self, decision_id, file_name, data):
        self.data = data
        self.task_spec = SimpleNamespace(name=decision_id, bpmn_id=decision_id, bpmn_name=decision_id, description=decision_id)
        self.workflow = SimpleNamespace(script_engine=engine.SCRIPT_ENGINE, spec=SimpleNamespace(file=file_name), parent_workflow=None)
        self.workflow.top_workflow = self.workflow


def decision_engine(definition, decision_id):
    """The DMN engine of ``decision_id`` among the files deployed with ``definition`` (cached)."""
    key = (definition.pk, definition.content_hash, decision_id)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    parser = engine.new_parser()
    file_name = None
    for name, text in sorted((definition.deployed_files() or {}).items()):
        if name.endswith(".dmn"):
            parser.add_dmn_str(text.encode("utf-8"), filename=name)
            if decision_id in parser.dmn_parsers and file_name is None:
                file_name = name
    if decision_id not in parser.dmn_parsers:
        raise DecisionNotFound(
            _("流程“%(process)s”的部署文件中没有决策表“%(decision)s”") % {"process": definition.process_id, "decision": decision_id}
        )
    dmn_engine = parser.get_engine(decision_id, None)
    _check(decision_id, dmn_engine)
    with _lock:
        _cache[key] = (dmn_engine, file_name)
    return dmn_engine, file_name


def _check(decision_id, dmn_engine):
    """Run the sandbox's static check over the table's cells, as deployment does for diagrams."""
    holder = SimpleNamespace(bpmn_id=decision_id, name=decision_id, bpmn_name=None, dmnEngine=dmn_engine)
    process = SimpleNamespace(name=decision_id, task_specs={decision_id: holder})
    check_spec_expressions(process)  # raises UnsafeExpression naming the row and the cell


def evaluate(definition, decision_id, data):
    """Run the decision table against ``data`` (the variables its expressions read).

    Returns what a business-rule task would merge into its data: for hit policy COLLECT a dict of
    output name → list of values (one per matching row), otherwise the first matching row's outputs.
    """
    dmn_engine, file_name = decision_engine(definition, decision_id)
    return dmn_engine.result(_Context(decision_id, file_name, dict(data)))
