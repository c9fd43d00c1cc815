"""Answering "was this document issued?" for the public verification page (DOMAIN.md §8)."""

import hashlib
import re
import uuid
from dataclasses import dataclass

from .models import IssuedDocument

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class Status:
    GENUINE = "genuine"  # these bytes were issued and are the current version
    SUPERSEDED = "superseded"  # these bytes were issued, a later version replaced them
    NOT_GENUINE = "not_genuine"  # no issued document has these bytes (and this number)
    RECORD = "record"  # the QR code's record exists; the bytes are not checked yet
    UNKNOWN_RECORD = "unknown_record"


@dataclass
class Verification:
    status: str
    document: IssuedDocument | None = None
    latest: IssuedDocument | None = None
    sha256: str = ""


def sha256_of(stream):
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        digest.update(chunk)
    return digest.hexdigest()


def _outcome(document, sha256=""):
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
    result.status = Status.RECORD
    return result
