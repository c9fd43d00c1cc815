"""Answering "was this document issued?" for the public verification page (DOMAIN.md §8)."""

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field

from workflows import chain

from .models import IssuedDocument, chain_key

logger = logging.getLogger(__name__)

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Status:
    GENUINE = "genuine"  # these bytes were issued and are the current version
    SUPERSEDED = "superseded"  # these bytes were issued, a later version replaced them
    NOT_GENUINE = "not_genuine"  # no issued document has these bytes (and this number), or its record was altered
    RECORD = "record"  # the QR code's record exists; the bytes are not checked yet
    UNKNOWN_RECORD = "unknown_record"


@dataclass
class Verification:
    status: str
    document: IssuedDocument | None = None
    latest: IssuedDocument | None = None
    sha256: str = ""
    # Why a stored record was not trusted (its hash chain is broken); for logs, not for the public.
    problems: list = field(default_factory=list)


def sha256_of(stream):
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        digest.update(chunk)
    return digest.hexdigest()


def chain_problem(document):
    """The first broken link of the chain ``document`` is an entry of (its case's, or its issuer's
    chain of documents without a case), or None. Checks every entry's content and link and the
    chain's head, and this document's stored PDF against its recorded hash: a row changed in the
    database — a PDF replaced together with its ``sha256`` column — no longer matches the chain."""
    return chain.verify_chain(chain_key(document), check=lambda label, row: label == "document" and row.pk == document.pk)


def _outcome(document, sha256=""):
    problem = chain_problem(document)
    if problem is not None:
        logger.error("document %s failed verification: the hash chain is broken: %s", document.pk, problem)
        return Verification(Status.NOT_GENUINE, sha256=sha256, problems=[problem])
    latest = document.latest_version()
    status = Status.GENUINE if latest.pk == document.pk else Status.SUPERSEDED
    return Verification(status, document, latest, sha256)


def verify_hash(sha256, number=None):
    """Was a document with these bytes (and, if given, this number) issued?"""
    sha256 = (sha256 or "").strip().lower()
    if not SHA256.match(sha256):
        return Verification(Status.NOT_GENUINE, sha256=sha256)
    candidates = IssuedDocument.objects.filter(sha256=sha256).select_related("issuer")
    if number:
        candidates = candidates.filter(number=number.strip())
    document = candidates.order_by("-version").first()
    return _outcome(document, sha256) if document else Verification(Status.NOT_GENUINE, sha256=sha256)


def verify_record(code, number=None):
    """The record a QR code points at (by verification code, and number when printed)."""
    try:
        code = uuid.UUID(str(code))
    except ValueError:
        return Verification(Status.UNKNOWN_RECORD)
    document = IssuedDocument.objects.filter(verification_code=code).select_related("issuer").first()
    if document is None or (number and document.number != number.strip()):
        return Verification(Status.UNKNOWN_RECORD)
    result = _outcome(document)
    if result.status != Status.NOT_GENUINE:
        result.status = Status.RECORD
    return result
