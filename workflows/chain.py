"""Hash chains over the append-only records: tampering with a stored row shows.

Every history event and every issued document is an entry of one chain. An entry stores
``chain_seq`` (its position, from 1), ``prev_hash`` (the ``entry_hash`` of the entry before it,
"" for the first) and ``entry_hash`` = SHA-256 of the canonical JSON of its content together
with the chain key, its position and ``prev_hash``. A row changed in the database no longer
hashes to its ``entry_hash``; a row whose ``entry_hash`` was recomputed no longer matches the
next entry's ``prev_hash``; a row deleted leaves a gap in the positions; the last entries
deleted no longer match the chain's head (``ChainHead``: last hash and length).

Scope — one chain per case, ``case:<id>``: the case's history events and the documents issued
in it, in the order they were written. Every writer of a case already holds the case's row
lock (``services._lock_instance``), so appending to its chain waits for nobody else; the head
row is locked as well (SELECT … FOR UPDATE) for writers outside the service door. Documents
without a case (a notice listing several cases) go into a chain per issuing unit,
``issuer:<id>``, whose head row is the lock: only that unit's case-less issues wait for each
other, for the moment between locking the head and the INSERT. A single global chain would
serialise every write of the system behind one row.

The chain detects changes by anyone who cannot recompute the chain from the changed row to the
head; an attacker who rewrites all of it (and the head) is caught only by comparing the heads
with a copy kept elsewhere (``verify_history --heads`` prints them).

Record types register a ``Source`` (history here, issued documents in ``documents.models``) so
that this layer walks documents without importing them.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import ChainHead, HistoryEvent

CASE = "case"
ISSUER = "issuer"


def case_key(instance_id):
    return f"{CASE}:{instance_id}"


def issuer_key(unit_id):
    return f"{ISSUER}:{unit_id}"


# --------------------------------------------------------------------------- canonical form


def iso(value):
    """ISO 8601, in UTC when aware: the same text whatever time zone the database hands back."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        value = value.astimezone(datetime.UTC)
    return value.isoformat()


def canonical(data):
    """Canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def entry_hash(content, key, seq, prev):
    return hashlib.sha256(canonical({**content, "chain": key, "seq": seq, "prev": prev})).hexdigest()


def history_content(event):
    """What an event's hash covers (works on migration-state models too: attributes only)."""
    return {
        "type": "history",
        "instance": event.instance_id,
        "actor": event.actor_id,
        "at": iso(event.at),
        "action": event.action,
        "task_bpmn_id": event.task_bpmn_id,
        "task_name": event.task_name,
        "opinion": event.opinion,
        # As the JSON column gives it back (integer keys become strings, tuples lists).
        "changed_fields": json.loads(json.dumps(event.changed_fields, default=str)),
    } | ({"on_behalf_of": event.on_behalf_of_id} if getattr(event, "on_behalf_of_id", None) else {})


# --------------------------------------------------------------------------- sources


@dataclass
class Source:
    """A record type whose rows are chain entries (with chain_seq, prev_hash, entry_hash)."""

    label: str
    model: Any
    content: Callable[[Any], dict]
    key: Callable[[Any], str]
    rows_in: Callable[[str], Any]  # key → queryset of this type's rows in that chain (or None)
    all_rows: Callable[[], Any]  # every row, for the full walk
    check: Callable[[Any], str] | None = None  # a further test of one row (a PDF against its hash)


SOURCES: dict[str, Source] = {}


def register(source):
    SOURCES[source.label] = source


def _history_rows_in(key):
    kind, _sep, ident = key.partition(":")
    return HistoryEvent.objects.filter(instance_id=int(ident)) if kind == CASE else None


register(
    Source(
        label="history",
        model=HistoryEvent,
        content=history_content,
        key=lambda event: case_key(event.instance_id),
        rows_in=_history_rows_in,
        all_rows=lambda: HistoryEvent.objects.order_by("instance_id", "chain_seq").iterator(chunk_size=2000),
    )
)


# --------------------------------------------------------------------------- writing


def append(entry, key, content, head=None):
    """Make ``entry`` (not yet saved) the next entry of chain ``key``: set its chain fields and
    move the head. Call inside the transaction that saves ``entry``, right before the INSERT.
    Returns the new head, (last hash, length).

    ``head``: the head as the caller last saw it, (last hash, length) — read with the case's task
    under the case's lock (``services._lock_task``), or returned by the previous append. The head
    then moves in one compare-and-set UPDATE; only when it has moved meanwhile (a document of the
    case appended it, a writer outside the service door) is it read and locked as below."""
    if head is not None:
        last_hash, length = head
        _link(entry, key, content, length + 1, last_hash)
        if ChainHead.objects.filter(key=key, length=length, last_hash=last_hash).update(last_hash=entry.entry_hash, length=length + 1):
            return entry.entry_hash, entry.chain_seq
    head = ChainHead.objects.select_for_update().filter(key=key).first()
    if head is None:
        # First entry: create the head (another writer may just have done so), then lock it.
        ChainHead.objects.bulk_create([ChainHead(key=key, last_hash="", length=0)], ignore_conflicts=True)
        head = ChainHead.objects.select_for_update().get(key=key)
    _link(entry, key, content, head.length + 1, head.last_hash)
    ChainHead.objects.filter(key=key).update(last_hash=entry.entry_hash, length=entry.chain_seq)
    return entry.entry_hash, entry.chain_seq


