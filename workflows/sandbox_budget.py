"""CPU-time and size budget for the code embedded in diagrams (issue 13 item 1).

The sandbox (:mod:`workflows.sandbox`) keeps diagram code from escaping, but without a budget
``while True: pass`` in a script task, ``10**10**8`` or ``sum(range(10**12))`` in a gateway
condition hang the request at full CPU (on SQLite while holding the write lock, so every other
writer gets "database is locked"), and ``'a'*2*10**9`` allocates 2 GB. Two mechanisms bound it:

* **Time** -- :func:`run` sets a monotonic deadline for the thread (``MERITFLOW_SCRIPT_TIME_LIMIT``
  seconds, default 1.0, read at each run), and :class:`BudgetTransformer` makes every place
  where sandboxed code can repeat check it: the top of each ``while``/``for`` body, each item of
  a comprehension or generator expression, the entry of each ``def`` and the result of each
  ``lambda`` (``_tick_``). Code without loops never checks, so a typical gateway condition pays
  nothing for it. Once the deadline has passed every check raises, so diagram code that catches
  the error cannot keep going for long.
* **Size** -- a trace function cannot interrupt one long C-level operation, so those are refused
  *before* they run: :class:`BudgetTransformer` (the RestrictedPython policy the sandbox compiles
  with) rewrites ``+ * ** << % //`` into the checked helpers below (``n *= 3`` already goes through
  ``_inplacevar_``, which uses them too); ``range``, ``pow``, ``divmod``, ``round``, ``sum`` and
  ``Decimal`` are bounded replacements; ``ljust``/``join``/``replace``/... are checked in the
  attribute guard; f-string format specs (``f"{x:>{n}}"``) and ``%`` formats are checked for their
  widths. The largest string/bytes/list/tuple length, range length and integer size in bits that
  diagram code may produce is ``MERITFLOW_SCRIPT_SIZE_LIMIT``, default 10_000_000, read at each
  run. Integer division and three-argument ``pow`` are quadratic in CPython, so they are refused
  when their estimated digit work exceeds ten times that limit (a few hundredths of a second).

Why not ``sys.settrace``: on Python 3.11 a one-line loop (``while True: pass``, and every
one-line comprehension) jumps back to its own line and emits no further ``line`` events, so
a trace function never sees it spin; it would also cost a Python call on every line of every
condition, displace coverage tools and debuggers, and CPython removes a trace function that
raised, so diagram code catching the error would run on unbounded. Why not SIGALRM: it works
only in the main thread (the web server's and the worker's requests run in others), there is
one alarm per process, and its handler runs only between bytecodes, so it cannot interrupt a
C-level operation any more than the checks here. A watchdog thread with
``PyThreadState_SetAsyncExc`` has the same bytecode limit, and its exception could land after
the sandboxed code returned, in the service's database code.

The exception raised inside sandboxed code is a ``BaseException`` (:class:`Interrupt`) and
``except`` clauses are rewritten so they can never name it (``_catchable_``; a bare ``except:``
means ``except Exception:``): a budget error always ends the run. :func:`run` turns it into
:class:`BudgetExceeded`, a plain exception, so the engine's failure path
(``services._advance``) parks the case.

Not bounded: the *number* of values a loop builds within its time (each one within the size
limit), and C-level work over containers that share one large element many times when the
sharing was built by a Python loop (e.g. ``sorted`` of a million references to one long
string). A memory limit on the worker processes (``RLIMIT_AS``/cgroup) remains the backstop.
"""

import ast
import builtins
import math
import re
import threading
import time
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from RestrictedPython.Guards import safer_getattr_raise
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

__all__ = ["BudgetExceeded", "BudgetTransformer", "GUARDS", "Interrupt", "run", "time_limit", "size_limit"]

DEFAULT_TIME_LIMIT = 1.0
DEFAULT_SIZE_LIMIT = 10_000_000
WORK_FACTOR = 10  # quadratic integer work allowed: WORK_FACTOR * size limit digit products

_monotonic = time.monotonic


class _State(threading.local):
    # The thread's running budget. The settings are read at the first check that needs them,
    # so a condition without loops or size-checked operations does not read them at all.
    active = False
    started: float = 0.0
    seconds: float | None = None
    deadline: float | None = None
    limit: int | None = None


_state = _State()
_SEQUENCES = (str, bytes, bytearray, list, tuple)
_SEQUENCE_TYPES = frozenset(_SEQUENCES)
_CONTAINERS = (str, bytes, bytearray, list, tuple, dict, set, frozenset)


