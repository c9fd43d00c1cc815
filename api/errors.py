"""One error format for the whole API.

Every error is a JSON object with a machine-readable ``code`` and a translated ``message``;
400 adds ``errors`` (field → messages, nested fields as ``tasks.0``), 422 adds ``reasons``.

| status | code | when |
|---|---|---|
| 400 | ``validation_error``, ``parse_error`` | invalid input (field errors) |
| 401 | ``not_authenticated``, ``authentication_failed`` | no or bad credentials |
| 403 | ``permission_denied`` | signed in, but not allowed (role, recusal, separation of duties, claim) |
| 404 | ``not_found`` | no such object, or one of units the caller holds no role on |
| 409 | ``conflict`` | the task was handled meanwhile, or the case changed meanwhile |
| 413 | ``request_too_large`` | a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (nothing is read or changed) |
| 422 | ``rule_refused`` | a rule refuses the action (with ``reasons``) |
| 429 | ``throttled`` | too many requests |
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from workflows.errors import ActionNotAllowed, DefinitionNotFound, FormInvalid, InvalidAction, OutOfScope, TaskConflict, WorkflowError

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = gettext_lazy("该任务已被他人处理或流程已变化，请刷新后查看")


class RuleRefused(exceptions.APIException):
    """422: the request is well-formed, but a rule of the process refuses it."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "rule_refused"
    default_detail = gettext_lazy("业务规则不允许此操作")

    def __init__(self, detail=None, reasons=None):
        super().__init__(detail)
        self.reasons = [str(r) for r in (reasons or [self.detail])]


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = gettext_lazy("提交的内容过大，请精简后重试（附件请通过附件上传）")


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    code = serializers.CharField(
        help_text="machine-readable: validation_error, not_authenticated, permission_denied, not_found, conflict, rule_refused, throttled …"
    )
    message = serializers.CharField(help_text="translated, for people")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: field → messages; non_field_errors for the whole request",
    )
    reasons = serializers.ListField(child=serializers.CharField(), required=False, help_text="422 only: why the rule refuses")


# DRF's codes (exception.default_code) → ours, where they differ.
_CODES = {
    "invalid": "validation_error",
    "error": "server_error",
}


def _flatten(detail, prefix=""):
    """DRF's nested error detail → {"field": [...], "tasks.0": [...]}."""
    flat = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            flat.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(detail, list) and detail and all(not isinstance(v, (dict, list)) for v in detail):
        flat[prefix or "non_field_errors"] = [str(v) for v in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if value:
                flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def body(code, message, *, errors=None, reasons=None):
    data = {"code": code, "message": str(message)}
    if errors is not None:
        data["errors"] = errors
    if reasons is not None:
        data["reasons"] = reasons
    return data


def _from_workflow_error(exc):
    if isinstance(exc, TaskConflict):
        return Conflict(exc.message)
    if isinstance(exc, (DefinitionNotFound, OutOfScope)):
        return exceptions.NotFound(exc.message)
    if isinstance(exc, ActionNotAllowed):
        return exceptions.PermissionDenied(exc.message)
    if isinstance(exc, FormInvalid):
        fields = {name: messages for name, messages in exc.errors.items() if name != "__all__"}
        general = exc.errors.get("__all__") or []
        if not fields and general:
            # Nothing wrong with any one field: a rule of the step refuses (e.g. a quota).
            return RuleRefused(exc.message, reasons=general)
        if general:
            fields["non_field_errors"] = general
        return exceptions.ValidationError(fields)
    if isinstance(exc, InvalidAction):
        if exc.details.get("field"):
            # A wrong value of one field of the request (e.g. the person a task is handed to).
            return exceptions.ValidationError({exc.details["field"]: [str(exc.message)]})
        return RuleRefused(exc.message)
    return RuleRefused(exc.message)


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        exc = _from_workflow_error(exc)
    elif isinstance(exc, ObjectDoesNotExist) and not isinstance(exc, Http404) or isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()

    response = drf_exception_handler(exc, context)
    if response is None:
        # Anything else is a bug: log it and answer in the same format (no traceback leaks).
        set_rollback()
        logger.exception("unhandled error in %s", context.get("view").__class__.__name__ if context.get("view") else "API")
        return Response(body("server_error", _("服务器内部错误，请稍后重试")), status=status.HTTP_500_INTERNAL_SERVER_ERROR)

    if isinstance(exc, exceptions.ValidationError):
        response.data = body("validation_error", _("提交的内容有误，请按提示修改"), errors=_flatten(exc.detail))
        return response
    if isinstance(exc, RuleRefused):
        response.data = body("rule_refused", exc.detail, reasons=exc.reasons)
        return response
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    if isinstance(detail, (list, dict)):
        detail = "；".join(sum(_flatten(detail).values(), []))
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = exc.default_code
    if isinstance(exc, exceptions.NotFound):
        code = "not_found"
        if str(detail) in ("Not found.", "未找到。"):
            detail = _("没有找到该对象，或您无权查看")
    response.data = body(_CODES.get(code, code), detail)
    return response
