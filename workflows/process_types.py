"""Process types: what one app declares about its diagram, in one place.

A process app (awards, promotions, secondments) registers a :class:`ProcessType` from its
``AppConfig.ready``. It names the process's business-key prefix, the form of each human step,
the service operations its diagram calls, its typed case record (the model that holds the
case's facts), its notice profile, its documents and its case-page panels. The engine and the
pages ask the registry; they never name an individual process.

What the declaration binds to the diagram (step ids, operation names, form fields) is checked
against the BPMN at deploy and by a Django system check (``workflows.contracts``): a renamed
step fails loudly instead of falling back to a form that accepts anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


class CaseRecord:
    """The typed facts of one process's cases, written by the service door in its transaction.

    Subclasses override the hooks they need; every hook runs inside the transaction that holds
    the case's row lock, so what they write commits or rolls back with the engine state.
    """

    model: Any = None  # the Django model with a one-to-one ``instance`` field

    def for_case(self, instance):
        """The case's record, or None (e.g. a case started before the record existed)."""
        if self.model is None or instance.pk is None:
            return None
        return self.model.objects.filter(instance=instance).first()

    def started(self, instance, data, *, user):
        """A case has been created with its start data."""

    def step_submitted(self, instance, task, form, *, user):
        """A human step passed its form; write its facts (may refuse with InvalidAction/FormInvalid)."""

    def closed(self, instance):
        """The case reached an end (completed or terminated)."""


@dataclass(frozen=True)
class ProcessType:
    process_id: str
    key_prefix: str
    # BPMN id of a human step (or of the start event, for a start form) → its TaskForm class.
    forms: Mapping[str, type] = field(default_factory=dict)
    # Human steps that ask for an opinion only (the generic form: 提交/退回, no other field).
    generic_steps: frozenset = frozenset()
    # Service operations the diagram may call (each must be registered with the sandbox).
    services: frozenset = frozenset()
    case_record: CaseRecord = field(default_factory=CaseRecord)
    notice_profile: Any = None
    documents: tuple = ()  # document kinds the process issues
    # Case-page panels: template names included on the case page, given ``case`` and ``record``.
    panels: tuple = ()
    # Extra information a step's page shows (step id → callable(case, task, record) → dict).
    step_extras: Mapping[str, Callable] = field(default_factory=dict)
    # Links (URL name, label) the start page offers under the process (e.g. the annual candidates batch).
    start_links: tuple = ()
    # When set, a case may also start without a subject cadre: its first form names the subject
    # itself (a collective, DOMAIN.md §1.1). The start page offers it under this label.
    start_without_cadre: str = ""
    # How the history names the records its id fields hold: field → callable(ids, case) → {id: name}
    # (workflows.presenting), and how it reads its structured values: field → callable(value) → text.
    field_names: Mapping[str, Callable] = field(default_factory=dict)
    field_texts: Mapping[str, Callable] = field(default_factory=dict)
    # Who else may start a case for a unit besides the start lane's role on it: callable(unit) →
    # [(role, unit)] (e.g. the organisation department moving an exceptional promotion).
    extra_starters: Callable | None = None
    # The roles ``extra_starters`` can name: the start page offers the process to their holders
    # and looks for the units they may start for within the areas of those grants.
    extra_start_roles: frozenset = frozenset()
    # How a ready step binds when the diagram's lane does not say it all: callable(instance,
    # bpmn_id, role, unit_id) → (role, unit_id) (e.g. the 动议 step of a case the organisation
    # department started goes to it, not to the unit's party committee).
    task_binding: Callable | None = None
    # A job the worker runs once a day, callable(day) (e.g. the annual opening of the rotation
    # plans on 1 March). It must be idempotent: every worker of every server runs it.
    daily: Callable | None = None

    def starters(self, unit):
        return list(self.extra_starters(unit)) if self.extra_starters else []

    def form_for(self, bpmn_id):
        """The form class bound to ``bpmn_id``; an unknown step is an error, never a fallback."""
        from .forms import GenericForm

        if bpmn_id in self.forms:
            return self.forms[bpmn_id]
        if bpmn_id in self.generic_steps:
            return GenericForm
        raise UnboundStep(self.process_id, bpmn_id)

    def declared_steps(self):
        return set(self.forms) | set(self.generic_steps)


class UnboundStep(LookupError):
    def __init__(self, process_id, bpmn_id):
        self.process_id, self.bpmn_id = process_id, bpmn_id
        super().__init__(f"process {process_id!r} declares no form for step {bpmn_id!r}")


_registry: dict[str, ProcessType] = {}


def register(process_type: ProcessType) -> ProcessType:
    existing = _registry.get(process_type.process_id)
    if existing is not None and existing is not process_type:
        raise ValueError(f"process type {process_type.process_id!r} is registered twice")
    _registry[process_type.process_id] = process_type
    return process_type


def unregister(process_id):
    _registry.pop(process_id, None)


def get(process_id) -> ProcessType | None:
    return _registry.get(process_id)


def all_types():
    return dict(_registry)


def record_of(instance):
    """The typed case record of ``instance`` (e.g. its award nomination), or None."""
    process_type = get(instance.definition.process_id)
    return process_type.case_record.for_case(instance) if process_type else None