def time_limit():
    return float(getattr(settings, "MERITFLOW_SCRIPT_TIME_LIMIT", DEFAULT_TIME_LIMIT))


def size_limit():
    return int(getattr(settings, "MERITFLOW_SCRIPT_SIZE_LIMIT", DEFAULT_SIZE_LIMIT))


class BudgetExceeded(Exception):
    """Diagram code ran out of its time budget (``kind == "time"``) or would exceed the size budget."""

    TIME = "time"
    SIZE = "size"

    def __init__(self, kind, *, seconds=None, operation=None, size=None, limit=None, script=False):
        self.kind = kind
        self.seconds = seconds
        self.operation = operation
        self.size = size
        self.limit = limit
        self.script = script
        super().__init__(self.describe())

    def describe(self, element=None):
        """The message, naming the diagram element when given (``element``: its name and id)."""
        if self.kind == self.TIME:
            params = {"element": element, "seconds": f"{self.seconds:g}"}
            if element is None:
                text = _("脚本超出运行时间限制（%(seconds)s秒）") if self.script else _("表达式超出运行时间限制（%(seconds)s秒）")
            elif self.script:
                text = _("流程图中“%(element)s”的脚本超出运行时间限制（%(seconds)s秒）")
            else:
                text = _("流程图中“%(element)s”的表达式超出运行时间限制（%(seconds)s秒）")
            return text % params
        params = {"element": element, "operation": self.operation, "size": _size_text(self.size), "limit": self.limit}
        if element is None:
            if self.script:
                text = _("脚本超出数据规模限制（“%(operation)s”的结果约为 %(size)s，上限为 %(limit)s）")
            else:
                text = _("表达式超出数据规模限制（“%(operation)s”的结果约为 %(size)s，上限为 %(limit)s）")
        elif self.script:
            text = _("流程图中“%(element)s”的脚本超出数据规模限制（“%(operation)s”的结果约为 %(size)s，上限为 %(limit)s）")
        else:
            text = _("流程图中“%(element)s”的表达式超出数据规模限制（“%(operation)s”的结果约为 %(size)s，上限为 %(limit)s）")
        return text % params


def _size_text(size):
    if size is None or size == math.inf:
        return "∞"
    size = int(size)
    return str(size) if size < 10**15 else f"{size:.2e}"


