"""Attachments: PDF, JPEG or PNG, recognised by their first bytes, within a size limit."""

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from permissions import policy

from .errors import ActionNotAllowed, InvalidAction
from .forms import UNSTORABLE_TEXT
from .models import Attachment, InstanceStatus, ProcessInstance

# Signatures of the accepted types; the file name's extension is not trusted.
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


def max_size():
    return getattr(settings, "MERITFLOW_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)


def max_per_case():
    return getattr(settings, "MERITFLOW_ATTACHMENTS_PER_CASE", 50)


def sniff(head):
    return next((kind for signature, kind in SIGNATURES if head.startswith(signature)), None)


def add_attachment(user, instance_id, uploaded_file, *, step=""):
    """Attach a file to an open case: by its starter, or by someone who may act on one of its open steps."""
    instance = ProcessInstance.objects.get(pk=instance_id)
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.WAITING):
        raise InvalidAction(_("流程已结束，不能再上传附件"))
    may = instance.started_by_id == user.pk or any(policy.act_refusal(user, task, instance) is None for task in instance.tasks.all())
    if not may:
        raise ActionNotAllowed(_("您不能为此案件上传附件"))
    size = getattr(uploaded_file, "size", None)
    if size is None or size > max_size():
        raise InvalidAction(_("附件不能超过 %(mb)s MB") % {"mb": max_size() // (1024 * 1024)})
    content = uploaded_file.read(max_size() + 1)
    if len(content) > max_size():
        raise InvalidAction(_("附件不能超过 %(mb)s MB") % {"mb": max_size() // (1024 * 1024)})
    if not content:
        raise InvalidAction(_("附件是空文件"))
    kind = sniff(content[:16])
    if kind is None:
        raise InvalidAction(_("只能上传 PDF、JPEG 或 PNG 文件（按文件内容识别）"))
    # A name is shown and stored as text: nothing a database cannot hold (issue 13 "Bad input").
    name = UNSTORABLE_TEXT.sub("", getattr(uploaded_file, "name", "") or "").strip() or "附件"
    with transaction.atomic():
        # Counted under the case's row lock, so two uploads at once cannot both take the last place.
        ProcessInstance.objects.select_for_update().filter(pk=instance.pk).exists()
        if Attachment.objects.filter(instance=instance).count() >= max_per_case():
            raise InvalidAction(_("每个案件最多上传%(n)s个附件") % {"n": max_per_case()})
        return Attachment.objects.create(
            instance=instance,
            uploaded_by=user,
            step=step,
            file_name=name[:200],
            content_type=kind,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content=content,
        )
