"""Mutation testing of the core: a small hand-made mutant runner (issue 12 "Tests that bite").

Each mutant is one small change to a target file — a flipped comparison, a number nudged by one,
True↔False, and↔or, ``q |= x`` → ``q = x``, + ↔ -, a removed ``not``, ``return None``, a skipped
statement; in the DMN tables a flipped comparison or a nudged number in an input cell, a swapped
True/False cell, an approving level moved one step, a dropped rule row. For each mutant the
target's own tests run (a few files, ``-x``, with a timeout): a failing run kills the mutant, a
green run lets it survive. A good suite kills nearly all of them.

Nothing is mutated in the shared work tree: the runner exports HEAD (``git archive``) into a
private copy under ``$TMPDIR`` (one per job), links the project's ``.venv`` into it, and writes
each mutant there, restoring the original in a ``finally`` (also on Ctrl-C). Uncommitted files
can be copied over the export with ``--overlay PATH`` (e.g. a test file being written).

    scripts/mutate                              every target (slow: tens of minutes)
    scripts/mutate --target permissions/policy.py --target promotions/rules.py
    scripts/mutate --list --target bpmn/dmn/promotion_hard_limits.dmn
    scripts/mutate --equivalent docs/mutation-equivalent.txt --report /tmp/mutation.md
    scripts/mutate --target workflows/services.py --match "::_involve("   re-run some mutants only

See docs/mutation.md for the targets, the results and the surviving mutants.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import contextlib
import dataclasses
import html
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTEST_FLAGS = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not postgres and not browser", "--no-header", "-o", "addopts="]


@dataclasses.dataclass
class Target:
    path: str
    tests: list[str]
    # Only mutate inside function bodies (model field declarations are schema, not logic).
    functions_only: bool = False
    # Only these top-level functions (None: the whole file).
    functions: tuple[str, ...] | None = None


SERVICE_FUNCTIONS = (
    "start_process",
    "complete_task",
    "return_task",
    "_return_step",
    "withdraw",
    "remind",
    "terminate",
    "claim",
    "unclaim",
    "_require_can_act",
    "_latest_completed",
    "_project_tasks",
)

# Each target and the test files that cover it, chosen so that a run takes seconds. Ordered so
# that the targets other engineers edit (workflows/, bpmn/) come last.
TARGETS = [
    # test_rulebook.py first: its system-check test fails after another file has registered a test process type.
    Target("permissions/policy.py", ["tests/test_rulebook.py", "tests/test_policy_bite.py", "tests/test_engine.py"]),
    Target("permissions/routing.py", ["tests/test_routing_bite.py", "tests/test_rulebook.py", "tests/test_merit_rules.py"]),
    Target(
        "permissions/models.py", ["tests/test_policy_bite.py", "tests/test_routing_bite.py", "tests/test_engine.py"], functions_only=True
    ),
    Target("workdays/calendar.py", ["tests/test_calendar_bite.py", "tests/test_workdays.py", "tests/test_calendar_errors.py"]),
    Target("promotions/rules.py", ["tests/test_rules_bite.py", "tests/test_rulebook.py", "tests/test_promotion.py"]),
    # The one door's acting functions and the gate they share (the whole file is ~300 mutants:
    # too slow for a routine run; the engine internals are covered by the fault tests on PostgreSQL).
    Target(
        "workflows/services.py",
        ["tests/test_services_bite.py", "tests/test_return_bite.py", "tests/test_engine.py", "tests/test_case_records.py"],
        functions=SERVICE_FUNCTIONS,
    ),
    Target("bpmn/dmn/award_approval_authority.dmn", ["tests/test_dmn_boundaries.py", "tests/test_merit_rules.py"]),
    Target("bpmn/dmn/award_eligibility.dmn", ["tests/test_dmn_boundaries.py", "tests/test_merit_rules.py"]),
    Target("bpmn/dmn/promotion_hard_limits.dmn", ["tests/test_dmn_boundaries.py", "tests/test_promotion.py"]),
    Target("bpmn/dmn/promotion_public_approval.dmn", ["tests/test_dmn_boundaries.py", "tests/test_promotion.py"]),
    Target("bpmn/dmn/secondment_eligibility.dmn", ["tests/test_dmn_boundaries.py", "tests/test_secondment_rules.py"]),
]


@dataclasses.dataclass
class Mutant:
    path: str
    line: int
    key: str  # stable across line shifts: path::scope::operator::snippet[#n]
    description: str
    text: str  # the whole mutated file
    status: str = ""  # killed / survived / timeout / error / equivalent
    seconds: float = 0.0


# --------------------------------------------------------------------------- Python mutants

COMPARE_SWAPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.BitOr: ast.BitAnd,
    ast.BitAnd: ast.BitOr,
    ast.Mult: ast.FloorDiv,
    ast.FloorDiv: ast.Mult,
}
SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.Add: "+",
    ast.Sub: "-",
    ast.BitOr: "|",
    ast.BitAnd: "&",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.And: "and",
    ast.Or: "or",
}
# Statements whose removal can only change logging, never behaviour a test could see.
NEVER_SKIP = re.compile(r"^(logger|logging)\.")


def _short(node, limit=90):
    text = ast.unparse(node).replace("\n", " ⏎ ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_docstring(stmt, parent, field, index):
    return (
        index == 0
        and field == "body"
        and isinstance(parent, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def python_sites(tree, target):
    """Every mutation site of the module as (node, scope, operator, before, after, apply).

    ``apply(tree_node)`` mutates the node of a fresh parse at the same position; sites are found
    in the same deterministic order on every parse, so the n-th site of two parses is the same."""
    sites = []

    def add(node, scope, op, before, after, apply):
        sites.append((node, scope, op, before, after, apply))

    def visit(node, parent, field, index, scope, in_function):
        if in_function or (target.functions is None and not target.functions_only):
            collect(node, parent, field, index, scope)
        for child_field, value in ast.iter_fields(node):
            if child_field in ("decorator_list", "returns", "annotation", "type_comment"):
                continue
            children = value if isinstance(value, list) else [value]
            for i, child in enumerate(children):
                if not isinstance(child, ast.AST):
                    continue
                child_scope, child_in_function = scope, in_function
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    child_scope = child.name if scope == "<module>" else f"{scope}.{child.name}"
                    if not isinstance(child, ast.ClassDef):
                        child_in_function = target.functions is None or child_scope.split(".")[0] in target.functions
                visit(child, node, child_field, i if isinstance(value, list) else None, child_scope, child_in_function)

    def collect(node, parent, field, index, scope):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                new = COMPARE_SWAPS.get(type(op))
                if new:

                    def apply(n, i=i, new=new):
                        n.ops[i] = new()

                    add(node, scope, f"{SYMBOL[type(op)]} → {SYMBOL[new]}", _short(node), None, apply)
        elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
            context = (
                _short(parent)
                if isinstance(parent, (ast.keyword, ast.Compare, ast.BinOp, ast.Assign, ast.Return, ast.Call))
                else _short(node)
            )
            if isinstance(node.value, bool):

                def apply(n):
                    n.value = not n.value

                add(node, scope, f"{node.value} → {not node.value}", context, None, apply)
            elif isinstance(node.value, (int, float)) and not isinstance(parent, ast.Slice):
                for delta in (1, -1):

                    def apply(n, delta=delta):
                        n.value = n.value + delta

                    add(node, scope, f"{node.value!r} → {node.value + delta!r}", context, None, apply)
        elif isinstance(node, ast.BoolOp):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And

            def apply(n, new=new):
                n.op = new()

            add(node, scope, f"{SYMBOL[type(node.op)]} → {SYMBOL[new]}", _short(node), None, apply)
        elif isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            new = BINOP_SWAPS[type(node.op)]

            def apply(n, new=new):
                n.op = new()

            add(node, scope, f"{SYMBOL[type(node.op)]} → {SYMBOL[new]}", _short(node), None, apply)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            word = "not" if isinstance(node.op, ast.Not) else "unary -"

            def apply(n, parent_field=field, parent_index=index):
                _replace(n, n.operand)

            add(node, scope, f"remove {word}", _short(node), None, apply)
        if (
            isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ):

            def apply(n):
                n.value = ast.Constant(value=None)

            add(node, scope, "return None", _short(node), None, apply)
        if isinstance(node, ast.AugAssign) and isinstance(node.op, (ast.BitOr, ast.BitAnd, ast.Add, ast.Sub)):

            def apply(n):
                _replace(n, ast.Assign(targets=[n.target], value=n.value, lineno=n.lineno))

            add(node, scope, f"{SYMBOL[type(node.op)]}= → =", _short(node), None, apply)
        skippable = isinstance(node, (ast.Expr, ast.Raise, ast.Continue, ast.AugAssign)) and isinstance(index, int)
        if skippable and not _is_docstring(node, parent, field, index) and not NEVER_SKIP.match(ast.unparse(node)):

            def apply(n):
                _replace(n, ast.Pass(lineno=n.lineno))

            add(node, scope, "skip statement", _short(node), None, apply)

    visit(tree, None, None, None, "<module>", False)
    return sites


def _replace(old, new):
    """Replace ``old`` in its parent by ``new`` (the parent link is set by ``_link``)."""
    parent, field, index = old._mut_parent
    if index is None:
        setattr(parent, field, new)
    else:
        getattr(parent, field)[index] = new


def _link(tree):
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        child._mut_parent = (parent, field, i)
            elif isinstance(value, ast.AST):
                value._mut_parent = (parent, field, None)


def python_mutants(target, source):
    tree = ast.parse(source)
    sites = python_sites(tree, target)
    mutants, seen = [], {}
    for n, (node, scope, op, before, _after, _apply) in enumerate(sites):
        fresh = ast.parse(source)
        _link(fresh)
        fresh_node, *_rest, apply = python_sites(fresh, target)[n]
        apply(fresh_node)
        ast.fix_missing_locations(fresh)
        try:
            text = ast.unparse(fresh) + "\n"
            compile(text, target.path, "exec")
        except (SyntaxError, ValueError):
            continue  # e.g. removing `not` from `not a in b` would not parse back the same
        base = f"{target.path}::{scope}::{op}::{before}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base}#{seen[base]}"
        mutants.append(Mutant(target.path, node.lineno, key, f"{op}: {before}", text))
    return mutants


# --------------------------------------------------------------------------- DMN mutants

CELL = re.compile(r'<(inputEntry|outputEntry) id="([^"]+)"><text>(.*?)</text></\1>', re.S)
RULE = re.compile(r'[ \t]*<rule id="([^"]+)">.*?</rule>\n', re.S)
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
LEVELS = ["township", "county", "city", "province", "central"]
COMPARISON_FLIPS = [
    ("&lt;=", "&lt;"),
    ("&gt;=", "&gt;"),
    ("&lt;", "&lt;="),
    ("&gt;", "&gt;="),
    ("==", "!="),
    ("!=", "=="),
    (" not in ", " in "),
]


def _outside_strings(text):
    """Index ranges of ``text`` that are not inside a "…" string literal."""
    spans, start, quoted = [], 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            if not quoted:
                spans.append((start, i))
            else:
                start = i + 1
            quoted = not quoted
    if not quoted:
        spans.append((start, len(text)))
    return spans


def _cell_variants(kind, cell):
    """(description, new cell text) for one DMN cell."""
    out = []
    raw = html.unescape(cell)
    if kind == "inputEntry" and cell.strip() != "-":
        for start, end in _outside_strings(cell):
            part = cell[start:end]
            taken = set()
            for old, new in COMPARISON_FLIPS:
                for m in re.finditer(re.escape(old), part):
                    pos = start + m.start()
                    if any(pos <= t < pos + len(old) or t <= pos < t + 2 for t in taken):
                        continue
                    if old in ("&lt;", "&gt;") and cell[pos + len(old) : pos + len(old) + 1] == "=":
                        continue
                    taken.add(pos)
                    out.append((f"{html.unescape(old).strip()} → {html.unescape(new).strip()}", cell[:pos] + new + cell[pos + len(old) :]))
            for m in re.finditer(r"(?<!not) in \(", part):
                pos = start + m.start()
                out.append(("in → not in", cell[:pos] + " not in (" + cell[pos + len(m.group()) :]))
            for m in NUMBER.finditer(part):
                pos, value = start + m.start(), m.group()
                steps = (0.01, -0.01) if "." in value else (1, -1)
                for step in steps:
                    new = f"{float(value) + step:.2f}" if "." in value else str(int(value) + step)
                    out.append((f"{value} → {new}", cell[:pos] + new + cell[pos + len(value) :]))
    if raw.strip() in ("True", "False"):
        swapped = "False" if raw.strip() == "True" else "True"
        out.append((f"{raw.strip()} → {swapped}", swapped))
    if kind == "outputEntry" and raw.strip('"') in LEVELS and raw.startswith('"'):
        i = LEVELS.index(raw.strip('"'))
        for j in (i - 1, i + 1):
            if 0 <= j < len(LEVELS):
                out.append((f'{raw} → "{LEVELS[j]}"', f'"{LEVELS[j]}"'))
    return out


def dmn_mutants(target, source):
    mutants = []
    for m in CELL.finditer(source):
        kind, cell_id, cell = m.groups()
        line = source.count("\n", 0, m.start()) + 1
        for what, new_cell in _cell_variants(kind, cell):
            start = m.start(3)
            text = source[:start] + new_cell + source[m.end(3) :]
            shown = html.unescape(cell)
            key = f"{target.path}::{cell_id}::{what}::{shown}"
            mutants.append(Mutant(target.path, line, key, f"{cell_id} `{shown}`: {what}", text))
    for m in RULE.finditer(source):
        line = source.count("\n", 0, m.start()) + 1
        mutants.append(
            Mutant(
                target.path,
                line,
                f"{target.path}::{m.group(1)}::drop rule",
                f"drop rule {m.group(1)}",
                source[: m.start()] + source[m.end() :],
            )
        )
    return mutants


def mutants_of(target, source):
    return dmn_mutants(target, source) if target.path.endswith(".dmn") else python_mutants(target, source)


# --------------------------------------------------------------------------- private trees and runs


def make_tree(base, overlays):
    """HEAD exported into ``base`` (git archive), the overlays copied over it, .venv linked."""
    base.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
    for rel in overlays:
        src = ROOT / rel
        dest = base / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    (base / ".venv").symlink_to(ROOT / ".venv")
    for mo in ROOT.glob("locale/*/LC_MESSAGES/*.mo"):
        dest = base / mo.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(mo, dest)
    return base


class Runner:
    def __init__(self, trees, var_root):
        self.trees = queue.Queue()
        for tree in trees:
            self.trees.put(tree)
        self.var_root = var_root
        self.procs = set()
        self.lock = threading.Lock()

    def pytest(self, tree, tests, timeout):
        env = dict(os.environ)
        env.update(
            MERITFLOW_ENV="test",
            MERITFLOW_VAR_DIR=str(self.var_root / tree.name),
            PYTHONDONTWRITEBYTECODE="1",
            PYTHONPATH=str(tree),
        )
        env.pop("DATABASE_URL", None)
        (self.var_root / tree.name).mkdir(parents=True, exist_ok=True)
        cmd = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", *PYTEST_FLAGS, *tests]
        started = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        with self.lock:
            self.procs.add(proc)
        try:
            out, _ = proc.communicate(timeout=timeout)
            return proc.returncode, out.decode(errors="replace"), time.monotonic() - started
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return None, "", time.monotonic() - started
        finally:
            with self.lock:
                self.procs.discard(proc)

    def run_mutant(self, mutant, tests, timeout):
        tree = self.trees.get()
        path = tree / mutant.path
        original = path.read_bytes()
        try:
            path.write_text(mutant.text, encoding="utf-8")
            rc, out, seconds = self.pytest(tree, tests, timeout)
        finally:
            path.write_bytes(original)  # always restore, also on Ctrl-C or an error
            self.trees.put(tree)
        mutant.seconds = seconds
        if rc is None:
            mutant.status = "timeout"
        elif rc == 0:
            mutant.status = "survived"
        elif rc in (1, 2):
            mutant.status = "killed"  # 1: a test failed; 2: collection/import broke
        else:
            mutant.status = "error"
            mutant.description += f" [pytest exit {rc}: {out.strip().splitlines()[-1:] if out.strip() else ''}]"
        return mutant

    def kill_all(self):
        with self.lock:
            for proc in list(self.procs):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- command line


class PartialRun(Exception):
    """Raised by run_target when interrupted, carrying the target's results so far."""


