"""The process diagram as inline SVG, drawn from the BPMN file's own layout (BPMN DI).

No JavaScript library and no CDN: the deployed definition keeps its source files
(``ProcessDefinition.deployed_files()``); this module reads the shapes, lanes and edges of the
diagram with lxml and writes plain SVG. A case's progress is laid on top:

- *done*: flow nodes with a completed task in the workflow state;
- *current*: the tasks and events the case is at (ready user tasks, waiting timers/messages,
  a task stopped by an error);
- *taken*: sequence flows the case went along — an edge of the engine's task tree from a
  task of the flow's source to a task of its target.

After a 退回 the engine drops the branch that was returned, so the marks show the path the
case is on now; the history table lists everything that happened.
"""

import math
import threading
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.translation import gettext as _
from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}

TASK_TYPES = {
    "task",
    "userTask",
    "serviceTask",
    "scriptTask",
    "businessRuleTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "callActivity",
    "subProcess",
}
EVENT_TYPES = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
GATEWAY_TYPES = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway"}


@dataclass
class Shape:
    id: str
    kind: str  # the BPMN element's local name: userTask, startEvent, lane …
    name: str
    x: float
    y: float
    w: float
    h: float
    label: tuple | None = None  # (x, y, w, h) of an external label
    event_kind: str = ""  # timer / message / "" for events
    marker: bool = True  # gateway marker visible
    expanded: bool = False  # an expanded sub-process: a container drawn under its contents


@dataclass
class Edge:
    id: str
    name: str
    source: str
    target: str
    points: list = field(default_factory=list)


@dataclass
class Diagram:
    process_id: str
    bounds: tuple  # min x, min y, width, height
    pools: list
    lanes: list
    nodes: dict  # id → Shape
    edges: list

    def node_name(self, node_id):
        node = self.nodes.get(node_id)
        return node.name if node else node_id


class DiagramUnavailable(Exception):
    pass


_cache = {}
_cache_lock = threading.Lock()


def diagram_for(definition):
    """The parsed diagram of a deployed definition (cached: definitions never change)."""
    key = (definition.pk, definition.content_hash)
    diagram = _cache.get(key)
    if diagram is None:
        diagram = parse(definition.deployed_files() or {}, definition.process_id)
        with _cache_lock:
            _cache[key] = diagram
    return diagram


