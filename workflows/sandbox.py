"""Sandboxed evaluation of the Python code embedded in BPMN and DMN diagrams.

Every piece of code a diagram can carry -- gateway conditions, script tasks,
spiff pre/post scripts, timer and conditional event expressions, loop and
multi-instance expressions, message payloads, service task parameters and DMN
cells -- is run by :class:`SandboxedScriptEngine`::

    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SandboxedScriptEngine())

Code is compiled with RestrictedPython (names and attributes starting with
``_`` are refused at compile time, attribute access goes through
``safer_getattr``) and runs with a whitelist of builtins, the names ``date``,
``datetime``, ``timedelta``, ``timezone`` and ``Decimal``, the task data as
variables, and the helpers the application registered. Calling any other
Python builtin (``open``, ``getattr``, ``globals``, ``type``...) or importing
a module is refused at compile time with :class:`UnsafeExpression`; any other
unknown name fails at run time with a ``NameError``.

Helpers -- callables exposed to expressions and scripts::

    from workflows.sandbox import register_helper

    @register_helper                      # exposed as ``workdays_between``
    def workdays_between(start, end): ...

    @register_helper("is_leader")         # exposed under an explicit name
    def _is_leader(cadre_id): ...

Services -- operations of spiff service tasks
(``<spiffworkflow:serviceTaskOperator id="hr.lookup" resultVariable="...">``)::

    from workflows.sandbox import register_service

    @register_service("hr.lookup")
    def lookup(task_data, /, *, cadre_id):
        return {"name": ..., "appointed": date(...)}

A service is called as ``func(task_data, **params)``: ``task_data`` is a
read-only mapping of the task's data, ``params`` maps each parameter id to its
evaluated value (the diagram's declared ``type`` is ignored). It returns a
JSON-serialisable value; ``date``/``datetime``/``time`` become ISO strings and
``Decimal`` becomes ``str``. SpiffWorkflow stores the decoded result in the
task's result variable. An exception raised by the service, or an operation
name nobody registered, surfaces as a ``WorkflowTaskException`` whose message
carries the real error (chained as ``__cause__``).

Register helpers and services at import time of a module imported at start-up
(for example from ``AppConfig.ready``) so they exist before diagrams run.
:func:`check_spec_expressions` walks a parsed spec and raises
:class:`UnsafeExpression` for the first fragment the sandbox would refuse; it
does not need the helpers registered, since a helper can never take the name
of a Python builtin and only builtins are refused statically.

Budget (issue 13 item 1): every run has a time budget (``MERITFLOW_SCRIPT_TIME_LIMIT``
seconds, default 1) and a size budget (``MERITFLOW_SCRIPT_SIZE_LIMIT``, default 10_000_000:
the longest string/list/range and the largest integer in bits diagram code may build); see
:mod:`workflows.sandbox_budget`. Exceeding one raises :class:`BudgetExceeded`, which the
engine reports as a ``WorkflowTaskException`` naming the diagram element, so the failing step
parks the case like any other engine error.
"""

import ast
import builtins
import datetime as _dt
import json
import keyword
import operator
import re
import textwrap
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from types import CodeType, MappingProxyType
from typing import NamedTuple

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from RestrictedPython import PrintCollector, compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.exceptions import SpiffWorkflowException

from workflows import sandbox_budget
from workflows.sandbox_budget import BudgetExceeded

__all__ = [
    "SAFE_GLOBALS",
    "BudgetExceeded",
    "CodeRef",
    "SandboxedEnvironment",
    "SandboxedScriptEngine",
    "UnknownService",
    "UnsafeExpression",
    "check_spec_expressions",
    "compile_sandboxed",
    "iter_spec_expressions",
    "json_default",
    "register_helper",
    "register_service",
    "registered_helpers",
    "registered_services",
    "unregister_helper",
    "unregister_service",
]

# SpiffWorkflow's error reporting looks for traceback frames with this file name.
_FILENAME = "<string>"


class UnsafeExpression(ValueError):
    """Diagram code the sandbox refuses (or, from check_spec_expressions, cannot parse)."""

    def __init__(self, expression, reason, where=None):
        self.expression = expression
        self.reason = reason
        self.where = where
        params = {"expression": expression, "reason": reason, "where": where}
        if where:
            message = _("%(where)s 中的表达式“%(expression)s”未通过安全检查：%(reason)s") % params
        else:
            message = _("表达式“%(expression)s”未通过安全检查：%(reason)s") % params
        super().__init__(message)


