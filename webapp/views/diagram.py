"""The case's BPMN diagram for the bpmn.io viewer on the case page (issue 15 item 7).

- ``/cases/<id>/diagram.bpmn``: the main BPMN file of the case's definition, as deployed;
- ``/cases/<id>/diagram.json``: what ``webapp/static/webapp/diagram-viewer.js`` draws —
  ``{"xml", "done", "current", "taken"}``: the same file with the lanes named by their roles'
  labels (lanes are named by role code in the files), and the BPMN ids to mark.

Both only for users who can see the case (``queries.case_or_404``: 404 otherwise). The main
file is the one defining the definition's process (as ``webapp.diagram.parse`` picks it); a
process with call activities shows the main process, its call activities marked as a whole.

The marks are the union of two sources, restricted to the elements of the main diagram:

- the engine's state (``webapp.diagram.progress_of``, as the static SVG draws it): events,
  gateways, timers, call activities and the flows taken;
- the database: completed ``HumanTask`` rows and ``complete`` history events are *done*,
  open ``HumanTask`` rows (``case.tasks``) are *current*.

A step that is current again after a 退回 is current, not done.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from lxml import etree

from workflows.models import HistoryAction, HumanTask, TaskCloseReason

from .. import diagram as diagrams
from .. import queries

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def main_source(definition):
    """(file name, XML text) of the BPMN file defining the definition's process, or Http404."""
    process_id = definition.process_id
    for name, text in sorted((definition.deployed_files() or {}).items()):
        if not name.lower().endswith(".bpmn"):
            continue
        raw = text.encode("utf-8") if isinstance(text, str) else text
        try:
            root = etree.fromstring(raw, parser=_PARSER)
        except etree.XMLSyntaxError:
            continue
        if root.find(f"bpmn:process[@id='{process_id}']", diagrams.NS) is not None:
            return name, raw.decode("utf-8")
    raise Http404("no diagram")


def display_xml(xml):
    """The XML with every lane named by its role's label (in the current language)."""
    root = etree.fromstring(xml.encode("utf-8"), parser=_PARSER)
    for lane in root.iter(f"{{{diagrams.BPMN}}}lane"):
        if lane.get("name"):
            lane.set("name", diagrams.lane_label(lane.get("name")))
    return etree.tostring(root, encoding="unicode")


def markers(case):
    """{"done", "current", "taken"}: sorted BPMN ids of the main diagram."""
    from workflows import engine

    try:
        diagram = diagrams.diagram_for(case.definition)
    except (diagrams.DiagramUnavailable, etree.XMLSyntaxError):
        return {"done": [], "current": [], "taken": []}
    try:
        workflow = engine.load_workflow(case.definition, case.state)
    except Exception:  # noqa: BLE001 - as on the case page: a broken state leaves the engine's marks out
        workflow = None
    progress = diagrams.progress_of(diagram, workflow)
    done = set(progress.done)
    done.update(HumanTask.all_objects.filter(instance=case, close_reason=TaskCloseReason.COMPLETED).values_list("bpmn_id", flat=True))
    done.update(case.history.filter(action=HistoryAction.COMPLETE).exclude(task_bpmn_id="").values_list("task_bpmn_id", flat=True))
    current = set(progress.current) | set(case.tasks.values_list("bpmn_id", flat=True))
    nodes = diagram.nodes
    current &= nodes.keys()
    done = (done & nodes.keys()) - current
    return {"done": sorted(done), "current": sorted(current), "taken": sorted(progress.taken)}


@login_required
def case_diagram_xml(request, case_id):
    case = queries.case_or_404(request.user, case_id)
    _name, xml = main_source(case.definition)
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="diagram.bpmn"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def case_diagram_json(request, case_id):
    case = queries.case_or_404(request.user, case_id)
    _name, xml = main_source(case.definition)
    return JsonResponse({"xml": display_xml(xml), **markers(case)}, json_dumps_params={"ensure_ascii": False})