class Interrupt(BaseException):  # noqa: N818 - not an error of its own: carries BudgetExceeded out
    """Raised inside sandboxed code; a BaseException so diagram code cannot catch it (see module doc)."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


# --- the running budget --------------------------------------------------------


def _tick(value=None):
    """The time check the compiler inserts into loops, comprehensions and functions."""
    state = _state
    if state.active:
        deadline = state.deadline
        if deadline is None:
            seconds = state.seconds = time_limit()
            deadline = state.deadline = state.started + seconds
        if _monotonic() > deadline:
            raise Interrupt(BudgetExceeded(BudgetExceeded.TIME, seconds=state.seconds))
    return value


def _limit():
    state = _state
    limit = state.limit
    if limit is None:
        limit = size_limit()
        if state.active:
            state.limit = limit
    return limit


def _refuse(operation, size, limit):
    raise Interrupt(BudgetExceeded(BudgetExceeded.SIZE, operation=operation, size=size, limit=limit))


def run(func, *args, script=False):
    """Call ``func(*args)`` (an ``eval``/``exec`` of sandboxed code) under the time and size budget.

    Raises :class:`BudgetExceeded` when the budget is exhausted. Nested runs (a helper that
    evaluates diagram code) share the outer run's budget.
    """
    state = _state
    if state.active:
        return func(*args)
    state.active = True
    state.started = _monotonic()
    try:
        return func(*args)
    except Interrupt as interrupt:
        raise BudgetExceeded(**{name: getattr(interrupt.error, name) for name in _ERROR_FIELDS}, script=script) from None
    finally:
        state.active = False
        state.deadline = state.limit = None


_ERROR_FIELDS = ("kind", "seconds", "operation", "size", "limit")


# --- checked operations ----------------------------------------------------------


def _is_int(value):
    return isinstance(value, int)  # bool included, as Python does


def _check_repeat(operation, sequence, times, limit):
    if times <= 1:
        return
    size = len(sequence) * times
    if size <= limit and isinstance(sequence, (list, tuple)):
        # [big] * n shares `big` n times: a later str(), sorted() or == walks it n times in C.
        size = times * sum(len(item) if isinstance(item, _CONTAINERS) else 1 for item in sequence)
    if size > limit:
        _refuse(operation, size, limit)


def _check_division(operation, a, b):
    # CPython divides long integers in quadratic time: ~33 s for 10**7 by 5*10**6 bits.
    if _is_int(a) and _is_int(b):
        divisor = b.bit_length()
        quotient = a.bit_length() - divisor + 1
        if quotient > 30 and divisor > 30:
            limit = _limit()
            work = (quotient // 30 + 1) * (divisor // 30 + 1)
            if work > WORK_FACTOR * limit:
                _refuse(operation, work, WORK_FACTOR * limit)


def _check_int_bits(operation, bits, limit):
    if bits > limit:
        _refuse(operation, bits, limit)


def _add(a, b):
    result = a + b
    if type(result) in _SEQUENCE_TYPES:
        limit = _limit()
        if len(result) > limit:
            _refuse("+", len(result), limit)
    return result


def _mul(a, b):
    ta, tb = type(a), type(b)
    if ta is float or tb is float:
        return a * b
    if _is_int(a):
        if _is_int(b):
            if a and b:
                _check_int_bits("*", a.bit_length() + b.bit_length(), _limit())
        elif isinstance(b, _SEQUENCES):
            _check_repeat("*", b, a, _limit())
    elif _is_int(b) and isinstance(a, _SEQUENCES):
        _check_repeat("*", a, b, _limit())
    return a * b


def _pow_bits(a, b):
    if _is_int(a) and _is_int(b) and b > 1 and abs(a) > 1:
        return b * math.log2(abs(a))
    return 0


def _pow(a, b):
    bits = _pow_bits(a, b)
    if bits:
        _check_int_bits("**", bits, _limit())
    return a**b


def _lshift(a, b):
    if _is_int(a) and _is_int(b) and a and b > 0:
        _check_int_bits("<<", a.bit_length() + b, _limit())
    return a << b


# printf-style conversions: %[(key)][flags][width][.precision][length]type
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+)?)?[hlL]?.", re.S)
_DIGITS = re.compile(r"\d+")


def _number_over(digits, limit):
    return len(digits) > len(str(limit)) or int(digits) > limit


def _check_percent_format(template, args, limit):
    text = template.decode("latin-1") if isinstance(template, (bytes, bytearray)) else template
    star = False
    for match in _PERCENT_SPEC.finditer(text):
        for group in match.groups():
            if group == "*":
                star = True
            elif group and _number_over(group, limit):
                _refuse("%", int(group) if len(group) < 20 else math.inf, limit)
    if star:
        for value in args if isinstance(args, tuple) else (args,):
            if _is_int(value) and abs(value) > limit:
                _refuse("%", abs(value), limit)


def _mod(a, b):
    if isinstance(a, (str, bytes, bytearray)):
        limit = _limit()
        _check_percent_format(a, b, limit)
        result = a % b
        if len(result) > limit:
            _refuse("%", len(result), limit)
        return result
    _check_division("%", a, b)
    return a % b


def _floordiv(a, b):
    _check_division("//", a, b)
    return a // b


_INPLACE = {
    "+=": _add,
    "*=": _mul,
    "**=": _pow,
    "<<=": _lshift,
    "%=": _mod,
    "//=": _floordiv,
}


def checked_inplace(op):
    """The checked function for an augmented assignment operator, or None."""
    return _INPLACE.get(op)


def _format_value(value, conversion, spec):
    # f"{value!r:spec}": apply the conversion, check the widths in the spec, format.
    if conversion == 115:
        value = str(value)
    elif conversion == 114:
        value = repr(value)
    elif conversion == 97:
        value = ascii(value)
    limit = _limit()
    for digits in _DIGITS.findall(spec):
        if _number_over(digits, limit):
            _refuse("format", int(digits) if len(digits) < 20 else math.inf, limit)
    return format(value, spec)


def _catchable(spec=None):
    """An ``except`` clause's class(es), never able to catch the budget's Interrupt."""
    if spec is None:  # bare `except:`
        return Exception
    if isinstance(spec, tuple):
        return tuple(_catchable(item) for item in spec)
    if isinstance(spec, type) and issubclass(Interrupt, spec):  # BaseException, reached e.g. via .mro()
        return Exception
    return spec


# --- bounded builtins and methods -------------------------------------------------------


class _GuardedType(type):
    """Metaclass of a stand-in for a builtin type: calling it checks the result,
    ``isinstance``/``issubclass`` and class attributes behave as the real type's. The real type
    is kept under an underscore name, which diagram code cannot reach."""

    def __call__(cls, *args, **kwargs):
        return cls._check(cls._real(*args, **kwargs))

    def __instancecheck__(cls, instance):
        return isinstance(instance, cls._real)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, cls._real)

    def __getattr__(cls, name):
        return getattr(cls._real, name)

    def __repr__(cls):
        return repr(cls._real)


def _check_range(value):
    limit = _limit()
    try:
        if len(value) <= limit:
            return value
    except OverflowError:  # longer than sys.maxsize
        pass
    _refuse("range", abs((value.stop - value.start) // value.step), limit)


def _check_decimal(value):
    # Decimal('1e999999999') is cheap, but int() of it or f"{it:f}" builds a billion digits.
    # Arithmetic keeps to the context's exponent range; only construction can go beyond it.
    if value.is_finite() and value:
        limit = _limit()
        digits = abs(value.adjusted()) + len(value.as_tuple().digits)
        if digits * 3.33 > limit:  # ~bits of the integer it could become
            _refuse("Decimal", digits * 3.33, limit)
    return value


BoundedRange = _GuardedType("range", (), {"_real": range, "_check": staticmethod(_check_range)})
BoundedDecimal = _GuardedType("Decimal", (), {"_real": Decimal, "_check": staticmethod(_check_decimal)})


def _bounded_pow(base, exp, mod=None):
    if mod is None:
        return _pow(base, exp)
    if _is_int(base) and _is_int(exp) and _is_int(mod) and exp > 0:
        # Square-and-multiply: one modular product per bit of the exponent.
        limit = _limit()
        work = exp.bit_length() * (mod.bit_length() // 30 + 1) ** 2
        if work > WORK_FACTOR * limit:
            _refuse("pow", work, WORK_FACTOR * limit)
    return builtins.pow(base, exp, mod)


def _bounded_divmod(a, b):
    _check_division("divmod", a, b)
    return builtins.divmod(a, b)


def _bounded_round(number, ndigits=None):
    # round(5, -10**10) computes 10**(10**10).
    if ndigits is not None and _is_int(number) and _is_int(ndigits) and ndigits < 0:
        _check_int_bits("round", -ndigits * 3.33, _limit())
    return builtins.round(number, ndigits)


def _bounded_sum(iterable, /, start=0):
    # sum(lists, []) concatenates in C, past the checked `+`.
    if isinstance(start, _SEQUENCES):
        total = start
        for item in iterable:
            total = _add(total, item)
        return total
    return builtins.sum(iterable, start)


BOUNDED_BUILTINS = {
    "range": BoundedRange,
    "pow": _bounded_pow,
    "divmod": _bounded_divmod,
    "round": _bounded_round,
    "sum": _bounded_sum,
}
BOUNDED_GLOBALS = {"Decimal": BoundedDecimal}


def _width_check(name):
    def check(text, args, kwargs, limit):
        width = args[0] if args else kwargs.get("width", 0)
        if _is_int(width) and width > limit:
            _refuse(name, width, limit)

    return check


def _check_join(separator, args, kwargs, limit):
    parts = list(args[0]) if args else []
    size = len(separator) * max(len(parts) - 1, 0)
    size += sum(len(part) for part in parts if isinstance(part, (str, bytes, bytearray)))
    if size > limit:
        _refuse("join", size, limit)
    return (parts,)


def _check_replace(text, args, kwargs, limit):
    if len(args) >= 2 and isinstance(args[0], (str, bytes)) and isinstance(args[1], (str, bytes)):
        old, new = args[0], args[1]
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        matches = text.count(old) if old else len(text) + 1
        if _is_int(count) and count >= 0:
            matches = min(matches, count)
        size = len(text) + matches * (len(new) - len(old))
        if size > limit:
            _refuse("replace", size, limit)


def _check_expandtabs(text, args, kwargs, limit):
    tabsize = args[0] if args else kwargs.get("tabsize", 8)
    if _is_int(tabsize) and tabsize > 0:
        size = len(text) + text.count(b"\t" if isinstance(text, (bytes, bytearray)) else "\t") * tabsize
        if size > limit:
            _refuse("expandtabs", size, limit)


def _check_translate(text, args, kwargs, limit):
    table = args[0] if args else None
    if isinstance(text, str) and isinstance(table, dict):
        longest = max((len(value) for value in table.values() if isinstance(value, str)), default=1)
        if len(text) * longest > limit:
            _refuse("translate", len(text) * longest, limit)


def _check_to_bytes(number, args, kwargs, limit):
    length = args[0] if args else kwargs.get("length", 1)
    if _is_int(length) and length > limit:
        _refuse("to_bytes", length, limit)


def _check_extend(target, args, kwargs, limit):
    if args and hasattr(args[0], "__len__") and len(target) + len(args[0]) > limit:
        _refuse("extend", len(target) + len(args[0]), limit)


_TEXT = (str, bytes, bytearray)
# (method name) -> (the types whose method it checks, check(obj, args, kwargs, limit) -> new args or None)
_METHOD_CHECKS = {
    "ljust": (_TEXT, _width_check("ljust")),
    "rjust": (_TEXT, _width_check("rjust")),
    "center": (_TEXT, _width_check("center")),
    "zfill": (_TEXT, _width_check("zfill")),
    "join": (_TEXT, _check_join),
    "replace": (_TEXT, _check_replace),
    "expandtabs": (_TEXT, _check_expandtabs),
    "translate": (_TEXT, _check_translate),
    "to_bytes": ((int,), _check_to_bytes),
    "extend": ((list, bytearray), _check_extend),
}


def _checked_method(method, obj, check):
    def call(*args, **kwargs):
        new_args = check(obj, args, kwargs, _limit())
        return method(*(new_args or args), **kwargs)

    return call


def _checked_unbound(method, types, check):
    # str.ljust(text, width): the instance comes first.
    def call(obj, *args, **kwargs):
        if isinstance(obj, types):
            new_args = check(obj, args, kwargs, _limit())
            return method(obj, *(new_args or args), **kwargs)
        return method(obj, *args, **kwargs)

    return call


def guarded_getattr(obj, name, *default):
    """RestrictedPython's attribute guard, with the size-amplifying methods checked."""
    value = safer_getattr_raise(obj, name, *default)
    checked = _METHOD_CHECKS.get(name)
    if checked is not None:
        types, check = checked
        if isinstance(obj, types):
            return _checked_method(value, obj, check)
        if isinstance(obj, type) and issubclass(obj, types):
            return _checked_unbound(value, types, check)
    return value