def select(mutants, matches):
    return [m for m in mutants if any(text in m.key for text in matches)] if matches else mutants


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def load_equivalents(path):
    """Keys of mutants justified as equivalent: one per line, ``KEY -- reason``; # comments."""
    keys = {}
    if not path:
        return keys
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, reason = line.partition(" -- ")
        keys[key.strip()] = reason.strip()
    return keys


def pick_targets(names):
    if not names:
        return TARGETS
    chosen = []
    for name in names:
        matches = [t for t in TARGETS if t.path == name or Path(t.path).stem == name or t.path.startswith(name)]
        if not matches:
            sys.exit(f"unknown target {name!r}; targets: {', '.join(t.path for t in TARGETS)}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", action="append", help="a target path (or its stem, or a folder prefix); repeatable; default all")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--equivalent", metavar="FILE", help="mutants justified as equivalent (KEY -- reason per line): not scored")
    parser.add_argument("--match", action="append", metavar="TEXT", help="only mutants whose key contains TEXT (repeatable: any)")
    parser.add_argument("--tests", nargs="+", help="run these test files instead of the target's own list (e.g. to measure before/after)")
    parser.add_argument("--overlay", nargs="+", default=[], help="uncommitted files to copy from the work tree into the private copy")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run side by side, each in its own private tree (default 1)")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 3 × the unmutated run + 10)")
    parser.add_argument("--report", metavar="FILE", help="also write the summary and the survivors as Markdown")
    parser.add_argument("--keep", action="store_true", help="keep the private trees (printed) for inspection")
    args = parser.parse_args(argv)

    targets = pick_targets(args.target)
    # Started in the background, SIGINT may be ignored: SIGTERM and SIGINT both stop the run cleanly.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _interrupt)
    equivalents = load_equivalents(args.equivalent)
    all_mutants = {}
    for target in targets:
        source = (ROOT / target.path).read_text(encoding="utf-8") if args.list else None
        all_mutants[target.path] = source
    if args.list:
        for target in targets:
            for m in select(mutants_of(target, all_mutants[target.path]), args.match):
                flag = "  [equivalent]" if m.key in equivalents else ""
                print(f"{m.path}:{m.line}: {m.description}{flag}\n    key: {m.key}")
        return 0

    for target in targets:
        if subprocess.run(["git", "-C", str(ROOT), "diff", "--quiet", "HEAD", "--", target.path]).returncode != 0:
            print(f"note: {target.path} has uncommitted changes in the work tree; mutating HEAD's version in a private copy")

    work = Path(tempfile.mkdtemp(prefix="meritflow-mutate-"))
    runner = None
    results = []
    try:
        trees = [make_tree(work / f"tree{i}", args.overlay) for i in range(max(1, args.jobs))]
        runner = Runner(trees, work / "var")
        for target in targets:
            results.append(run_target(runner, target, args, equivalents, trees[0]))
    except (KeyboardInterrupt, PartialRun) as stop:
        print("\ninterrupted: the private trees are restored and removed; the work tree was never touched", file=sys.stderr)
        if runner:
            runner.kill_all()
        if isinstance(stop, PartialRun):
            results.append(stop.args[0])
        print("Partial results (mutants run so far):\n" + render(results))
        return 130
    finally:
        if args.keep:
            print(f"private trees kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    summary = render(results)
    print(summary)
    if args.report:
        Path(args.report).write_text(summary, encoding="utf-8")
    return 0


def run_target(runner, target, args, equivalents, tree):
    tests = args.tests or target.tests
    missing = [t for t in tests if not (tree / t).exists()]
    tests = [t for t in tests if t not in missing]
    if missing:
        print(f"note: {target.path}: test files not in HEAD (commit or --overlay them): {', '.join(missing)}")
    source = (tree / target.path).read_text(encoding="utf-8")
    mutants = select(mutants_of(target, source), args.match)
    print(f"== {target.path}: {len(mutants)} mutants; tests: {' '.join(tests)}", flush=True)
    rc, out, seconds = runner.pytest(tree, tests, timeout=600)
    if rc != 0:
        print(out[-3000:])
        print(f"!! {target.path}: the tests fail on the unmutated tree (exit {rc}); target skipped", flush=True)
        return (target, tests, [], f"tests fail unmutated (exit {rc})")
    timeout = args.timeout or 3 * seconds + 10
    print(f"   unmutated run {seconds:.1f}s → timeout {timeout:.0f}s per mutant", flush=True)
    todo = []
    for m in mutants:
        if m.key in equivalents:
            m.status = "equivalent"
        else:
            todo.append(m)
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(runner.run_mutant, m, tests, timeout) for m in todo]
        try:
            for future in concurrent.futures.as_completed(futures):
                m = future.result()
                done += 1
                mark = {"killed": ".", "survived": "S", "timeout": "T", "error": "E"}[m.status]
                print(mark, end="" if done % 60 else "\n", flush=True)
        except KeyboardInterrupt:
            for f in futures:
                f.cancel()
            runner.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            done_mutants = [m for m in mutants if m.status]
            print(f"\ninterrupted after {len(done_mutants)} of {len(mutants)} mutants", flush=True)
            raise PartialRun((target, tests, done_mutants, "")) from None
    print(flush=True)
    for m in mutants:
        if m.status == "survived":
            print(f"   survived {m.path}:{m.line}: {m.description}\n      key: {m.key}", flush=True)
    return (target, tests, mutants, "")


def render(results):
    lines = ["| target | mutants | equivalent | killed | timeout | survived | score |", "|---|---:|---:|---:|---:|---:|---:|"]
    survivors = []
    for target, _tests, mutants, problem in results:
        if problem:
            lines.append(f"| `{target.path}` | — | — | — | — | — | {problem} |")
            continue
        count = {s: sum(1 for m in mutants if m.status == s) for s in ("equivalent", "killed", "timeout", "survived", "error")}
        scored = len(mutants) - count["equivalent"]
        caught = count["killed"] + count["timeout"] + count["error"]
        score = f"{100 * caught / scored:.1f}%" if scored else "—"
        lines.append(
            f"| `{target.path}` | {len(mutants)} | {count['equivalent']} | {count['killed'] + count['error']} | {count['timeout']} | "
            f"{count['survived']} | {caught}/{scored} = {score} |"
        )
        survivors.extend(m for m in mutants if m.status == "survived")
    lines.append("")
    if survivors:
        lines.append("Survivors:")
        for m in survivors:
            lines.append(f"- `{m.path}:{m.line}` {m.description}\n  key: `{m.key}`")
    else:
        lines.append("No survivors.")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
