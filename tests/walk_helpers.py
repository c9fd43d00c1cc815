"""Reading a case the way people and API clients see it, at every step (issue 11 item 7).

``Walk`` opens, before each step and at the end, the case page and every open task's page (each
as a user who may act on it), the API case detail and the API task details, and finally the text
of every issued PDF; ``findings`` lists what is not readable in any of them: a Python repr, a bare
id list, an internal code shown as a value, a doubled full-width colon or full stop, a raw ISO date
where a label is expected. No tests here.
"""

import io
import re
from html.parser import HTMLParser

from django.contrib.auth import get_user_model
from django.test import Client
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from documents.models import IssuedDocument
from permissions import policy
from workflows import services
from workflows.models import HumanTask, InstanceStatus, ProcessInstance

# --------------------------------------------------------------------------- what is not readable

# A Python repr of a dict, list, Decimal, date or None shown as text.
REPRS = [
    (re.compile(r"\{'"), "a dict repr"),
    (re.compile(r"'\}"), "a dict repr"),
    (re.compile(r"\['"), "a list repr"),
    (re.compile(r"'\]"), "a list repr"),
    (re.compile(r"\[\d+(?:, ?\d+)*\]"), "a bare id list"),
    (re.compile(r"'\s?: "), "a dict repr"),
    (re.compile(r"Decimal\("), "a Decimal repr"),
    (re.compile(r"datetime\.(?:date|datetime|time)\("), "a date repr"),
    (re.compile(r"(?<![A-Za-z_])(?:None|True|False)(?![A-Za-z_])"), "None/True/False shown as a value"),
    (re.compile(r"：\s*："), "a doubled full-width colon"),
    (re.compile(r"。\s*。"), "a doubled full stop"),
]
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")


def step_forms():
    """{(process id, step): form class} of every user task and start event of the deployed processes."""
    from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
    from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

    from workflows import engine
    from workflows.forms import form_class_for
    from workflows.models import ProcessDefinition

    found = {}
    for definition in ProcessDefinition.objects.all():
        spec, subprocesses = engine.specs_for(definition)
        for process in [spec, *subprocesses.values()]:
            for task in process.task_specs.values():
                if isinstance(task, (UserTask, StartEvent)):
                    try:
                        found[(definition.process_id, task.bpmn_id)] = form_class_for(definition.process_id, task.bpmn_id)
                    except Exception:  # noqa: BLE001 - a start event without a form
                        continue
    return found


def internal_codes():
    """Every code a step's form offers as a choice or an action, and the record codes behind them."""
    from django import forms

    from documents.models import DocumentKind
    from notices.models import ObjectionOutcome
    from promotions.issuing import GROUNDS
    from records.models import AssessmentGrade, AwardKind, RankLevel

    codes = set()
    for form_class in set(step_forms().values()):
        for action in getattr(form_class, "actions", []):
            codes.add(action.code)
        for field in form_class.base_fields.values():
            if isinstance(field, forms.ChoiceField):
                codes.update(str(value) for value, _label in field.choices)
    for choices in (AwardKind, RankLevel, AssessmentGrade, ObjectionOutcome, DocumentKind):
        codes.update(str(value) for value in choices.values)
    codes.update(GROUNDS)
    return sorted(c for c in codes if c and not c.isdigit())


def _code_pattern(codes):
    # ASCII word boundaries: a code glued to Chinese text ("同意approve") is still found.
    return re.compile(
        r"(?<![A-Za-z0-9_.\-/])(" + "|".join(re.escape(c) for c in sorted(codes, key=len, reverse=True)) + r")(?![A-Za-z0-9_.\-/])"
    )


class _Text(HTMLParser):
    """The text a reader sees: text nodes only (no attributes, so no option values, URLs or
    input values), without scripts and styles."""

    SKIP = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def html_text(html):
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def pdf_text(document):
    pdf = bytes(IssuedDocument.objects.defer(None).get(pk=document.pk).pdf)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# Keys of the API's JSON whose strings are meant for people (labels, names, texts), not codes.
HUMAN_KEYS = {
    "name",
    "title",
    "opinion",
    "text",
    "refusal",
    "return_reason",
    "returned_from",
    "eligibility_failures",
    "label",
    "display",
    "content",
    "finding",
}