class UnknownService(LookupError):
    """A service task names an operation nobody registered."""

    def __init__(self, operation_name):
        self.operation_name = operation_name
        super().__init__(_("服务操作“%(name)s”未注册") % {"name": operation_name})


# --- what sandboxed code can see ---------------------------------------------

_DROPPED_SAFE_BUILTINS = {
    "__build_class__",  # no class statements in diagram code
    "_getattr_",  # installed as a guard below, not as a builtin
    "setattr",
    "delattr",  # writes go through assignment syntax and _write_
    "id",  # memory addresses mean nothing in a diagram
    # Not Exception subclasses: raising them would slip past the engine's
    # `except Exception` and take down the worker.
    "BaseException",
    "SystemExit",
    "KeyboardInterrupt",
    "GeneratorExit",
}
_EXTRA_BUILTINS = (
    "len",
    "min",
    "max",
    "sum",
    "sorted",
    "reversed",
    "any",
    "all",
    "abs",
    "round",
    "int",
    "float",
    "str",
    "bool",
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "range",
    "enumerate",
    "zip",
    "map",
    "filter",
    "isinstance",
)
_BUILTINS = {name: value for name, value in safe_builtins.items() if name not in _DROPPED_SAFE_BUILTINS}
_BUILTINS.update({name: getattr(builtins, name) for name in _EXTRA_BUILTINS})
_BUILTINS.update({"True": True, "False": False, "None": None})
# Bounded stand-ins for range, pow, divmod, round and sum (issue 13 item 1: C-level loops and
# allocations cannot be interrupted, so their size is checked before they run).
_BUILTINS.update(sandbox_budget.BOUNDED_BUILTINS)

SAFE_GLOBALS = MappingProxyType(
    {
        "date": _dt.date,
        "datetime": _dt.datetime,
        "timedelta": _dt.timedelta,
        "timezone": _dt.timezone,
        "Decimal": Decimal,
    }
)

_INPLACE_OPERATORS = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "@=": operator.imatmul,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "^=": operator.ixor,
    "|=": operator.ior,
}


def _inplacevar(op, target, value):
    # RestrictedPython rewrites `n += 1` into `n = _inplacevar_('+=', n, 1)`; `*=`, `**=`, `<<=`
    # ... go through the size checks like their binary operators (issue 13 item 1).
    checked = sandbox_budget.checked_inplace(op)
    if checked is not None:
        return checked(target, value)
    return _INPLACE_OPERATORS[op](target, value)


def _apply(func, *args, **kwargs):
    # RestrictedPython rewrites calls using *args/**kwargs into `_apply_(func, ...)`;
    # func itself was already reached through the guards.
    return func(*args, **kwargs)


# Applied last when building a scope, so task data can never replace a guard.
_GUARDS = MappingProxyType(
    {
        "__builtins__": _BUILTINS,
        # The raising variant: the plain safer_getattr returns None for a missing
        # attribute, which would hide typos in conditions.
        "_getattr_": safer_getattr_raise,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplacevar,
        "_apply_": _apply,
        "_print_": PrintCollector,  # print() output is collected and discarded, never written to stdout
        # The budget's checked operators, attribute guard (ljust, join ...), f-string widths and
        # except clauses that cannot catch its interrupt (issue 13 item 1).
        **sandbox_budget.GUARDS,
    }
)

# Builtins the static call check refuses; print is rewritten to _print_ by RestrictedPython.
_PYTHON_BUILTIN_NAMES = frozenset(dir(builtins)) - {"print"}


# --- registries --------------------------------------------------------------

_helpers: dict[str, Callable] = {}
_services: dict[str, Callable] = {}


def _qualified_name(func):
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def _register(registry, kind, name, func):
    existing = registry.get(name)
    # Re-importing the defining module registers the same function again; that's fine.
    if existing is not None and _qualified_name(existing) != _qualified_name(func):
        raise ValueError(f"{kind} {name!r} is already registered to {_qualified_name(existing)}")
    registry[name] = func


