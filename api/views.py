"""The REST API (``/api/v1/``). Every state change goes through the same service functions as the
pages (``workflows.services``, ``notices.desk``, ``workflows.attachments``); every object is looked
up through the policy's filters (``api.access``), so another unit's object is a 404."""

import contextlib
import datetime
import decimal

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from awards import candidates as award_candidates
from documents.models import IssuedDocument
from documents.permissions import can_download
from documents.verification import verify_hash
from notices import desk as notice_desk
from notices.models import Notice, Objection
from permissions import policy
from permissions.models import Delegation, Grant, Unit
from permissions.roles import Role
from quotas import views as quota_pages
from records.models import Cadre
from stats import queries as stats_queries
from stats import views as stats_pages
from supervision import alerts as alert_rules
from supervision import views as alert_pages
from workflows import attachments as case_attachments
from workflows import engine, handover, process_types, services
from workflows.errors import ActionNotAllowed, FormInvalid, TaskConflict
from workflows.forms import form_class_for
from workflows.models import Attachment, HistoryEvent, HumanTask, Notification, ProcessDefinition, ProcessInstance, RuleCheck
from workspace import batch as batches
from workspace import delegations, inbox
from workspace import services as common_opinions
from workspace.models import CommonOpinion

from . import access
from . import serializers as s
from .errors import Conflict, RuleRefused
from .errors import body as error_body
from .filters import CadreFilter, ProcessFilter, TaskFilter
from .formschema import accepts_extra_fields, form_schema, type_errors
from .pagination import IdsFirstPagination
from .parsers import CleanJSONParser
from .throttling import TokenAddressThrottle, TokenUsernameThrottle, VerifyThrottle


def completed_elsewhere(task, process_id):
    """The path of the endpoint that completes this step, when it is not /tasks/{id}/complete/: a
    发布公示 step whose form takes the notice the desk creates is done by the notice desk
    (several cases in one notice)."""
    if task.bpmn_id != notice_desk.PUBLISH_STEP:
        return None
    return reverse("api:notice-list") if "notice_id" in form_class_for(process_id, task.bpmn_id).base_fields else None


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _body(request):
    """The JSON body as a dict (a list or a scalar is invalid input)."""
    data = request.data
    if not isinstance(data, dict):
        raise exceptions.ValidationError({"non_field_errors": [_("请求体须为 JSON 对象")]})
    return dict(data.items())


class BinaryRenderer(BaseRenderer):
    """Lets a download answer any ``Accept`` (the view returns the file itself)."""

    media_type = "*/*"
    format = "bin"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class ApiViewMixin:
    """Errors are always JSON, whatever the client asked to accept; an id that is not a number is
    a 404 like any other unknown id."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        pk = kwargs.get("pk")
        if pk is not None and not (str(pk).isascii() and str(pk).isdigit() and 0 < int(pk) < 2**63):
            raise exceptions.NotFound()

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


@csrf_exempt
def unknown_path(request, *args, **kwargs):
    message = _("没有这个接口")
    if not request.path.endswith("/"):
        try:
            if getattr(resolve(request.path + "/").func, "__name__", "") != "unknown_path":
                message = _("没有这个接口；路径须以 / 结尾：%(path)s/") % {"path": request.path}
        except Resolver404:
            pass
    return JsonResponse(error_body("not_found", message), status=404, json_dumps_params={"ensure_ascii": False})


# --------------------------------------------------------------------------- auth


@extend_schema_view(
    post=extend_schema(
        tags=["auth"],
        summary=gettext_lazy("用户名和密码换取令牌"),
        request=s.TokenRequestSerializer,
        description=gettext_lazy(
            "失败次数过多时，该用户名或客户端地址被暂时锁定：锁定期内即使密码正确也返回 429（code=locked_out，"
            "Retry-After 为剩余秒数）；请求过于频繁时返回 429（code=throttled）。"
        ),
        responses={200: s.TokenSerializer},
        auth=[],
    ),
    delete=extend_schema(tags=["auth"], summary=gettext_lazy("作废当前令牌"), request=None, responses={204: None}),
)
class TokenView(ApiViewMixin, APIView):
    """POST: username + password → token (``Authorization: Token <token>``). Throttled per address and
    per user name against password guessing (429 ``throttled``), and locked out like the web login
    after repeated failures per user name or address (django-axes; 429 ``locked_out``, even with the
    right password, until the cool-off has passed). DELETE: revoke the caller's token."""

    parser_classes = [CleanJSONParser, FormParser, MultiPartParser]
    error_statuses = {"post": (400, 401, 429), "delete": (401,)}

    def _posting(self):
        return getattr(getattr(self, "request", None), "method", None) == "POST"

    def get_permissions(self):
        return [AllowAny()] if self._posting() else [IsAuthenticated()]

    def get_authenticators(self):
        return [] if self._posting() else super().get_authenticators()

    def get_throttles(self):
        return [TokenAddressThrottle(), TokenUsernameThrottle()] if self._posting() else []

    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=serializer.validated_data["username"], password=serializer.validated_data["password"]
        )
        if user is None and getattr(request._request, "login_locked_out", False):  # set by webapp.security.LockoutBackend
            raise self._locked_out()
        if user is None or not user.is_active:
            raise exceptions.AuthenticationFailed(_("用户名或密码不正确"))
        token, _created = Token.objects.get_or_create(user=user)
        return Response(s.TokenSerializer({"token": token.key, "user": user}).data)

    def _locked_out(self):
        """429 ``locked_out`` in the API's error format (AxesMiddleware keeps a JSON answer as it is)."""
        from axes.helpers import get_cool_off

        locked = exceptions.Throttled(detail=_("登录失败次数过多，该账户或地址已被暂时锁定，请稍后再试"), code="locked_out")
        locked.wait = int(get_cool_off(self.request._request).total_seconds())  # → Retry-After
        return locked

    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_authenticate_header(self, request):
        return "Token"


# --------------------------------------------------------------------------- process types