GUARDS = {
    "_getattr_": guarded_getattr,
    "_add_": _add,
    "_mul_": _mul,
    "_pow_": _pow,
    "_lshift_": _lshift,
    "_mod_": _mod,
    "_floordiv_": _floordiv,
    "_format_": _format_value,
    "_catchable_": _catchable,
    "_tick_": _tick,
}


# --- compile-time rewrite -----------------------------------------------------------

_BINOP_HELPERS = {
    ast.Add: "_add_",
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Mod: "_mod_",
    ast.FloorDiv: "_floordiv_",
}


def _tick_statement(like):
    statement = ast.Expr(_call("_tick_", [], like))
    copy_locations(statement, like)
    return statement


def _call(name, args, like):
    node = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    copy_locations(node, like)
    copy_locations(node.func, like)
    return node


class BudgetTransformer(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the rewrites the size and time budget need (issue 13 item 1)."""

    def visit_BinOp(self, node):
        node = super().visit_BinOp(node)
        helper = _BINOP_HELPERS.get(type(node.op))
        if helper is None:
            return node
        return _call(helper, [node.left, node.right], node)

    def visit_FormattedValue(self, node):
        node = super().visit_FormattedValue(node)
        if node.format_spec is None:
            return node  # no width: plain str()/repr() of a value that already exists
        conversion = ast.Constant(node.conversion)
        copy_locations(conversion, node)
        value = _call("_format_", [node.value, conversion, node.format_spec], node)
        new = ast.FormattedValue(value=value, conversion=-1, format_spec=None)
        copy_locations(new, node)
        return new

    def visit_ExceptHandler(self, node):
        node = super().visit_ExceptHandler(node)
        node.type = _call("_catchable_", [node.type] if node.type is not None else [], node)
        return node

    def visit_While(self, node):
        node = super().visit_While(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_For(self, node):
        node = super().visit_For(node)
        node.body.insert(0, _tick_statement(node))
        return node

    def visit_FunctionDef(self, node):
        node = super().visit_FunctionDef(node)
        node.body.insert(0, _tick_statement(node.body[0]))
        return node

    def visit_Lambda(self, node):
        node = super().visit_Lambda(node)
        node.body = _call("_tick_", [node.body], node.body)
        return node

    def visit_comprehension(self, node):
        node = super().visit_comprehension(node)
        true = ast.Constant(True)
        copy_locations(true, node.iter)
        node.ifs.insert(0, _call("_tick_", [true], node.iter))  # first: a filter may reject all
        return node