def _link(entry, key, content, seq, prev):
    entry.chain_seq = seq
    entry.prev_hash = prev
    entry.entry_hash = entry_hash(content(entry), key, seq, prev)


# --------------------------------------------------------------------------- verifying


@dataclass
class Problem:
    """The first broken link of a chain."""

    key: str
    kind: str  # content | link | pdf | head | unchained
    label: str = ""  # the record type ("history", "document")
    pk: Any = None
    seq: int | None = None
    detail: str = ""

    KINDS = {
        "content": "content changed",
        "link": "link broken",
        "pdf": "PDF not matching its recorded hash",
        "head": "chain head does not match its last entry",
        "unchained": "entry without chain fields",
    }

    def __str__(self):
        where = f"{self.label} #{self.pk} (entry {self.seq})" if self.pk is not None else "head"
        text = f"{self.key}: {where}: {self.KINDS.get(self.kind, self.kind)}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass
class _Entry:
    label: str
    pk: Any
    seq: int | None
    prev: str
    stored: str
    computed: str
    trouble: str = ""  # the source's own check failed (e.g. the PDF)


def _entry(source, row, key, check=True):
    computed = entry_hash(source.content(row), key, row.chain_seq, row.prev_hash) if row.chain_seq else ""
    trouble = source.check(row) if (check and source.check is not None) else ""
    return _Entry(source.label, row.pk, row.chain_seq, row.prev_hash, row.entry_hash, computed, trouble or "")


def first_problem(key, entries, head):
    """Walk one chain's entries in order; return the first ``Problem`` or None."""
    entries = sorted(entries, key=lambda e: (e.seq is None, e.seq or 0, e.label, e.pk))
    previous = ""
    for position, entry in enumerate(entries, start=1):
        where = {"key": key, "label": entry.label, "pk": entry.pk, "seq": entry.seq}
        if entry.seq is None or not entry.stored:
            return Problem(kind="unchained", **where)
        if entry.seq != position:
            missing = "missing" if entry.seq > position else "duplicate"
            return Problem(kind="link", detail=f"expected entry {position}, found {entry.seq} ({missing} entry)", **where)
        if entry.prev != previous:
            return Problem(kind="link", detail=f"previous hash {entry.prev[:12]}… ≠ predecessor's {previous[:12]}…", **where)
        if entry.computed != entry.stored:
            return Problem(kind="content", detail=f"recorded {entry.stored[:12]}…, content hashes to {entry.computed[:12]}…", **where)
        if entry.trouble:
            return Problem(kind="pdf", detail=entry.trouble, **where)
        previous = entry.stored
    length = len(entries)
    if head is None and length:
        return Problem(key=key, kind="head", detail="no head recorded")
    if head is not None and (head.length != length or head.last_hash != previous):
        return Problem(key=key, kind="head", detail=f"head records {head.length} entries ending {head.last_hash[:12]}…, found {length}")
    return None


def verify_chain(key, check=None):
    """The first problem of chain ``key`` or None. ``check(label, row)`` says of which rows the
    source's own test (reading a PDF) runs; default: all."""
    entries = []
    for source in SOURCES.values():
        rows = source.rows_in(key)
        if rows is None:
            continue
        for row in rows:
            entries.append(_entry(source, row, key, check is None or check(source.label, row)))
    return first_problem(key, entries, ChainHead.objects.filter(key=key).first())


def verify_all():
    """Walk every chain: yield (key, first problem or None), keys sorted."""
    by_key: dict[str, list] = {}
    for source in SOURCES.values():
        for row in source.all_rows():
            key = source.key(row)
            by_key.setdefault(key, []).append(_entry(source, row, key))
    heads = {head.key: head for head in ChainHead.objects.all()}
    for key in sorted(set(by_key) | set(heads)):
        yield key, first_problem(key, by_key.get(key, []), heads.get(key))


def heads():
    """(key, length, last hash) of every chain, to be kept elsewhere and compared later."""
    return list(ChainHead.objects.order_by("key").values_list("key", "length", "last_hash"))