class StartForm:
    """What starting a process asks for.

    Either the start event has a registered form (e.g. a secondment round's plan): its validated
    data is the case's start data, and there is no subject cadre (``plan``). Or the start event
    leads to a first user task (the nomination): the case is started for a cadre and that step
    is completed with the submitted fields, in one transaction.
    """

    def __init__(self, definition):
        from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
        from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

        process_type = process_types.get(definition.process_id)

        def has_start_form(spec):
            return isinstance(spec, StartEvent) and process_type is not None and spec.bpmn_id in process_type.forms

        # The start event's own form (a plan), else the first user task's form.
        found = engine.first_spec(definition, lambda spec: has_start_form(spec) or isinstance(spec, UserTask))
        self.plan = found is not None and has_start_form(found)
        self.step = (found.bpmn_id, found.bpmn_name or found.bpmn_id) if found is not None else None
        self.form_class = form_class_for(definition.process_id, self.step[0]) if self.step else None

    def form(self, data=None, **kwargs):
        return self.form_class(data, **kwargs) if self.form_class is not None else None

    def schema(self):
        form = self.form()
        return form_schema(form, exclude=("opinion",)) if form is not None else None


_start_forms = {}


def _start_form(definition):
    """The start form of a definition version (versions never change)."""
    key = (definition.pk, definition.content_hash)
    if key not in _start_forms:
        _start_forms[key] = StartForm(definition)
    return _start_forms[key]


def _latest_definitions():
    latest = {}
    # The spec itself is not needed here: engine.specs_for keeps the parsed spec cached per version.
    fields = ("id", "process_id", "name", "version", "start_role", "key_prefix", "content_hash")
    for definition in ProcessDefinition.objects.order_by("process_id", "-version").only(*fields):
        latest.setdefault(definition.process_id, definition)
    return latest