def parse(source_files, process_id):
    """Find the BPMN file defining ``process_id`` among ``source_files`` and read its layout."""
    for name, text in sorted(source_files.items()):
        if not name.lower().endswith(".bpmn"):
            continue
        root = etree.fromstring(
            text.encode("utf-8") if isinstance(text, str) else text, parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
        process = root.find(f"bpmn:process[@id='{process_id}']", NS)
        if process is not None:
            return _read(root, process)
    raise DiagramUnavailable(_("找不到流程“%(process)s”的流程图") % {"process": process_id})


def _local(tag):
    return etree.QName(tag).localname


def _bounds(element):
    b = element.find("dc:Bounds", NS)
    if b is None:
        return None
    return tuple(float(b.get(k, 0)) for k in ("x", "y", "width", "height"))


def _read(root, process):
    elements = {}  # id → (kind, name, element)
    for element in process.iter():
        if not isinstance(element.tag, str) or element.get("id") is None:
            continue
        elements[element.get("id")] = (_local(element.tag), element.get("name") or "", element)
    for participant in root.iter(f"{{{BPMN}}}participant"):
        if participant.get("processRef") == process.get("id"):
            elements[participant.get("id")] = ("participant", participant.get("name") or "", participant)

    plane = None
    for diagram in root.findall("bpmndi:BPMNDiagram", NS):
        candidate = diagram.find("bpmndi:BPMNPlane", NS)
        if candidate is not None and any(s.get("bpmnElement") in elements for s in candidate.findall("bpmndi:BPMNShape", NS)):
            plane = candidate
            break
    if plane is None:
        raise DiagramUnavailable(_("流程图文件中没有布局信息（BPMN DI）"))

    pools, lanes, nodes, edges = [], [], {}, []
    xs, ys = [], []
    for di_shape in plane.findall("bpmndi:BPMNShape", NS):
        ref = di_shape.get("bpmnElement")
        if ref not in elements:
            continue
        kind, name, element = elements[ref]
        box = _bounds(di_shape)
        if box is None:
            continue
        label_el = di_shape.find("bpmndi:BPMNLabel", NS)
        label = _bounds(label_el) if label_el is not None else None
        shape = Shape(
            ref,
            kind,
            name,
            *box,
            label=label,
            marker=di_shape.get("isMarkerVisible", "true") != "false",
            expanded=di_shape.get("isExpanded") == "true",
        )
        if kind in EVENT_TYPES:
            shape.event_kind = _event_kind(element)
        xs += [box[0], box[0] + box[2]]
        ys += [box[1], box[1] + box[3]]
        if label:
            xs += [label[0], label[0] + label[2]]
            ys += [label[1], label[1] + label[3]]
        if kind == "participant":
            pools.append(shape)
        elif kind == "lane":
            lanes.append(shape)
        else:
            nodes[ref] = shape
    for di_edge in plane.findall("bpmndi:BPMNEdge", NS):
        ref = di_edge.get("bpmnElement")
        if ref not in elements or elements[ref][0] != "sequenceFlow":
            continue
        element = elements[ref][2]
        points = [(float(p.get("x")), float(p.get("y"))) for p in di_edge.findall("di:waypoint", NS)]
        if len(points) < 2:
            continue
        xs += [p[0] for p in points]
        ys += [p[1] for p in points]
        edges.append(Edge(ref, elements[ref][1], element.get("sourceRef"), element.get("targetRef"), points))
    if not xs:
        raise DiagramUnavailable(_("流程图文件中没有布局信息（BPMN DI）"))
    pad = 10
    min_x, min_y = min(xs) - pad, min(ys) - pad
    bounds = (min_x, min_y, max(xs) + pad - min_x, max(ys) + pad - min_y)
    return Diagram(process.get("id"), bounds, pools, lanes, nodes, edges)


def _event_kind(element):
    for child in element:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if name.endswith("EventDefinition"):
            return name[: -len("EventDefinition")]
    return ""


# --------------------------------------------------------------------------- progress


@dataclass
class Progress:
    done: set = field(default_factory=set)
    current: set = field(default_factory=set)
    taken: set = field(default_factory=set)  # edge ids


def progress_of(diagram, workflow):
    """Done nodes, current nodes and taken flows of a restored SpiffWorkflow workflow."""
    from SpiffWorkflow.util.task import TaskState

    progress = Progress()
    if workflow is None:
        return progress
    reached = set()  # task ids of tasks that actually ran or are running
    by_pair = {}
    for edge in diagram.edges:
        by_pair.setdefault((edge.source, edge.target), []).append(edge.id)
    for task in workflow.get_tasks():
        spec_id = getattr(task.task_spec, "bpmn_id", None)
        if spec_id not in diagram.nodes:
            continue
        state = task.state
        if state == TaskState.COMPLETED:
            progress.done.add(spec_id)
            reached.add(task.id)
        elif state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.ERROR):
            progress.current.add(spec_id)
            reached.add(task.id)
    for task in workflow.get_tasks():
        if task.id not in reached:
            continue
        parent = task.parent
        # Skip engine-internal tasks between two diagram nodes (none in practice, but cheap).
        while parent is not None and getattr(parent.task_spec, "bpmn_id", None) not in diagram.nodes:
            parent = parent.parent
        if parent is None:
            continue
        pair = (parent.task_spec.bpmn_id, task.task_spec.bpmn_id)
        progress.taken.update(by_pair.get(pair, []))
    # An event-based gateway that is waiting is current, not done; its events are current too.
    progress.done -= progress.current
    return progress


# --------------------------------------------------------------------------- drawing

CJK_WIDTH = 12.5  # px per CJK character at the 12.5px task font
LATIN_WIDTH = 7.0


def _text_width(text, size=12.5):
    return sum(size if ord(ch) > 0x2E80 else size * 0.56 for ch in text)


def _wrap(text, width, size=12.5):
    """Split ``text`` into lines no wider than ``width`` (CJK text breaks between any two characters)."""
    lines, line = [], ""
    for ch in text:
        if line and _text_width(line + ch, size) > width:
            lines.append(line)
            line = ""
        line += ch
    if line:
        lines.append(line)
    return lines or [""]