def _human_strings(value, key="", path=""):
    """(path, string) of every string in the JSON under a key meant for people."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _human_strings(v, k, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _human_strings(v, key, f"{path}[{i}]")
    elif isinstance(value, str) and (key in HUMAN_KEYS or key.endswith("_label")):
        yield path, value


def _all_strings(value, path=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _all_strings(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _all_strings(v, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


def _excerpt(text, match, width=40):
    start, end = max(0, match.start() - width), min(len(text), match.end() + width)
    return text[start:end].replace("\n", "⏎")


# --------------------------------------------------------------------------- the walk


class Walk:
    """Looks at a case before each step and at its end; collects what is not readable."""

    def __init__(self, viewer):
        self.viewer = viewer  # who opens the case page and the API case detail (e.g. the starter)
        self.codes = internal_codes()
        self.code_re = _code_pattern(self.codes)
        self.findings = []  # (where, what, excerpt)
        self.looked = {"case pages": 0, "task pages": 0, "API case details": 0, "API task details": 0, "PDFs": 0}
        self.steps = []  # the BPMN ids of the steps acted on, in order
        self.last_page, self.last_api = "", {}  # the text of the last case page, the last API case detail
        self._web, self._api = {}, {}

    # ----- clients
    def web(self, user):
        if user.pk not in self._web:
            client = Client()
            client.force_login(user)
            self._web[user.pk] = client
        return self._web[user.pk]

    def api(self, user):
        if user.pk not in self._api:
            client = APIClient()
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            self._api[user.pk] = client
        return self._api[user.pk]

    # ----- checks
    def _find(self, where, what, text, match):
        self.findings.append((where, what, _excerpt(text, match)))

    def check_text(self, where, text, *, codes=True, dates=True):
        for pattern, what in REPRS:
            for match in pattern.finditer(text):
                self._find(where, what, text, match)
        if codes:
            for match in self.code_re.finditer(text):
                self._find(where, f"the internal code {match.group(1)!r}", text, match)
        if dates:
            for match in ISO_DATE.finditer(text):
                self._find(where, "a raw ISO date", text, match)

    def check_json(self, where, body):
        for path, text in _all_strings(body):
            for pattern, what in REPRS[:8]:  # reprs have no place in any string of the API
                for match in pattern.finditer(text):
                    self._find(f"{where} {path}", what, text, match)
        for path, text in _human_strings(body):
            self.check_text(f"{where} {path}", text)

    # ----- looking
    @staticmethod
    def holder(task):
        """Someone who may act on the task (else someone who may see it: the page is read-only then)."""
        holders = policy.holders_of(task.role, task.unit)
        for user in holders:
            if policy.act_refusal(user, task, task.instance) is None:
                return user
        return holders[0] if holders else get_user_model().objects.get(username="admin")

    def look(self, case, moment):
        case = ProcessInstance.objects.get(pk=case.pk)
        assert case.status != InstanceStatus.ERROR, f"{moment}: the case is in error: {case.error_message}"
        response = self.web(self.viewer).get(f"/cases/{case.pk}/")
        assert response.status_code == 200, (moment, response.status_code)
        self.looked["case pages"] += 1
        self.last_page = html_text(response.content.decode())
        self.check_text(f"{moment} · case page", self.last_page)
        body = self.api(self.viewer).get(f"/api/v1/processes/{case.pk}/")
        assert body.status_code == 200, (moment, body.status_code)
        self.looked["API case details"] += 1
        self.last_api = body.json()
        self.check_json(f"{moment} · API case", self.last_api)
        for task in HumanTask.objects.filter(instance=case).select_related("unit", "instance__definition"):
            user = self.holder(task)
            page = self.web(user).get(f"/cases/{case.pk}/tasks/{task.pk}/")
            assert page.status_code == 200, (moment, task.bpmn_id, page.status_code)
            self.looked["task pages"] += 1
            self.check_text(f"{moment} · task page {task.bpmn_id} ({user.username})", html_text(page.content.decode()))
            detail = self.api(user).get(f"/api/v1/tasks/{task.pk}/")
            assert detail.status_code == 200, (moment, task.bpmn_id, detail.status_code)
            self.looked["API task details"] += 1
            self.check_json(f"{moment} · API task {task.bpmn_id}", detail.json())
        return case

    def act(self, username, case, bpmn_id, *, task=None, data=None, action=None, opinion=""):
        """Look at the case, then act on its step ``bpmn_id`` (the only open one of that id, or ``task``)."""
        self.look(case, f"before {bpmn_id}")
        task = task or HumanTask.objects.get(instance_id=case.pk, bpmn_id=bpmn_id)
        user = get_user_model().objects.get(username=username)
        services.complete_task(user, task.pk, data=data or {}, action=action, opinion=opinion)
        self.steps.append(bpmn_id)
        return ProcessInstance.objects.get(pk=case.pk)

    def read_documents(self, since_id=0):
        """The text of every PDF issued in this test (after the demo data's, if any)."""
        documents = list(IssuedDocument.objects.filter(pk__gt=since_id).order_by("pk"))
        for document in documents:
            self.looked["PDFs"] += 1
            self.check_text(f"PDF {document.get_kind_display()} {document.number or ''} «{document.title}»", pdf_text(document))
        return [d.kind for d in documents]

    def report(self, limit=60):
        """One line per kind of place and defect (the moments of a walk repeat the same page), with
        how often it was seen, when first, and an excerpt."""
        groups = {}
        for where, what, excerpt in self.findings:
            moment, _sep, place = where.rpartition(" · ")
            place = re.sub(r"\[\d+\]", "[]", re.sub(r" \([^)]*\)$", "", place))
            entry = groups.setdefault((place, what), [0, moment, excerpt])
            entry[0] += 1
        lines = [f"{len(self.findings)} unreadable spot(s) in {len(groups)} place(s):"]
        for (place, what), (count, moment, excerpt) in list(groups.items())[:limit]:
            lines.append(f"- {place}: {what} ×{count} (first {moment or 'at the end'}): …{excerpt}…")
        if len(groups) > limit:
            lines.append(f"… and {len(groups) - limit} more place(s)")
        return "\n".join(lines)


def last_document_id():
    last = IssuedDocument.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0