@extend_schema_view(list=extend_schema(tags=["process types"], summary=gettext_lazy("我可以发起的流程类型")))
class ProcessTypeViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The latest version of each process whose start role the caller holds on some unit."""

    serializer_class = s.ProcessTypeSerializer
    filter_backends = []
    queryset = ProcessDefinition.objects.none()

    def get_queryset(self):
        roles = set(Grant.objects.filter(user=self.request.user).values_list("role", flat=True))
        return sorted((d for d in _latest_definitions().values() if d.start_role in roles), key=lambda d: d.process_id)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        grants = {}
        for grant in Grant.objects.filter(user=self.request.user).select_related("unit").order_by("unit__path"):
            grants.setdefault(grant.role, []).append(grant)
        context["grants_by_role"] = grants
        context["start_forms"] = _start_form
        return context


# --------------------------------------------------------------------------- cases


CASE_ROW_RELATED = ("definition", "subject_cadre", "nominating_unit", "started_by")


def _case_queryset(user, facts=None):
    return access.visible_cases(user, facts).select_related(*CASE_ROW_RELATED)


def _with_current_steps(cases):
    return cases.prefetch_related(Prefetch("tasks", HumanTask.objects.select_related("unit", "claimed_by").order_by("created_at", "id")))


def _detail_queryset(user, facts=None):
    return _case_queryset(user, facts).prefetch_related(
        Prefetch("tasks", HumanTask.objects.select_related("unit", "claimed_by").order_by("created_at", "id")),
        Prefetch("history", HistoryEvent.objects.select_related("actor", "on_behalf_of").order_by("at", "id")),
        "rule_checks",
        Prefetch("objections", Objection.objects.select_related("instance", "recorded_by", "referred_to").order_by("received_on", "id")),
        Prefetch("notices", Notice.objects.order_by("start_date", "id")),
        Prefetch("attachments", Attachment.objects.select_related("uploaded_by").defer("content").order_by("uploaded_at", "id")),
    )


def _ready_task_data(case, tasks=None):
    """{task id: the engine's data for that ready task} (what its form is pre-filled from)."""
    tasks = list(case.tasks.all()) if tasks is None else tasks
    if not tasks:
        return {}
    try:
        workflow = engine.load_workflow(case.definition, case.state)
    except Exception:  # noqa: BLE001 - show the case without step notes rather than fail
        return {}
    data = {}
    for task in tasks:
        spiff_task = workflow.get_task_from_id(task.task_uuid)
        data[task.pk] = dict(spiff_task.data) if spiff_task is not None else {}
    return data


def case_response(request, pk, *, status_code=200, headers=None, facts=None):
    """The case detail; ``facts``: the caller's facts as the action just read them under its lock
    (``policy.person_facts`` with the individual grants), so the answer does not read them again."""
    case = access.case_or_404(request.user, pk, _detail_queryset(request.user, facts))
    checks = list(case.rule_checks.all())  # prefetched, oldest first
    refusal = checks[-1] if checks and not checks[-1].passed else None
    context = {"request": request, "task_data": _ready_task_data(case), "rule_refusal": refusal}
    return Response(s.ProcessDetailSerializer(case, context=context).data, status=status_code, headers=headers)


CASE_DETAIL = {200: s.ProcessDetailSerializer}

RETURN_MINIMAL = "return=minimal"


def prefers_minimal(request):
    """Whether the request asks for ``Prefer: return=minimal`` (RFC 7240 §4.2), among any others."""
    for header in request.headers.get("Prefer", "").split(","):
        if header.split(";")[0].strip().replace('"', "").lower() == RETURN_MINIMAL:
            return True
    return False


def completion_answer(case):
    """A completion's minimal answer (``CompletionAnswerSerializer``) from the case as the service
    left it: its row fields and its open steps as its projection (``services.TaskProjection``) knows them."""
    case.current_steps_after_action = case.projection.open_steps()
    return Response(
        s.CompletionAnswerSerializer({"case": case, "closed_steps": sorted(case.projection.closed)}).data,
        headers={"Preference-Applied": RETURN_MINIMAL},
    )


@extend_schema_view(
    list=extend_schema(tags=["processes"], summary=gettext_lazy("我能看到的案件")),
    retrieve=extend_schema(tags=["processes"], summary=gettext_lazy("案件：状态、当前环节、办理记录、文书"), responses=CASE_DETAIL),
    create=extend_schema(
        tags=["processes"],
        summary=gettext_lazy("发起案件"),
        request=s.ProcessStartSerializer,
        responses={201: s.ProcessDetailSerializer},
        description=gettext_lazy(
            "发起表单（第一个环节）的字段与 process_type、cadre 并列放在请求体顶层。带有表单字段时，"
            "发起与提交发起表单在同一事务中完成；表单有误则什么也不创建。submit=false 时只发起（字段作为草稿预填）。"
        ),
    ),
    withdraw=extend_schema(
        tags=["processes"], summary=gettext_lazy("撤回（发起人，下一环节尚未办理时）"), request=s.CaseNoteSerializer, responses=CASE_DETAIL
    ),
    remind=extend_schema(tags=["processes"], summary=gettext_lazy("催办（发起人）"), request=s.RemindSerializer, responses=CASE_DETAIL),
    terminate=extend_schema(
        tags=["processes"], summary=gettext_lazy("终止（系统管理员）"), request=s.TerminateSerializer, responses=CASE_DETAIL
    ),
    objections=extend_schema(
        tags=["processes"],
        summary=gettext_lazy("登记公示期间的异议"),
        request=s.ObjectionRequestSerializer,
        responses={201: s.ObjectionSerializer},
    ),
    attachments=extend_schema(
        tags=["processes"],
        summary=gettext_lazy("上传附件（PDF、JPEG、PNG）"),
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    ),
    copies=extend_schema(
        tags=["processes"],
        summary=gettext_lazy("抄送：GET 列出抄送及已读回执；POST 抄送给所列人员（只读查阅本案）"),
        request=s.CopyRequestSerializer,
        responses={200: s.CaseCopySerializer(many=True), 201: s.CaseCopySerializer(many=True)},
    ),
)
class ProcessViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.ProcessSerializer
    queryset = ProcessInstance.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = ProcessFilter
    pagination_class = IdsFirstPagination
    error_statuses = {
        "create": (400, 403, 409, 422),
        "withdraw": (400, 403, 404, 409, 422),
        "remind": (400, 403, 404, 409, 422),
        "terminate": (400, 403, 404, 409, 422),
        "objections": (400, 403, 404, 409, 422),
        "attachments": (400, 403, 404, 422),
        "copies": (400, 403, 404, 409, 422),
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProcessInstance.objects.none()
        # A case row never needs the engine state (tens of kB).
        qs = _case_queryset(self.request.user).defer("state")
        return _with_current_steps(qs) if self.action == "list" else qs

    def list(self, request, *args, **kwargs):
        if set(request.query_params) - {"limit", "offset"}:
            return super().list(request, *args, **kwargs)  # filtered or reordered
        # The list as it opens (newest first, no filter): its ids from the indexes that carry each
        # case's creation time; the page's rows, already known visible, read by their ids.
        rows = _with_current_steps(ProcessInstance.objects.select_related(*CASE_ROW_RELATED).defer("state"))
        page = self.paginator.paginate_ordered(ProcessInstance.objects.newest_visible(request.user), rows, request)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        handover.mark_copy_read(request.user, case)  # a cc reader's read receipt
        return case_response(request, pk)

    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def copies(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        if request.method == "POST":
            serializer = s.CopyRequestSerializer(data=_body(request))
            serializer.is_valid(raise_exception=True)
            values = serializer.validated_data
            sent = handover.copy_case(request.user, case.pk, recipients=values["recipients"], note=values.get("note", ""))
            rows = case.copies.filter(recipient__in=sent).select_related("recipient", "copied_by")
            return Response(s.CaseCopySerializer(rows, many=True).data, status=status.HTTP_201_CREATED)
        return Response(s.CaseCopySerializer(case.copies.select_related("recipient", "copied_by"), many=True).data)

    def create(self, request):
        body = _body(request)
        meta_keys = {"process_type", "cadre", "unit", "submit", "action", "opinion"}
        meta = s.ProcessStartSerializer(data={k: v for k, v in body.items() if k in meta_keys})
        meta.is_valid(raise_exception=True)
        values = meta.validated_data
        fields = {k: v for k, v in body.items() if k not in meta_keys}
        definition = _latest_definitions().get(values["process_type"])
        if definition is None:
            raise exceptions.ValidationError({"process_type": [_("没有这种流程类型")]})
        start_form = _start_form(definition)
        starter = self._start_plan if start_form.plan else self._start_for_cadre
        case = starter(request.user, definition, start_form, values, fields)
        location = reverse("api:process-detail", kwargs={"pk": case.pk})
        return case_response(request, case.pk, status_code=status.HTTP_201_CREATED, headers={"Location": location})

    def _start_for_cadre(self, user, definition, start_form, values, fields):
        cadre = None
        if values.get("cadre") is not None:
            cadre = access.visible_cadres(user).select_related("unit").filter(pk=values["cadre"]).first()
            if cadre is None:
                raise exceptions.ValidationError({"cadre": [_("没有找到该干部，或不在您的单位范围内")]})
            unit = self._start_unit(user, definition, cadre, values.get("unit"))
        else:
            process_type = process_types.get(definition.process_id)
            if process_type is None or not process_type.start_without_cadre:
                raise exceptions.ValidationError({"cadre": [_("请选择当事干部")]})
            # The first form names the case's subject itself (a collective, DOMAIN.md §1.1).
            unit = self._plan_unit(user, definition, values.get("unit"))
        draft = ProcessInstance(definition=definition, nominating_unit=unit, subject_cadre=cadre, started_by=user)
        _check_fields(start_form.form(instance=draft, user=user), fields)
        submit = values.get("submit")
        if submit is None:
            submit = bool(fields) or bool(values.get("action")) or bool(values.get("opinion"))
        if not submit:
            return services.start_process(user, definition.process_id, unit=unit, subject_cadre=cadre, data=fields)
        return services.start_and_submit(
            user,
            definition.process_id,
            unit=unit,
            subject_cadre=cadre,
            data=fields,
            opinion=values.get("opinion", ""),
            action=values.get("action") or None,
        )

    @staticmethod
    def _start_unit(user, definition, cadre, unit_id):
        if unit_id is not None:
            unit = Unit.objects.filter(pk=unit_id).first()
            if unit is None:
                raise exceptions.ValidationError({"unit": [_("没有这个单位")]})
            return unit  # the service checks the role on it (403) and that the cadre is within it (422)
        if services.may_start(user, definition, cadre.unit) and not policy.holds_role(user, definition.start_role, cadre.unit):
            return cadre.unit  # a role the process type adds (e.g. the organisation department's 动议, DOMAIN.md §4.3 step 1)
        grants = list(Grant.objects.filter(user=user, role=definition.start_role).select_related("unit"))
        if not grants:
            raise exceptions.PermissionDenied(_("您不具有“%(role)s”角色，不能发起此流程") % {"role": Role(definition.start_role).label})
        if any(cadre.unit.pk == g.unit.pk or (g.include_subordinates and cadre.unit.is_within(g.unit)) for g in grants):
            return cadre.unit
        containing = [g.unit for g in grants if cadre.unit.is_within(g.unit)]
        if containing:
            return max(containing, key=lambda u: len(u.path))
        raise RuleRefused(_("只能为本单位的干部发起"))

    def _start_plan(self, user, definition, start_form, values, fields):
        """A process whose start event has a form: the validated form is the start data, no cadre."""
        if values.get("cadre") is not None:
            raise exceptions.ValidationError({"cadre": [_("此流程发起时不选择干部")]})
        unit = self._plan_unit(user, definition, values.get("unit"))
        draft = ProcessInstance(definition=definition, nominating_unit=unit, started_by=user)
        _check_fields(start_form.form(instance=draft, user=user), fields)
        form = start_form.form(
            {**fields, "opinion": values.get("opinion", "")}, instance=draft, user=user, action=values.get("action") or None
        )
        if not form.is_valid():
            raise FormInvalid({name: [str(m) for m in messages] for name, messages in form.errors.items()})
        data = form.start_data() if hasattr(form, "start_data") else form.task_payload()
        return services.start_process(user, definition.process_id, unit=unit, data=data)

    @staticmethod
    def _plan_unit(user, definition, unit_id):
        if unit_id is not None:
            unit = Unit.objects.filter(pk=unit_id).first()
            if unit is None:
                raise exceptions.ValidationError({"unit": [_("没有这个单位")]})
            return unit  # the service checks the role on it (403)
        grants = list(Grant.objects.filter(user=user, role=definition.start_role).select_related("unit"))
        if not grants:
            raise exceptions.PermissionDenied(_("您不具有“%(role)s”角色，不能发起此流程") % {"role": Role(definition.start_role).label})
        if len(grants) == 1 and not grants[0].include_subordinates:
            return grants[0].unit
        raise exceptions.ValidationError({"unit": [_("您可以在多个单位发起此流程，请选择发起单位")]})

    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        serializer = s.CaseNoteSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.withdraw(request.user, case.pk, opinion=serializer.validated_data.get("opinion", ""))
        return case_response(request, case.pk)

    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        serializer = s.RemindSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.remind(request.user, case.pk, text=serializer.validated_data.get("text", ""))
        return case_response(request, case.pk)

    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        serializer = s.TerminateSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        services.terminate(request.user, case.pk, reason=serializer.validated_data["reason"])
        return case_response(request, case.pk)

    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        serializer = s.ObjectionRequestSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        objection = notice_desk.record_objection(
            request.user, case.pk, content=values["content"], contact=values.get("contact", ""), received_on=values.get("received_on")
        )
        return Response(s.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        case = access.case_or_404(request.user, pk)
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = case_attachments.add_attachment(
            request.user, case.pk, serializer.validated_data["file"], step=serializer.validated_data.get("step", "")
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


def _reserved(fields):
    return {name: [_("这是系统字段，不能提交")] for name in fields if name in services.RESERVED_KEYS}


def _check_fields(form, fields):
    """400 for values of the wrong JSON type, fields the step does not have, or system fields."""
    if form is None:
        errors = {name: [_("此环节没有该字段")] for name in fields}
    else:
        errors = type_errors(form.fields, fields, extra_allowed=accepts_extra_fields(form))
    errors.update(_reserved(fields))
    if errors:
        raise exceptions.ValidationError(errors)


# --------------------------------------------------------------------------- tasks


def _task_detail(request, task):
    user = request.user
    case = task.instance
    data = _ready_task_data(case, [task]).get(task.pk, {})
    form = form_class_for(case.definition.process_id, task.bpmn_id)(None, instance=case, task=task, user=user, task_data=data)
    refusal = policy.act_refusal(user, task, case)
    elsewhere = completed_elsewhere(task, case.definition.process_id)
    payload = {
        "id": task.pk,
        "bpmn_id": task.bpmn_id,
        "name": task.name,
        "role": task.role,
        "unit": task.unit,
        "claimed_by": task.claimed_by,
        "created_at": task.created_at,
        "due_at": task.due_at,
        "instance": case,
        "can_act": refusal is None,
        "refusal": str(refusal) if refusal else None,
        "actions": [
            {"code": a.code, "label": str(a.label), "kind": a.kind, "opinion_required": a.opinion_required, "primary": a.primary}
            for a in form.actions
        ],
        "form": form_schema(form),
        "values": {name: _jsonable(data[name]) for name in form.fields if name in data and name != "opinion"}
        | ({"opinion": data["draft_opinion"]} if data.get("draft_opinion") else {}),
        "notes": s.step_notes(data, RuleCheck.objects.latest_refusal(case)),
        "return_targets": task.return_targets(),
        "complete_via": elsewhere,
    }
    return s.TaskDetailSerializer(_Obj(payload), context={"request": request}).data


class _Obj:
    """Attribute access over a dict, for read-only serializers (and ``get_role_display``)."""

    def __init__(self, values):
        self.__dict__.update(values)

    def get_role_display(self):
        return str(Role(self.role).label)


def _task_queryset():
    # The engine state is tens of kB a row: loaded only where needed.
    return HumanTask.objects.select_related(
        "instance__definition", "instance__subject_cadre", "instance__nominating_unit", "instance__started_by", "unit", "claimed_by"
    ).defer("instance__state")


TASK_DETAIL = {200: s.TaskDetailSerializer}


@extend_schema_view(
    list=extend_schema(tags=["tasks"], summary=gettext_lazy("我的待办")),
    retrieve=extend_schema(tags=["tasks"], summary=gettext_lazy("任务：表单字段（JSON Schema）与可选操作"), responses=TASK_DETAIL),
    claim=extend_schema(tags=["tasks"], summary=gettext_lazy("认领"), request=None, responses=TASK_DETAIL),
    release=extend_schema(tags=["tasks"], summary=gettext_lazy("释放认领"), request=None, responses=TASK_DETAIL),
    draft=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("暂存（保存已填内容，不办理）"),
        request=s.TaskDraftSerializer,
        responses=TASK_DETAIL,
        description=gettext_lazy("表单字段与 opinion 并列放在请求体顶层；只检查格式，必填项可暂时留空。"),
    ),
    complete=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("办理（完成、退回、不同意……）"),
        request=s.TaskCompleteSerializer,
        parameters=[
            OpenApiParameter(
                "Prefer",
                str,
                location=OpenApiParameter.HEADER,
                enum=["return=representation", RETURN_MINIMAL],
                description=gettext_lazy(
                    "return=minimal（RFC 7240）：只返回案件的列表行、办理后的当前环节和此次关闭的任务，不重新读取整个案件；"
                    "默认返回案件详情。"
                ),
            )
        ],
        responses={
            200: PolymorphicProxySerializer(
                component_name="TaskCompletionAnswer",
                serializers=[s.ProcessDetailSerializer, s.CompletionAnswerSerializer],
                resource_type_field_name=None,
            )
        },
        description=gettext_lazy("表单字段与 action、opinion 并列放在请求体顶层。重复提交同一请求不会办理两个环节：第二次得到 409。"),
    ),
    transfer=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("转办（交由同一单位同一角色的其他人员办理）"),
        request=s.TransferRequestSerializer,
        responses=TASK_DETAIL,
    ),
    delegate=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("委派（请同事处理后交回，由您完成本环节）"),
        request=s.DelegateTaskRequestSerializer,
        responses=TASK_DETAIL,
    ),
    delegate_return=extend_schema(
        tags=["tasks"], summary=gettext_lazy("委派交回（附处理意见）"), request=s.HandlingReturnSerializer, responses=TASK_DETAIL
    ),
    countersigners=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("加签（请他人在您之前或之后签署）"),
        request=s.CountersignerRequestSerializer,
        responses=TASK_DETAIL,
        description=gettext_lazy(
            "before：加签人签署前您不能办理本环节；after：您办理后，决定暂缓生效，待加签人全部同意后生效，有人不同意则退回给您重新办理。"
        ),
    ),
    countersign=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("加签人签署（同意或不同意）"),
        request=s.CountersignRequestSerializer,
        responses=CASE_DETAIL,
    ),
    batch_complete=extend_schema(
        tags=["tasks"],
        summary=gettext_lazy("批量审批（同一环节的多个任务，以同一意见逐件“同意”）"),
        request=s.BatchCompleteRequestSerializer,
        responses={200: s.BatchResultSerializer(many=True)},
        description=gettext_lazy(
            "所选任务须是您能查看的、同一流程同一环节的任务，且该环节只需填写意见、主操作为“同意”；"
            "一次最多 50 个，否则整批 400、不办理任何任务。"
            "各任务分别办理（各自的事务、权限检查、历史记录和通知）：返回与请求顺序相同的逐件结果，"
            "成功的 ok=true 并给出案件，未办理的 ok=false 并给出 code"
            "（conflict、permission_denied、validation_error、invalid）和 message。"
        ),
    ),
)
class TaskViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's inbox: the tasks they may act on now (role on the task's unit, no recusal,
    not the nominator of a case they would judge, unclaimed or claimed by them)."""

    serializer_class = s.TaskSerializer
    queryset = HumanTask.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = TaskFilter
    error_statuses = {
        "claim": (403, 404, 409),
        "release": (403, 404, 409),
        "draft": (400, 403, 404, 409, 422),
        "complete": (400, 403, 404, 409, 422),
        "batch_complete": (400,),
        "transfer": (400, 403, 404, 409, 422),
        "delegate": (400, 403, 404, 409, 422),
        "delegate_return": (400, 403, 404, 409),
        "countersigners": (400, 403, 404, 409, 422),
        "countersign": (400, 403, 404, 409, 422),
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HumanTask.objects.none()
        return _task_queryset().inbox_for(self.request.user)

    def get_serializer_class(self):
        return s.InboxTaskSerializer if self.action == "list" else super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = inbox.mark(request.user, list(page))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def _handover(self, request, pk, serializer_class, operation):
        task = access.task_for_action(request.user, pk)
        serializer = serializer_class(data=_body(request))
        serializer.is_valid(raise_exception=True)
        operation(task, serializer.validated_data)
        return task

    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        task = self._handover(
            request,
            pk,
            s.TransferRequestSerializer,
            lambda task, v: handover.transfer_task(request.user, task.pk, to=v["to"], opinion=v.get("opinion", "")),
        )
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"])
    def delegate(self, request, pk=None):
        task = self._handover(
            request,
            pk,
            s.DelegateTaskRequestSerializer,
            lambda task, v: handover.delegate_task(request.user, task.pk, to=v["to"], note=v.get("note", "")),
        )
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"], url_path="delegate-return")
    def delegate_return(self, request, pk=None):
        task = self._handover(
            request,
            pk,
            s.HandlingReturnSerializer,
            lambda task, v: handover.return_delegated_task(request.user, task.pk, opinion=v["opinion"]),
        )
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"])
    def countersigners(self, request, pk=None):
        task = self._handover(
            request,
            pk,
            s.CountersignerRequestSerializer,
            lambda task, v: handover.add_countersigner(
                request.user, task.pk, signer=v["signer"], position=v["position"], note=v.get("note", "")
            ),
        )
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"])
    def countersign(self, request, pk=None):
        task = self._handover(
            request,
            pk,
            s.CountersignRequestSerializer,
            lambda task, v: handover.countersign(request.user, task.pk, opinion=v.get("opinion", ""), agree=v["agree"]),
        )
        return case_response(request, task.instance_id)

    @action(detail=False, methods=["post"], url_path="batch-complete", filter_backends=[], pagination_class=None)
    def batch_complete(self, request):
        serializer = s.BatchCompleteRequestSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        try:
            results = batches.complete_batch(request.user, values["tasks"], opinion=values.get("opinion", ""))
        except batches.BatchRefused as exc:
            raise exceptions.ValidationError({exc.field: [str(exc.message)]}) from exc
        return Response(s.BatchResultSerializer(results, many=True).data)

    def retrieve(self, request, pk=None):
        task = _task_queryset().filter(pk=pk).filter(pk__in=access.visible_tasks(request.user).values("pk")).first()
        if task is None:
            raise exceptions.NotFound()
        return Response(_task_detail(request, task))

    def _fresh(self, request, pk):
        """The task after a claim, release or draft (gone meanwhile: a conflict)."""
        task = _task_queryset().filter(pk=pk).filter(pk__in=access.visible_tasks(request.user).values("pk")).first()
        if task is None:
            raise Conflict()
        return Response(_task_detail(request, task))

    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        task = access.task_for_action(request.user, pk)
        services.claim(request.user, task.pk)
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        task = access.task_for_action(request.user, pk)
        services.unclaim(request.user, task.pk)
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"])
    def draft(self, request, pk=None):
        user = request.user
        task = access.task_for_action(user, pk)
        case = task.instance
        body = _body(request)
        meta = s.TaskDraftSerializer(data={k: v for k, v in body.items() if k == "opinion"})
        meta.is_valid(raise_exception=True)
        fields = {k: v for k, v in body.items() if k != "opinion"}
        _check_fields(form_class_for(case.definition.process_id, task.bpmn_id)(None, instance=case, task=task, user=user), fields)
        services.save_draft(user, task.pk, data=fields, opinion=meta.validated_data.get("opinion", ""))
        return self._fresh(request, task.pk)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The task is read once, by the service under its lock, with the person's grants: the
        request's own checks run there once the policy let the caller act (who may act may see
        the task); a refusal or a closed task asks afterwards whether the caller may see it at all
        (404 otherwise). The answer shows the case through the grants read under the lock."""
        user = request.user
        body = _body(request)
        meta = s.TaskCompleteSerializer(data={k: v for k, v in body.items() if k in ("action", "opinion")})
        meta.is_valid(raise_exception=True)
        chosen = meta.validated_data.get("action") or None
        fields = {k: v for k, v in body.items() if k not in ("action", "opinion")}

        def check_request(task, case):
            elsewhere = completed_elsewhere(task, case.definition.process_id)
            if elsewhere:
                raise RuleRefused(_("此环节须通过 %(path)s 办理") % {"path": elsewhere})
            form = form_class_for(case.definition.process_id, task.bpmn_id)(None, instance=case, task=task, user=user)
            codes = [a.code for a in form.actions]
            if chosen is not None and chosen not in codes:
                raise exceptions.ValidationError({"action": [_("请选择一个有效的操作：%(actions)s") % {"actions": "、".join(codes)}]})
            _check_fields(form, fields)

        try:
            case = services.complete_task(
                user, int(pk), data=fields, opinion=meta.validated_data.get("opinion", ""), action=chosen, check=check_request
            )
        except (TaskConflict, ActionNotAllowed):
            access.task_for_action(user, pk)  # 404 for a task the caller may not see; 409 for a closed one they may
            raise
        if prefers_minimal(request):
            return completion_answer(case)
        return case_response(request, case.pk, facts=policy.facts_seen(user))