def _fmt(v):
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text_lines(x, y, lines, size, css="", anchor="middle"):
    """<text> centred vertically on ``y`` with one <tspan> per line."""
    height = size * 1.25
    top = y - height * (len(lines) - 1) / 2
    spans = "".join(f'<tspan x="{_fmt(x)}" y="{_fmt(top + i * height)}">{escape(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text class="{css}" font-size="{_fmt(size)}" text-anchor="{anchor}" dominant-baseline="central">{spans}</text>'


def lane_label(name):
    """Lanes are named by role code (or Chinese name): show the role's Chinese label."""
    from permissions.roles import UnknownLane, role_for_lane

    try:
        return str(role_for_lane(name).label)
    except UnknownLane:
        return name


def render_svg(diagram, progress=None, *, title=""):
    """The diagram as an <svg> element (a string, safe to mark_safe: every text is escaped)."""
    progress = progress or Progress()
    x0, y0, width, height = diagram.bounds
    out = []
    desc = describe(diagram, progress)
    title_text = title or _("流程图")
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bpmn" viewBox="{_fmt(x0)} {_fmt(y0)} {_fmt(width)} {_fmt(height)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" role="img" aria-labelledby="bpmn-title bpmn-desc" '
        f'font-family="Noto Sans CJK SC, Microsoft YaHei, PingFang SC, sans-serif">'
        f'<title id="bpmn-title">{escape(title_text)}</title><desc id="bpmn-desc">{escape(desc)}</desc>'
        "<defs>"
        '<marker id="bpmn-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrow"/></marker>'
        '<marker id="bpmn-arrow-taken" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrow taken"/></marker>'
        "</defs>"
    )
    for pool in diagram.pools:
        out.append(f'<g class="pool"><rect x="{_fmt(pool.x)}" y="{_fmt(pool.y)}" width="{_fmt(pool.w)}" height="{_fmt(pool.h)}"/>')
        cx, cy = pool.x + 15, pool.y + pool.h / 2
        out.append(
            f'<text class="pool-name" font-size="14" text-anchor="middle" dominant-baseline="central" '
            f'transform="rotate(-90 {_fmt(cx)} {_fmt(cy)})" x="{_fmt(cx)}" y="{_fmt(cy)}">{escape(pool.name)}</text></g>'
        )
    for lane in diagram.lanes:
        out.append(f'<g class="lane"><rect x="{_fmt(lane.x)}" y="{_fmt(lane.y)}" width="{_fmt(lane.w)}" height="{_fmt(lane.h)}"/>')
        cx, cy = lane.x + 15, lane.y + lane.h / 2
        label = lane_label(lane.name)
        lines = _wrap(label, lane.h - 12, 13)
        out.append(f'<g transform="rotate(-90 {_fmt(cx)} {_fmt(cy)})">{_text_lines(cx, cy, lines, 13, "lane-name")}</g></g>')
    containers = [n for n in diagram.nodes.values() if n.expanded]
    for node in containers:  # under the flows and shapes they contain
        state = "current" if node.id in progress.current else "done" if node.id in progress.done else ""
        out.append(_container(node, state))
    for edge in diagram.edges:
        taken = edge.id in progress.taken
        points = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in edge.points)
        marker = "bpmn-arrow-taken" if taken else "bpmn-arrow"
        out.append(
            f'<g class="flow{" taken" if taken else ""}" data-flow="{escape(edge.id)}">'
            f'<polyline points="{points}" marker-end="url(#{marker})"/>'
        )
        if edge.name:
            lx, ly, vertical = _edge_label_point(edge.points)
            lines = _wrap(edge.name, 120, 11)
            if vertical:
                out.append(_text_lines(lx + 5, ly, lines, 11, "flow-name", anchor="start"))
            else:
                out.append(_text_lines(lx, ly - 8 - (len(lines) - 1) * 7, lines, 11, "flow-name"))
        out.append("</g>")
    for node in diagram.nodes.values():
        if node.expanded:
            continue
        state = "current" if node.id in progress.current else "done" if node.id in progress.done else ""
        out.append(_node(node, state))
    out.append("</svg>")
    return "".join(out)


def _container(node, state):
    css = f"node container {node.kind}{' ' + state if state else ''}"
    lines = _wrap(node.name, node.w - 20, 12.5)
    label = _text_lines(node.x + 10, node.y + 14 + (len(lines) - 1) * 7.8, lines, 12.5, "node-name", anchor="start")
    return (
        f'<g class="{css}" data-node="{escape(node.id)}"><rect class="shape" x="{_fmt(node.x)}" y="{_fmt(node.y)}" '
        f'width="{_fmt(node.w)}" height="{_fmt(node.h)}" rx="10"/>{label}<title>{escape(node.name)}</title></g>'
    )