def register_helper(name=None, func=None):
    """Expose ``func`` to diagram expressions and scripts as ``name`` (default: its __name__).

    Use as ``@register_helper``, ``@register_helper("name")`` or ``register_helper("name", func)``.
    """
    if callable(name):  # bare @register_helper
        name, func = None, name

    def decorator(f):
        helper_name = name or f.__name__
        if (
            not helper_name.isidentifier()
            or keyword.iskeyword(helper_name)
            or helper_name.startswith("_")
            or helper_name in _BUILTINS
            or helper_name in SAFE_GLOBALS
            or helper_name in _PYTHON_BUILTIN_NAMES
        ):
            # Underscore names are unreachable from restricted code; shadowing a
            # builtin would silently change what every diagram means.
            raise ValueError(f"{helper_name!r} cannot be used as a helper name")
        _register(_helpers, "Helper", helper_name, f)
        return f

    return decorator if func is None else decorator(func)


def register_service(operation_name=None, func=None):
    """Register ``func`` as the service-task operation ``operation_name`` (default: its __name__).

    The function is called as ``func(task_data, **params)`` and returns a JSON-serialisable value.
    """
    if callable(operation_name):  # bare @register_service
        operation_name, func = None, operation_name

    def decorator(f):
        _register(_services, "Service", operation_name or f.__name__, f)
        return f

    return decorator if func is None else decorator(func)


def unregister_helper(name):
    _helpers.pop(name, None)


def unregister_service(operation_name):
    _services.pop(operation_name, None)


def registered_helpers():
    return dict(_helpers)


def registered_services():
    return dict(_services)


# --- compilation -------------------------------------------------------------


class _Compiled(NamedTuple):
    code: CodeType
    called_names: frozenset  # bare names used as call targets, checked against the live registry