# --------------------------------------------------------------------------- common opinions


@extend_schema_view(
    list=extend_schema(tags=["opinions"], summary=gettext_lazy("我的常用意见（个人的和所在单位的）")),
    create=extend_schema(
        tags=["opinions"],
        summary=gettext_lazy("新增个人常用意见"),
        request=s.CommonOpinionSerializer,
        responses={201: s.CommonOpinionSerializer},
    ),
    destroy=extend_schema(tags=["opinions"], summary=gettext_lazy("删除个人常用意见"), responses={204: None}),
)
class CommonOpinionViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """常用意见: the caller's personal ones and those of the units they hold a role on. The API
    adds and deletes personal ones; a unit's are kept on the web page by its reviewers and approvers."""

    serializer_class = s.CommonOpinionSerializer
    queryset = CommonOpinion.objects.none()
    error_statuses = {"create": (400,), "destroy": (403, 404)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CommonOpinion.objects.none()
        return CommonOpinion.objects.for_user(self.request.user)

    def create(self, request):
        serializer = s.CommonOpinionSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        try:
            opinion = common_opinions.add(request.user, serializer.validated_data["text"])
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"text": exc.messages}) from exc
        return Response(s.CommonOpinionSerializer(opinion).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        opinion = self.get_queryset().filter(pk=pk).first()
        if opinion is None:
            raise exceptions.NotFound()
        if opinion.owner_id != request.user.pk:
            raise exceptions.PermissionDenied(_("单位常用意见只能由该单位的审核、审批人员在网页上维护"))
        opinion.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# --------------------------------------------------------------------------- notices


@extend_schema_view(
    create=extend_schema(
        tags=["notices"],
        summary=gettext_lazy("发布公示（完成所选案件的“发布公示”环节并印发公示）"),
        request=s.NoticeRequestSerializer,
        responses={201: s.NoticeSerializer},
    ),
    retrieve=extend_schema(tags=["notices"], summary=gettext_lazy("公示")),
)
class NoticeViewSet(ApiViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.NoticeSerializer
    queryset = Notice.objects.none()
    error_statuses = {"create": (400, 403, 409, 422)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        cases = access.visible_cases(self.request.user)
        return (
            Notice.objects.filter(pk__in=Notice.objects.filter(cases__in=cases).values("pk"))
            .select_related("issuer", "document__issuer", "document__instance")
            .prefetch_related("cases")
        )

    def create(self, request):
        serializer = s.NoticeRequestSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        ids = list(dict.fromkeys(values["tasks"]))
        found = set(access.visible_tasks(request.user).filter(pk__in=ids).values_list("pk", flat=True))
        missing = [pk for pk in ids if pk not in found]
        for pk in missing:
            with contextlib.suppress(exceptions.NotFound):
                access.task_for_action(request.user, pk)  # 409 when it closed meanwhile …
        if missing:  # … otherwise it is not the caller's to see
            raise exceptions.ValidationError(
                {"tasks": [_("任务 %(ids)s 不存在或您无权查看") % {"ids": "、".join(str(pk) for pk in missing)}]}
            )
        notice = notice_desk.publish_notice(
            request.user,
            ids,
            start_date=values.get("start_date"),
            working_days=values.get("working_days"),
            contact=values["contact"],
            title=values.get("title", ""),
        )
        notice = self.get_queryset().get(pk=notice.pk)
        return Response(s.NoticeSerializer(notice, context={"request": request}).data, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- cadres


@extend_schema_view(
    list=extend_schema(tags=["cadres"], summary=gettext_lazy("我的单位范围内的干部")),
    retrieve=extend_schema(tags=["cadres"], summary=gettext_lazy("干部：基本信息、年度考核、奖励、处分、立案")),
)
class CadreViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.CadreSerializer
    queryset = Cadre.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = CadreFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cadre.objects.none()
        qs = access.visible_cadres(self.request.user).select_related("unit").order_by("unit__path", "name", "id")
        if self.action == "retrieve":
            qs = qs.prefetch_related("assessments", "awards", "sanctions", "investigations")
        return qs

    def get_serializer_class(self):
        return s.CadreDetailSerializer if self.action == "retrieve" else s.CadreSerializer


# --------------------------------------------------------------------------- documents and attachments


@extend_schema_view(
    retrieve=extend_schema(tags=["documents"], summary=gettext_lazy("已印发文书")),
    download=extend_schema(
        tags=["documents"], summary=gettext_lazy("下载 PDF"), responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)}
    ),
    verify=extend_schema(
        tags=["documents"],
        summary=gettext_lazy("核验文书（无需登录）"),
        auth=[],
        parameters=[s.VerifyQuerySerializer],
        responses={200: s.VerificationSerializer},
    ),
)
class DocumentViewSet(ApiViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.DocumentSerializer
    queryset = IssuedDocument.objects.none()
    error_statuses = {"download": (403,), "verify": (400, 429)}

    def get_queryset(self):
        return IssuedDocument.objects.select_related("issuer", "instance")

    def _visible(self, pk, queryset=None):
        document = (queryset if queryset is not None else self.get_queryset()).filter(pk=pk).first()
        if document is None or not access.document_visible(self.request.user, document):
            raise exceptions.NotFound()
        return document

    def retrieve(self, request, pk=None):
        return Response(s.DocumentSerializer(self._visible(pk)).data)

    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, BinaryRenderer])
    def download(self, request, pk=None):
        document = self._visible(pk, IssuedDocument.objects.defer(None).select_related("issuer", "instance__nominating_unit"))
        if not can_download(request.user, document):
            raise exceptions.PermissionDenied(_("您无权下载此文书"))
        filename = f"{document.number or document.get_kind_display()}-v{document.version}.pdf"
        response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["ETag"] = f'"{document.sha256}"'
        response["Cache-Control"] = "private, max-age=0"
        return response

    @action(detail=False, methods=["get"], permission_classes=[AllowAny], throttle_classes=[VerifyThrottle])
    def verify(self, request):
        query = s.VerifyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = verify_hash(query.validated_data["sha256"], query.validated_data.get("number") or None)
        return Response(
            s.VerificationSerializer(
                {
                    "status": result.status,
                    "sha256": result.sha256,
                    "document": result.document,
                    "latest_version": result.latest.version if result.latest else None,
                }
            ).data
        )


@extend_schema_view(
    download=extend_schema(
        tags=["processes"],
        summary=gettext_lazy("下载附件"),
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY),
        },
    )
)
class AttachmentViewSet(ApiViewMixin, viewsets.GenericViewSet):
    queryset = Attachment.objects.none()
    serializer_class = s.AttachmentSerializer

    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, BinaryRenderer])
    def download(self, request, pk=None):
        attachment = Attachment.objects.filter(pk=pk, instance__in=access.visible_cases(request.user)).first()
        if attachment is None:
            raise exceptions.NotFound()
        response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
        response["Content-Disposition"] = content_disposition_header(True, attachment.file_name)
        response["Cache-Control"] = "private, max-age=0"
        return response


