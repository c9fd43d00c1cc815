"""Lay out a BPMN file's diagram again from its process: one column per step, one row per lane.

    .venv/bin/python scripts/bpmn_layout.py bpmn/merit_citation.bpmn [more.bpmn …]

The process XML is kept as it is; only ``bpmndi:BPMNDiagram`` is written anew. Columns follow
the longest path from the start event (flows that go back are drawn above, in the lane of their
source); steps of one lane in one column are stacked. Used after adding or moving steps, so a
diagram stays readable without a modeller.
"""

import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
for prefix, uri in NS.items():
    ET.register_namespace(prefix, uri)
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
ET.register_namespace("spiffworkflow", "http://spiffworkflow.org/bpmn/schema/1.0/core")

COLUMN, ROW, LANE_X, POOL_X, FIRST_X = 150, 110, 190, 160, 250
SIZES = {"task": (110, 70), "event": (36, 36), "gateway": (50, 50)}


def _local(tag):
    return tag.split("}")[1]


def _kind(tag):
    name = _local(tag)
    if name.endswith("Gateway"):
        return "gateway"
    if name.endswith("Event"):
        return "event"
    return "task"


def _q(prefix, name):
    return f"{{{NS[prefix]}}}{name}"


def layout(path):
    root = ET.parse(path).getroot()
    process = root.find("bpmn:process", NS)
    collaboration = root.find("bpmn:collaboration", NS)
    participant = collaboration.find("bpmn:participant", NS) if collaboration is not None else None
    nodes, boundaries, flows = {}, {}, []
    for element in process:
        name = _local(element.tag)
        if name == "sequenceFlow":
            flows.append((element.get("id"), element.get("sourceRef"), element.get("targetRef")))
        elif name == "boundaryEvent":
            boundaries[element.get("id")] = element.get("attachedToRef")
        elif name not in ("laneSet", "extensionElements", "documentation", "textAnnotation", "association"):
            nodes[element.get("id")] = _kind(element.tag)
    lanes = [lane for lane in process.iter(_q("bpmn", "lane"))]
    lane_of = {}
    for index, lane in enumerate(lanes):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[ref.text] = index
    for boundary, host in boundaries.items():
        lane_of.setdefault(boundary, lane_of.get(host, 0))

    outgoing = defaultdict(list)
    for flow_id, source, target in flows:
        outgoing[source].append((flow_id, target))
    # Back edges: found by a depth-first walk from the start events (and boundary events).
    back, state = set(), {}

    def walk(node):
        state[node] = "open"
        for flow_id, target in outgoing[node]:
            if state.get(target) == "open":
                back.add(flow_id)
            elif target not in state:
                walk(target)
        state[node] = "done"

    sys.setrecursionlimit(10000)
    starts = [n for n in nodes if _local_tag(process, n) == "startEvent"] + list(boundaries)
    for start in starts + list(nodes):
        if start not in state:
            walk(start)

    column = {}
    incoming = defaultdict(list)
    for flow_id, source, target in flows:
        if flow_id not in back:
            incoming[target].append(source)

    def col(node, seen=()):
        if node in column:
            return column[node]
        if node in boundaries:
            value = col(boundaries[node], seen + (node,))
        else:
            preds = [p for p in incoming[node] if p not in seen]
            value = max((col(p, seen + (node,)) + 1 for p in preds), default=0)
        column[node] = value
        return value

    for node in list(nodes) + list(boundaries):
        col(node)

    # Stack the steps of one lane in one column.
    slots = defaultdict(list)
    for node in nodes:
        slots[(lane_of.get(node, 0), column[node])].append(node)
    sub_row, rows_in_lane = {}, defaultdict(lambda: 1)
    for (lane, _column), members in slots.items():
        for index, node in enumerate(members):
            sub_row[node] = index
        rows_in_lane[lane] = max(rows_in_lane[lane], len(members))
    lane_top, y = {}, 0
    for index in range(max(len(lanes), 1)):
        lane_top[index] = y
        y += 50 + ROW * rows_in_lane[index]
    height = y
    width_columns = max(column.values(), default=0) + 1
    width = FIRST_X - LANE_X + COLUMN * width_columns + 40

    bounds = {}
    for node, kind in nodes.items():
        w, h = SIZES[kind]
        cx = FIRST_X + COLUMN * column[node]
        cy = lane_top[lane_of.get(node, 0)] + 80 + ROW * sub_row[node]
        bounds[node] = (cx - w / 2, cy - h / 2, w, h)
    for boundary, host in boundaries.items():
        hx, hy, hw, hh = bounds[host]
        bounds[boundary] = (hx + hw - 30, hy + hh - 18, 36, 36)

    diagram = ET.Element(_q("bpmndi", "BPMNDiagram"), id=f"BPMNDiagram_{process.get('id')}")
    plane_ref = collaboration.get("id") if collaboration is not None else process.get("id")
    plane = ET.SubElement(diagram, _q("bpmndi", "BPMNPlane"), id=f"BPMNPlane_{process.get('id')}", bpmnElement=plane_ref)

    def shape(element_id, x, y, w, h, label=False, **extra):
        node = ET.SubElement(plane, _q("bpmndi", "BPMNShape"), id=f"{element_id}_di", bpmnElement=element_id, **extra)
        ET.SubElement(node, _q("dc", "Bounds"), x=_n(x), y=_n(y), width=_n(w), height=_n(h))
        if label:
            text = ET.SubElement(node, _q("bpmndi", "BPMNLabel"))
            ET.SubElement(text, _q("dc", "Bounds"), x=_n(x + w / 2 - 45), y=_n(y + h + 4), width="90", height="14")

    if participant is not None:
        shape(participant.get("id"), POOL_X, 0, width + LANE_X - POOL_X, height, isHorizontal="true")
    for index, lane in enumerate(lanes):
        shape(lane.get("id"), LANE_X, lane_top[index], width, 50 + ROW * rows_in_lane[index], isHorizontal="true")
    for node, kind in nodes.items():
        x, y, w, h = bounds[node]
        extra = {"isMarkerVisible": "true"} if kind == "gateway" and _local_tag(process, node) == "exclusiveGateway" else {}
        shape(node, x, y, w, h, label=kind != "task", **extra)
    for boundary in boundaries:
        x, y, w, h = bounds[boundary]
        shape(boundary, x, y, w, h, label=True)

    for flow_id, source, target in flows:
        sx, sy, sw, sh = bounds[source]
        tx, ty, tw, th = bounds[target]
        if flow_id in back:
            top = lane_top[min(lane_of.get(source, 0), lane_of.get(target, 0))] + 12
            points = [(sx + sw / 2, sy), (sx + sw / 2, top), (tx + tw / 2, top), (tx + tw / 2, ty)]
        elif source in boundaries:
            points = [(sx + sw / 2, sy + sh), (sx + sw / 2, ty + th / 2), (tx, ty + th / 2)]
            if tx < sx + sw / 2:
                points = [(sx + sw / 2, sy + sh), (sx + sw / 2, ty), (tx + tw / 2, ty)]
        else:
            start, end = (sx + sw, sy + sh / 2), (tx, ty + th / 2)
            if abs(start[1] - end[1]) < 1:
                points = [start, end]
            else:
                middle = (start[0] + end[0]) / 2
                points = [start, (middle, start[1]), (middle, end[1]), end]
        edge = ET.SubElement(plane, _q("bpmndi", "BPMNEdge"), id=f"{flow_id}_di", bpmnElement=flow_id)
        for px, py in points:
            ET.SubElement(edge, _q("di", "waypoint"), x=_n(px), y=_n(py))

    # Splice the new diagram into the file's text, so the process part stays byte for byte.
    ET.indent(diagram, space="  ", level=1)
    text = ET.tostring(diagram, encoding="unicode")
    text = re.sub(r' xmlns:\w+="[^"]+"', "", text, count=len(NS))
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    start = source.index("<bpmndi:BPMNDiagram")
    end = source.index("</bpmndi:BPMNDiagram>") + len("</bpmndi:BPMNDiagram>")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(source[:start] + text + source[end:])


def _local_tag(process, element_id):
    for element in process:
        if element.get("id") == element_id:
            return _local(element.tag)
    return ""


def _n(value):
    return str(int(round(value)))


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        layout(argument)
        print(f"laid out {argument}")
