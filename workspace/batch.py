"""批量审批: one opinion, several tasks of the same step, each completed through the one door.

Every task goes through ``workflows.services.complete_task`` on its own (its own transaction,
policy checks, form validation, history, notifications); one refusal does not undo the others.
A step can be batch-approved when its form declares no field besides the opinion and its
primary action is 同意 (``approve``): a step whose form declares other fields — even optional
ones its ``clean`` may still require, such as 审核's deed summary — is done one by one.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows import services
from workflows.errors import ActionNotAllowed, FormInvalid, InvalidAction, OutOfScope, TaskConflict, WorkflowError
from workflows.forms import form_class_for
from workflows.models import HumanTask

MAX_BATCH = 50
ACTION = "approve"
NOT_BATCHABLE = gettext_lazy("此环节须逐件办理（需填写意见以外的内容）")


def batchable(process_id, bpmn_id):
    """Whether a step's form needs nothing but an opinion and offers 同意 as its primary action."""
    try:
        form_class = form_class_for(process_id, bpmn_id)
    except WorkflowError:
        return False
    if set(form_class.base_fields) - {"opinion"}:
        return False
    primary = next((a for a in form_class.actions if a.primary), None)
    return primary is not None and primary.code == ACTION and primary.kind == "complete" and not primary.opinion_required


def step_key(task):
    """What "the same step" means: the same process and BPMN step id."""
    return (task.instance.definition.process_id, task.bpmn_id)


class BatchRefused(Exception):
    """The batch as a whole is refused (nothing was done): too many, mixed steps, not batchable."""

    def __init__(self, message, field="tasks"):
        self.message, self.field = message, field
        super().__init__(str(message))


def check_size(ids):
    if not ids:
        raise BatchRefused(_("请至少选择一个任务"))
    if len(ids) > MAX_BATCH:
        raise BatchRefused(_("一次最多批量办理 %(limit)d 个任务（本次 %(count)d 个）") % {"limit": MAX_BATCH, "count": len(ids)})


def check_batch(found, ids):
    """Refuse a batch before anything is done. ``found``: id → task, of the tasks the caller may see."""
    check_size(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise BatchRefused(_("任务 %(ids)s 不存在或您无权查看") % {"ids": "、".join(str(pk) for pk in missing)})
    steps = {step_key(t) for t in found.values() if t.closed_at is None}
    if len(steps) > 1:
        raise BatchRefused(_("只能批量办理同一流程同一环节的任务，请按环节分别选择"))
    for process_id, bpmn_id in steps:
        if not batchable(process_id, bpmn_id):
            raise BatchRefused(NOT_BATCHABLE)


def _form_message(errors):
    parts = []
    for field, messages in errors.items():
        text = "；".join(str(m) for m in messages)
        parts.append(text if field in ("__all__", "opinion") else f"{field}：{text}")
    return "；".join(parts) or str(FormInvalid.default_message)


def complete_batch(user, ids, *, opinion=""):
    """Approve each task with the same opinion. The whole batch is refused (``BatchRefused``,
    nothing done) when it is empty or too large, names a task of a case the caller may not see,
    or spans several steps or a step that needs more than an opinion. Otherwise each task is
    completed on its own — one closed meanwhile is a ``conflict`` — and one result per id is
    returned, in order:
    ``{"task", "ok": True, "case", "business_key"}`` or ``{"task", "ok": False, "code", "message"}``."""
    ids = list(dict.fromkeys(ids))
    check_size(ids)
    base = HumanTask.all_objects.visible_to(user).select_related("instance__definition")
    found = {t.pk: t for t in base.filter(pk__in=ids)}
    check_batch(found, ids)
    results = []
    for pk in ids:
        task = found[pk]
        try:
            if task.closed_at is not None:
                raise TaskConflict()
            services.complete_task(user, task.pk, data={}, opinion=opinion, action=ACTION)
        except FormInvalid as exc:
            results.append({"task": pk, "ok": False, "code": exc.code, "message": _form_message(exc.errors)})
        except (TaskConflict, ActionNotAllowed, OutOfScope, InvalidAction) as exc:
            results.append({"task": pk, "ok": False, "code": exc.code, "message": str(exc.message)})
        else:
            results.append({"task": pk, "ok": True, "case": task.instance_id, "business_key": task.instance.business_key})
    return results
