from django.utils.translation import gettext_lazy as _


class WorkflowError(Exception):
    """Base of the errors the service functions raise; ``message`` is translated for the user."""

    code = "workflow_error"
    default_message = _("流程操作失败")

    def __init__(self, message=None, **details):
        self.message = message or self.default_message
        self.details = details
        super().__init__(str(self.message))


class TaskConflict(WorkflowError):
    """The task was completed, returned or changed by someone else meanwhile."""

    code = "conflict"
    default_message = _("该任务已被他人处理或流程已变化，请刷新后查看")


class ActionNotAllowed(WorkflowError):
    """The user may not do this (role, unit, recusal, separation of duties)."""

    code = "permission_denied"
    default_message = _("您无权执行此操作")


class InvalidAction(WorkflowError):
    """The request is wrong: unknown step, missing opinion, not allowed at this step."""

    code = "invalid"
    default_message = _("操作无效")


class OutOfScope(WorkflowError):
    """An object named in the request is not within the caller's units: answered like an object
    that does not exist (404), never naming it (issue 12: a refusal must not leak a cadre's
    existence or unit)."""

    code = "not_found"
    default_message = _("未找到")


class DefinitionNotFound(WorkflowError):
    code = "not_found"
    default_message = _("流程尚未部署")


class FormInvalid(InvalidAction):
    """Submitted task data failed the step's form; ``errors`` maps field → messages."""

    code = "validation_error"
    default_message = _("提交的内容有误，请按提示修改")

    def __init__(self, errors, message=None):
        self.errors = errors
        # A rule that is not about one field (e.g. a quota) is the message itself.
        general = errors.get("__all__")
        super().__init__(message or ("；".join(general) if general else None), errors=errors)
