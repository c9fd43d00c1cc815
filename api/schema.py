"""OpenAPI details drf-spectacular cannot infer: every operation documents the errors it can
answer (in the one error format), and the request bodies that carry a step's form fields beside
their own accept further properties."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import AllowAny

from .errors import ErrorSerializer

DESCRIPTIONS = {
    400: _("输入有误（code=validation_error，errors 为字段 → 提示）"),
    401: _("未登录或令牌无效（code=not_authenticated / authentication_failed）"),
    403: _("无权执行此操作（code=permission_denied）"),
    404: _("对象不存在，或属于您没有角色的单位（code=not_found）"),
    409: _("任务已被他人处理或案件已变化（code=conflict）"),
    422: _("业务规则不允许（code=rule_refused，reasons 为原因）"),
    413: _("提交的内容过大（code=request_too_large）"),
    415: _("不支持的内容类型（code=unsupported_media_type），请使用 application/json"),
    429: _("请求过于频繁（code=throttled），或登录失败次数过多被暂时锁定（code=locked_out）；Retry-After 为等待秒数"),
}
# Request bodies with a step's form fields at the top level (see api.views).
OPEN_BODIES = {"ProcessStartRequest", "TaskCompleteRequest", "TaskDraftRequest"}


class AutoSchema(SpectacularAutoSchema):
    def _error_statuses(self):
        view = self.view
        declared = getattr(view, "error_statuses", {})
        key = getattr(view, "action", None) or self.method.lower()
        codes = set(declared.get(key, ()))
        if view.get_authenticators():
            codes.add(401)  # a wrong token is refused even where no sign-in is needed
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            codes |= {401, 403}
        if "{" in self.path:
            codes.add(404)
        if self.method in ("POST", "PUT", "PATCH") and key not in ("claim", "release"):
            codes.add(400)
        if self.method in ("POST", "PUT", "PATCH"):
            codes.add(413)  # any body over the upload limit (api.errors.RequestTooLarge)
            codes.add(415)  # a body in a content type the operation does not parse
        if getattr(view, "filterset_class", None) is not None and self._is_list_view():
            codes.add(400)
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_statuses():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=str(DESCRIPTIONS.get(code, ""))), str(code), direction=direction
                )
        return responses


def open_form_bodies(result, generator, request, public):
    """Postprocessing hook: the start and complete bodies take the step's form fields too."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in OPEN_BODIES:
        if name in schemas:
            schemas[name]["additionalProperties"] = True
    return result