def _edge_label_point(points):
    """Midpoint of the longest segment, and whether that segment is vertical."""
    best, best_len = (points[0], points[1]), -1
    for a, b in zip(points, points[1:]):
        length = math.dist(a, b)
        if length > best_len:
            best, best_len = (a, b), length
    (ax, ay), (bx, by) = best
    return (ax + bx) / 2, (ay + by) / 2, abs(ax - bx) < abs(ay - by)


def _node(node, state):
    x, y, w, h = node.x, node.y, node.w, node.h
    css = f"node {node.kind}{' ' + state if state else ''}"
    attrs = f'class="{css}" data-node="{escape(node.id)}"'
    if state == "current":
        attrs += ' aria-current="step"'
    parts = [f"<g {attrs}>"]
    if node.kind in TASK_TYPES:
        parts.append(f'<rect class="shape" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}" rx="10"/>')
        parts.append(_task_icon(node.kind, x + 6, y + 6))
        lines = _wrap(node.name, w - 12)
        parts.append(_text_lines(x + w / 2, y + h / 2 + 4, lines, 12.5, "node-name"))
    elif node.kind in EVENT_TYPES:
        cx, cy, r = x + w / 2, y + h / 2, min(w, h) / 2
        parts.append(f'<circle class="shape" cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r)}"/>')
        if node.kind in ("intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"):
            parts.append(f'<circle class="inner" cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r - 3)}"/>')
        parts.append(_event_icon(node.event_kind, cx, cy, r))
        parts.append(_outside_label(node))
    elif node.kind in GATEWAY_TYPES:
        cx, cy = x + w / 2, y + h / 2
        parts.append(
            f'<polygon class="shape" points="{_fmt(cx)},{_fmt(y)} {_fmt(x + w)},{_fmt(cy)} {_fmt(cx)},{_fmt(y + h)} {_fmt(x)},{_fmt(cy)}"/>'
        )
        parts.append(_gateway_marker(node, cx, cy))
        parts.append(_outside_label(node))
    else:
        parts.append(f'<rect class="shape" x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}"/>')
    done_text, current_text = _("已完成"), _("当前环节")
    if state == "done":
        parts.append(f"<title>{escape(node.name)}：{escape(done_text)}</title>")
    elif state == "current":
        parts.append(f"<title>{escape(node.name)}：{escape(current_text)}</title>")
    elif node.name:
        parts.append(f"<title>{escape(node.name)}</title>")
    parts.append("</g>")
    return "".join(parts)


def _outside_label(node):
    if not node.name:
        return ""
    if node.label:
        lx, ly, lw, lh = node.label
        lines = _wrap(node.name, max(lw, 60), 11.5)
        return _text_lines(lx + lw / 2, ly + lh / 2 + (len(lines) - 1) * 7, lines, 11.5, "node-label")
    lines = _wrap(node.name, 90, 11.5)
    return _text_lines(node.x + node.w / 2, node.y + node.h + 10 + (len(lines) - 1) * 7, lines, 11.5, "node-label")


def _task_icon(kind, x, y):
    if kind == "userTask":  # a person
        return (
            f'<g class="icon"><circle cx="{_fmt(x + 6)}" cy="{_fmt(y + 4)}" r="3.2"/><path d="M{_fmt(x)},{_fmt(y + 14)} q6,-9 12,0 z"/></g>'
        )
    if kind == "serviceTask":  # a cog
        return (
            f'<g class="icon"><circle cx="{_fmt(x + 6)}" cy="{_fmt(y + 6)}" r="5" fill="none" stroke-width="2.4" '
            f'stroke-dasharray="2.2 1.7"/><circle cx="{_fmt(x + 6)}" cy="{_fmt(y + 6)}" r="2"/></g>'
        )
    if kind == "businessRuleTask":  # a table
        return (
            f'<g class="icon"><rect x="{_fmt(x)}" y="{_fmt(y)}" width="14" height="10" fill="none"/>'
            f'<line x1="{_fmt(x)}" y1="{_fmt(y + 3.5)}" x2="{_fmt(x + 14)}" y2="{_fmt(y + 3.5)}"/>'
            f'<line x1="{_fmt(x + 4.5)}" y1="{_fmt(y + 3.5)}" x2="{_fmt(x + 4.5)}" y2="{_fmt(y + 10)}"/></g>'
        )
    if kind == "scriptTask":  # a sheet with lines
        return (
            f'<g class="icon"><rect x="{_fmt(x + 1)}" y="{_fmt(y)}" width="11" height="13" fill="none"/>'
            f'<line x1="{_fmt(x + 3)}" y1="{_fmt(y + 4)}" x2="{_fmt(x + 10)}" y2="{_fmt(y + 4)}"/>'
            f'<line x1="{_fmt(x + 3)}" y1="{_fmt(y + 8)}" x2="{_fmt(x + 10)}" y2="{_fmt(y + 8)}"/></g>'
        )
    return ""