@lru_cache(maxsize=4096)  # expressions are evaluated very often; code objects are immutable
def _compile(source, mode):
    # Parse first so unparsable code raises a real SyntaxError: the DMN engine
    # relies on that to decide whether a cell needs an implicit `==`.
    tree = ast.parse(source, filename=_FILENAME, mode=mode)
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise UnsafeExpression(source, _("不允许导入模块"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.add(node.func.id)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    result = compiler(tree, _FILENAME, policy=sandbox_budget.BudgetTransformer)
    if result.errors or result.code is None:
        raise UnsafeExpression(source, "; ".join(result.errors) or "does not compile")
    return _Compiled(result.code, frozenset(called))


def compile_sandboxed(source, mode="eval", extra_names=()):
    """Compile ``source`` (an expression for mode "eval", a script for "exec") for the sandbox.

    Raises SyntaxError if it does not parse and UnsafeExpression if the sandbox refuses it.
    ``extra_names`` are additional names (beyond builtins and helpers) that may be called.
    """
    # eval() tolerates surrounding whitespace, compile() does not; XML text often has some.
    source = source.strip() if mode == "eval" else textwrap.dedent(source)
    compiled = _compile(source, mode)
    # Helpers cannot take a builtin's name (see register_helper), so only the
    # whitelist and the environment's own globals are exempt.
    refused = (compiled.called_names & _PYTHON_BUILTIN_NAMES) - _BUILTINS.keys() - set(extra_names)
    if refused:
        names = "、".join(sorted(refused))
        reason = _("不允许调用 %(names)s，只能调用白名单内置函数和已注册的辅助函数")
        reason %= {"names": names}
        raise UnsafeExpression(source, reason)
    return compiled.code


# --- environment and engine --------------------------------------------------


def json_default(value):
    """``json.dumps`` fallback for service results."""
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date subclass
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class SandboxedEnvironment(TaskDataEnvironment):
    """TaskDataEnvironment whose code runs under RestrictedPython.

    As in TaskDataEnvironment, task data is visible as variables (and wins over
    helpers and ``environment_globals`` of the same name) and a script's
    assignments are written back into the task data, minus helpers, globals and
    callables. Differences: a data variable named like a helper is not an
    error (it just shadows the helper), and nothing is written back if the
    script raises.
    """

    def compile(self, source, mode):
        return compile_sandboxed(source, mode, extra_names=self.globals)

    def _scope(self, context, external_context):
        injected = {**SAFE_GLOBALS, **sandbox_budget.BOUNDED_GLOBALS, **_helpers, **self.globals, **(external_context or {})}
        return {**injected, **context, **_GUARDS}, injected

    def evaluate(self, expression, context, external_context=None):
        code = self.compile(expression, "eval")
        scope, _injected = self._scope(context, external_context)
        return sandbox_budget.run(eval, code, scope)  # restricted code object, guarded scope, budget

    def execute(self, script, context, external_context=None):
        code = self.compile(script, "exec")
        scope, injected = self._scope(context, external_context)
        sandbox_budget.run(exec, code, scope, script=True)  # restricted code object, guarded scope, budget
        for name in [name for name in context if name not in scope]:  # `del name` in the script
            del context[name]
        for name, value in scope.items():
            if name.startswith("_"):  # guards and RestrictedPython temporaries such as _print
                continue
            if name in injected and value is injected[name]:  # untouched helper or global
                continue
            if callable(value):  # functions defined by the script are not data
                continue
            context[name] = value
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **kwargs):
        service = _services.get(operation_name)
        if service is None:
            raise UnknownService(operation_name)
        params = {name: param["value"] for name, param in (operation_params or {}).items()}
        result = service(MappingProxyType(context), **params)
        return json.dumps(result, default=json_default, ensure_ascii=False)


def _describe(err):
    return f"{type(err).__name__}: {err}"


def _element_label(task):
    spec = task.task_spec
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    bpmn_name = getattr(spec, "bpmn_name", None)
    return f"{bpmn_name}（{bpmn_id}）" if bpmn_name else bpmn_id


def _budget_error(task, err):
    """The engine's error for diagram code over its budget: it names the diagram element."""
    return WorkflowTaskException(err.describe(_element_label(task)), task=task, exception=err)


class SandboxedScriptEngine(PythonScriptEngine):
    """PythonScriptEngine that runs all diagram code in a :class:`SandboxedEnvironment`."""

    def __init__(self, environment=None):
        environment = SandboxedEnvironment() if environment is None else environment
        if not isinstance(environment, SandboxedEnvironment):
            # Any other environment would run diagram code unrestricted.
            raise TypeError("SandboxedScriptEngine needs a SandboxedEnvironment")
        super().__init__(environment)

    def validate(self, expression):
        """Raise SyntaxError if ``expression`` does not parse, UnsafeExpression if the sandbox refuses it."""
        self.environment.compile(expression, "eval")

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except BudgetExceeded as err:
            raise _budget_error(task, err) from err
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            # The stock message drops the cause; keep it so refusals are readable.
            message = _("计算表达式“%(expression)s”出错：%(error)s") % {
                "expression": expression,
                "error": _describe(err),
            }
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context)
        except Exception as err:
            wrapped = self.create_task_exec_exception(task, script, err)
            if wrapped is err:
                raise
            raise wrapped from err

    def create_task_exec_exception(self, task, script, err):
        if isinstance(err, BudgetExceeded):
            return _budget_error(task, err)
        if isinstance(err, SpiffWorkflowException):
            return super().create_task_exec_exception(task, script, err)
        # The stock version concatenates err.args[0], which fails for non-str args.
        line_number, error_line = self.get_error_line_number_and_content(script, err)
        return WorkflowTaskException(_describe(err), task=task, exception=err, line_number=line_number, error_line=error_line)

    def call_service(self, task, **kwargs):
        # The stock version references an undefined `script` in its handler, so
        # every service error turned into a NameError.
        try:
            # Services write records, official documents and notices: always in the site's
            # language (Chinese), whatever language the acting user browses in.
            with translation.override(settings.LANGUAGE_CODE):
                return self.environment.call_service(task.data, **kwargs)
        except SpiffWorkflowException:
            raise
        except UnknownService as err:
            raise WorkflowTaskException(str(err), task=task, exception=err) from err
        except Exception as err:
            message = _("服务操作“%(name)s”失败：%(error)s") % {
                "name": kwargs.get("operation_name"),
                "error": _describe(err),
            }
            raise WorkflowTaskException(message, task=task, exception=err) from err


# --- static check of parsed specs ---------------------------------------------


class CodeRef(NamedTuple):
    where: str  # human-readable location: process/task and which part of it
    source: str
    mode: str  # "eval" or "exec"


# Same pattern DMNEngine uses to spot the `?` placeholder outside quotes.
_DMN_PLACEHOLDER = re.compile(r'(\?)(?=(?:[^\'"]|[\'"][^\'"]*[\'"])*$)')


def _dmn_match_expression(input_expression, text):
    """The expression DMNEngine.evaluate builds for an input entry, so we check what will run."""
    text = _DMN_PLACEHOLDER.sub("dmninputexpr", text)
    if "dmninputexpr" in text:
        return text
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return input_expression + text  # an operator cell such as ">= 100"
    return f"({input_expression}) == ({text})"