# --------------------------------------------------------------------------- notifications


@extend_schema_view(
    list=extend_schema(
        tags=["notifications"],
        summary=gettext_lazy("我的通知（最新在前）"),
        parameters=[OpenApiParameter("unread", bool, description=gettext_lazy("只看未读"))],
    ),
    read=extend_schema(tags=["notifications"], summary=gettext_lazy("标为已读"), request=None, responses={200: s.NotificationSerializer}),
    read_all=extend_schema(tags=["notifications"], summary=gettext_lazy("全部标为已读"), request=None, responses={200: s.MarkedSerializer}),
)
class NotificationViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """In-app notifications: a task reached me, a case was returned or ended, 催办."""

    serializer_class = s.NotificationSerializer
    queryset = Notification.objects.none()
    filter_backends = []
    error_statuses = {"list": (400,), "read": (404,)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = Notification.objects.filter(user=self.request.user).select_related("instance").order_by("-created_at", "-id")
        if self.action == "list":
            unread = self.request.query_params.get("unread")
            if unread not in (None, "", "true", "false", "1", "0"):
                raise exceptions.ValidationError({"unread": [_("请填写 true 或 false")]})
            if unread in ("true", "1"):
                qs = qs.filter(read_at__isnull=True)
        return qs

    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = self.get_queryset().filter(pk=pk).first()
        if note is None:
            raise exceptions.NotFound()
        if note.read_at is None:
            note.read_at = timezone.now()
            Notification.objects.filter(pk=note.pk).update(read_at=note.read_at)
        return Response(s.NotificationSerializer(note).data)

    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked": marked})


# --------------------------------------------------------------------------- annual candidates


def _candidate_unit(user, unit_id):
    """A unit where the caller may start merit citations (the candidates' nominating unit)."""
    definition = _latest_definitions().get(award_candidates.PROCESS)
    unit = Unit.objects.filter(pk=unit_id).first()
    if definition is None or unit is None:
        raise exceptions.ValidationError({"unit": [_("没有这个单位")]})
    if not policy.holds_role(user, definition.start_role, unit):
        raise exceptions.PermissionDenied(
            _("您不具有“%(unit)s”的“%(role)s”角色") % {"unit": unit.name, "role": Role(definition.start_role).label}
        )
    return unit


@extend_schema_view(
    list=extend_schema(
        tags=["award candidates"],
        summary=gettext_lazy("年度考核优秀的奖励候选人（《规则手册》1.5）"),
        parameters=[s.CandidateQuerySerializer],
    ),
    start=extend_schema(
        tags=["award candidates"],
        summary=gettext_lazy("为所选候选人批量发起推荐（已预填）"),
        request=s.CandidateStartSerializer,
        responses={201: s.CandidatesStartedSerializer},
    ),
)
class CandidateViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """One year 优秀 → 嘉奖; three consecutive years 优秀 → 记三等功: listed per unit, started in one batch."""

    serializer_class = s.CandidateSerializer
    queryset = Cadre.objects.none()
    filter_backends = []
    error_statuses = {"list": (400,), "start": (400, 403, 422)}

    def list(self, request):
        query = s.CandidateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        unit = _candidate_unit(request.user, query.validated_data["unit"])
        found = award_candidates.annual_candidates(unit, query.validated_data["year"])
        page = self.paginate_queryset(found)
        return self.get_paginated_response(s.CandidateSerializer(page, many=True).data)

    @action(detail=False, methods=["post"])
    def start(self, request):
        body = s.CandidateStartSerializer(data=_body(request))
        body.is_valid(raise_exception=True)
        values = body.validated_data
        unit = _candidate_unit(request.user, values["unit"])
        started = award_candidates.start_batch(request.user, unit, values["year"], list(dict.fromkeys(values["cadres"])))
        cases = (
            _case_queryset(request.user)
            .filter(pk__in=[c.pk for c in started])
            .prefetch_related(Prefetch("tasks", HumanTask.objects.select_related("unit", "claimed_by").order_by("created_at", "id")))
        )
        return Response({"processes": s.ProcessSerializer(cases.order_by("pk"), many=True).data}, status=status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- 委托


@extend_schema_view(
    list=extend_schema(tags=["delegations"], summary=gettext_lazy("我的委托（委托他人的和他人委托我的）")),
    create=extend_schema(
        tags=["delegations"],
        summary=gettext_lazy("委托同事在指定日期内代为办理我的待办"),
        request=s.DelegationRequestSerializer,
        responses={201: s.DelegationSerializer},
    ),
    end=extend_schema(
        tags=["delegations"], summary=gettext_lazy("提前结束委托（委托人或受托人）"), request=None, responses={200: s.DelegationSerializer}
    ),
)
class DelegationViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """委托: while away, a person lets a colleague act on their tasks; the delegate's actions are
    recorded as done for the delegator."""

    serializer_class = s.DelegationSerializer
    queryset = Delegation.objects.none()
    filter_backends = []
    error_statuses = {"create": (400, 422), "end": (403, 404, 422)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Delegation.objects.none()
        return delegations.delegations_of(self.request.user).order_by("-starts_on", "-id")

    def create(self, request):
        serializer = s.DelegationRequestSerializer(data=_body(request))
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        delegation = delegations.create_delegation(
            request.user,
            delegate=values["delegate"],
            starts_on=values["starts_on"],
            ends_on=values["ends_on"],
            process_ids=values.get("process_ids") or [],
            reason=values.get("reason", ""),
        )
        return Response(s.DelegationSerializer(delegation).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        if not self.get_queryset().filter(pk=pk).exists():
            raise exceptions.NotFound()
        delegation = delegations.end_delegation(request.user, pk)
        return Response(s.DelegationSerializer(delegation).data)


# --------------------------------------------------------------------------- 预警提醒, 领导职数, 统计分析 (issue 16)


def _query(request):
    """The query string as a dict for a query serializer; an empty value is no filter (as on the pages)."""
    return {key: value for key, value in request.query_params.items() if value != ""}


def _as_page(page_function, *args):
    """Calls a page's own scope function; its refusal (no role on any unit) is the API's 403 with the page's message."""
    try:
        return page_function(*args)
    except DjangoPermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc


ALERT_QUERY = [s.AlertQuerySerializer]


@extend_schema_view(
    list=extend_schema(
        tags=["supervision"],
        summary=gettext_lazy("预警提醒：我的单位范围内干部的预警（轮岗、试用期满、退休、体检、培训……）"),
        parameters=ALERT_QUERY,
    ),
    counts=extend_schema(
        tags=["supervision"],
        summary=gettext_lazy("预警提醒：按单位和类型统计"),
        parameters=ALERT_QUERY,
        responses={200: s.AlertCountsSerializer},
    ),
)
class AlertViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """预警提醒 (DOMAIN.md §10): the rows and counts of /supervision/alerts/, through the page's own
    scope and filters (``supervision.views``) and alert queries (``supervision.alerts``)."""

    serializer_class = s.AlertSerializer
    queryset = Cadre.objects.none()
    filter_backends = []
    error_statuses = {"list": (400,), "counts": (400,)}

    def _alerts(self, request):
        """(today, the alerts the filters select, the chosen kind or None)."""
        query = s.AlertQuerySerializer(data=_query(request))
        query.is_valid(raise_exception=True)
        cadres, _units, form, _unit, kind = _as_page(alert_pages.scope, request)
        if form.is_bound and not form.is_valid():
            # The page offers only the units of the cadres the person may see.
            raise exceptions.ValidationError({"unit": [_("没有这个单位，或该单位没有您可以查看的干部")]})
        day = alert_pages.today()
        return day, alert_rules.alerts(cadres, day, kinds=[kind] if kind else None), kind

    def list(self, request):
        _day, rows, _kind = self._alerts(request)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.AlertSerializer(page, many=True).data)

    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request):
        day, rows, kind = self._alerts(request)
        table, units = alert_rules.counts(rows)
        kinds = [k for k in alert_rules.KINDS if kind is None or k.code == kind]
        per_unit = []
        for unit in units:
            cells = {k.code: table.get((unit.pk, k.code), 0) for k in kinds}
            per_unit.append({"unit": unit, "counts": cells, "total": sum(cells.values())})
        totals = {k.code: sum(1 for row in rows if row.kind.code == k.code) for k in kinds}
        data = {"date": day, "kinds": kinds, "units": per_unit, "totals": totals, "total": len(rows)}
        return Response(s.AlertCountsSerializer(data).data)


@extend_schema_view(
    list=extend_schema(
        tags=["supervision"],
        summary=gettext_lazy("领导职数：按单位和职级层次的核定职数、实有、在办动议、空缺、超职数"),
    ),
)
class PostQuotaViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """职数 (DOMAIN.md §10 "Post quotas"): the lines of /quotas/ for the units the caller holds a
    role on (``quotas.views`` and ``quotas.counting``)."""

    serializer_class = s.PostQuotaLineSerializer
    queryset = Unit.objects.none()
    filter_backends = []

    def list(self, request):
        _today, lines = _as_page(quota_pages.quota_lines, request)
        page = self.paginate_queryset(lines)
        return self.get_paginated_response(s.PostQuotaLineSerializer(page, many=True).data)


@extend_schema_view(
    get=extend_schema(
        tags=["supervision"],
        summary=gettext_lazy("统计分析：与统计页面相同的各表（奖励、考核优秀比例、提拔、挂职、在办案件、预警）"),
        parameters=[s.StatisticsQuerySerializer],
        responses={200: s.StatisticsSerializer},
    ),
)
class StatisticsView(ApiViewMixin, APIView):
    """统计分析: the tables of /stats/ with the page's filters (``stats.views``) and counts
    (``stats.queries.statistics``). A year outside the years the page offers, or a unit outside
    the caller's, is a 400 (the page quietly shows the nearest year, or all units)."""

    error_statuses = {"get": (400,)}

    def get(self, request):
        query = s.StatisticsQuerySerializer(data=_query(request))
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        _form, year, unit, _focus, groups = _as_page(stats_pages.filters, request)
        if "year" in wanted and wanted["year"] != year:
            last = timezone.localdate().year
            first = last - stats_pages.YEARS_OFFERED + 1
            raise exceptions.ValidationError({"year": [_("年度须在%(first)s年至%(last)s年之间") % {"first": first, "last": last}]})
        if "unit" in wanted and (unit is None or unit.pk != wanted["unit"]):
            raise exceptions.ValidationError({"unit": [_("没有这个单位，或不在您的单位范围内")]})
        sections = stats_queries.statistics(request.user, unit, year, groups)
        return Response(s.StatisticsSerializer({"year": year, "unit": unit, "sections": sections}).data)