def _event_icon(kind, cx, cy, r):
    if kind == "timer":
        return (
            f'<g class="icon"><circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r - 7)}" fill="none"/>'
            f'<path d="M{_fmt(cx)},{_fmt(cy - r + 10)} L{_fmt(cx)},{_fmt(cy)} L{_fmt(cx + 6)},{_fmt(cy + 3)}" fill="none"/></g>'
        )
    if kind == "message":
        return (
            f'<g class="icon"><rect x="{_fmt(cx - 9)}" y="{_fmt(cy - 6)}" width="18" height="12" fill="none"/>'
            f'<path d="M{_fmt(cx - 9)},{_fmt(cy - 6)} L{_fmt(cx)},{_fmt(cy + 1)} L{_fmt(cx + 9)},{_fmt(cy - 6)}" fill="none"/></g>'
        )
    if kind in ("terminate",):
        return f'<circle class="icon" cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="{_fmt(r - 8)}"/>'
    return ""


def _gateway_marker(node, cx, cy):
    if node.kind == "exclusiveGateway":
        if not node.marker:
            return ""
        return (
            f'<g class="icon marker"><line x1="{_fmt(cx - 8)}" y1="{_fmt(cy - 8)}" x2="{_fmt(cx + 8)}" y2="{_fmt(cy + 8)}"/>'
            f'<line x1="{_fmt(cx + 8)}" y1="{_fmt(cy - 8)}" x2="{_fmt(cx - 8)}" y2="{_fmt(cy + 8)}"/></g>'
        )
    if node.kind == "parallelGateway":
        return (
            f'<g class="icon marker"><line x1="{_fmt(cx - 10)}" y1="{_fmt(cy)}" x2="{_fmt(cx + 10)}" y2="{_fmt(cy)}"/>'
            f'<line x1="{_fmt(cx)}" y1="{_fmt(cy - 10)}" x2="{_fmt(cx)}" y2="{_fmt(cy + 10)}"/></g>'
        )
    if node.kind == "inclusiveGateway":
        return f'<circle class="icon" cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="9" fill="none" stroke-width="2.5"/>'
    if node.kind == "eventBasedGateway":
        pts = " ".join(f"{_fmt(cx + 7 * math.sin(a))},{_fmt(cy - 7 * math.cos(a))}" for a in [i * 2 * math.pi / 5 for i in range(5)])
        return (
            f'<g class="icon hollow"><circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="12" fill="none"/>'
            f'<circle cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="10" fill="none"/><polygon points="{pts}" fill="none"/></g>'
        )
    return ""


def describe(diagram, progress):
    """A sentence for screen readers (and the page): which steps are done and where the case is."""

    def names(ids):
        return "、".join(
            diagram.node_name(i) for i in sorted(ids, key=lambda i: (diagram.nodes[i].x, diagram.nodes[i].y)) if diagram.node_name(i)
        )

    parts = []
    if progress.current:
        parts.append(_("当前环节：%(steps)s") % {"steps": names(progress.current)})
    if progress.done:
        parts.append(_("已完成：%(steps)s") % {"steps": names(progress.done)})
    return "；".join(parts) or _("流程图")


def case_diagram(instance):
    """(svg, description) for a case, or (None, reason) when the diagram cannot be drawn."""
    from workflows import engine

    try:
        diagram = diagram_for(instance.definition)
    except (DiagramUnavailable, etree.XMLSyntaxError) as exc:
        return None, str(exc)
    try:
        workflow = engine.load_workflow(instance.definition, instance.state)
    except Exception:  # noqa: BLE001 - a broken state must not break the page; the diagram is drawn bare
        workflow = None
    progress = progress_of(diagram, workflow)
    return render_svg(diagram, progress, title=instance.definition.name), describe(diagram, progress)