def _dmn_parts(engine):
    table = engine.decision_table
    for table_input in table.inputs:
        yield _("DMN 输入“%(input)s”") % {"input": table_input.label or table_input.id}, table_input.expression
    for rule in table.rules:
        for entry in rule.inputEntries:
            # Without an input expression the engine substitutes a literal; any name stands in for it.
            input_expression = entry.input.expression or "dmninput"
            for text in entry.lhs:
                if text is not None and text.strip():
                    part = _("DMN 第 %(row)s 行输入条目“%(entry)s”") % {"row": rule.row_number, "entry": text}
                    yield part, _dmn_match_expression(input_expression, text)
        for entry in rule.outputEntries:
            yield _("DMN 第 %(row)s 行输出条目") % {"row": rule.row_number}, entry.text


def _event_parts(event_definition):
    if event_definition is None:
        return
    if isinstance(event_definition, MultipleEventDefinition):  # also event-based gateways
        for child in event_definition.event_definitions:
            yield from _event_parts(child)
        return
    # Timer, conditional, and spiff message/signal/error/escalation payload expressions.
    yield _("事件表达式"), getattr(event_definition, "expression", None)
    for attr in ("correlation_properties", "process_correlations"):
        for prop in getattr(event_definition, attr, None) or ():
            yield _("消息关联属性“%(name)s”") % {"name": prop.name}, prop.retrieval_expression


def _task_parts(task_spec):
    """(part, source, mode) for every piece of code a task spec carries."""
    if isinstance(task_spec, ScriptTask):
        yield _("脚本"), task_spec.script, "exec"
    yield _("前置脚本"), getattr(task_spec, "prescript", None), "exec"
    yield _("后置脚本"), getattr(task_spec, "postscript", None), "exec"
    # Gateway conditions live on the gateway as (_BpmnCondition(expr), target spec name).
    for condition, target in getattr(task_spec, "cond_task_specs", None) or ():
        if condition is not None:
            yield _("流向“%(target)s”的条件") % {"target": target}, condition.args[0], "eval"
    if isinstance(task_spec, StandardLoopTask):
        yield _("循环条件"), task_spec.condition, "eval"
    if isinstance(task_spec, MultiInstanceTask):
        yield _("多实例基数"), task_spec.cardinality, "eval"
        yield _("多实例完成条件"), task_spec.condition, "eval"
    for part, source in _event_parts(getattr(task_spec, "event_definition", None)):
        yield part, source, "eval"
    for name, param in (getattr(task_spec, "operation_params", None) or {}).items():
        yield _("服务参数“%(name)s”") % {"name": name}, param.get("value"), "eval"
    engine = getattr(task_spec, "dmnEngine", None)
    if engine is not None:
        for part, source in _dmn_parts(engine):
            yield part, source, "eval"


def _task_label(process, task_spec):
    bpmn_id = getattr(task_spec, "bpmn_id", None) or task_spec.name
    bpmn_name = getattr(task_spec, "bpmn_name", None)
    label = f"{process.name}/{bpmn_id}"
    return f"{label}（{bpmn_name}）" if bpmn_name else label


def iter_spec_expressions(spec, subprocess_specs=None):
    """Yield a :class:`CodeRef` for every non-empty piece of code in a parsed spec and its subprocess specs."""
    for process in [spec, *(subprocess_specs or {}).values()]:
        completion = getattr(process, "completion_condition", None)  # ad hoc subprocesses
        if isinstance(completion, str) and completion.strip():
            yield CodeRef(_("流程“%(name)s”的完成条件") % {"name": process.name}, completion, "eval")
        for task_spec in process.task_specs.values():
            label = _task_label(process, task_spec)
            for part, source, mode in _task_parts(task_spec):
                if isinstance(source, str) and source.strip():
                    yield CodeRef(f"{label} {part}", source, mode)


def check_spec_expressions(spec, subprocess_specs=None):
    """Compile every piece of code in ``spec`` (and ``subprocess_specs``) for the sandbox.

    Raises UnsafeExpression naming the task and the code for the first fragment
    that is refused or does not parse; returns the number of fragments checked.
    """
    checked = 0
    for ref in iter_spec_expressions(spec, subprocess_specs):
        try:
            compile_sandboxed(ref.source, ref.mode)
        except UnsafeExpression as err:
            raise UnsafeExpression(ref.source, err.reason, where=ref.where) from err
        except SyntaxError as err:
            raise UnsafeExpression(ref.source, _("语法错误：%(error)s") % {"error": err}, where=ref.where) from err
        checked += 1
    return checked
