"""What the API reads and writes. Responses are read-only serializers over the models; requests
are validated here before a service function sees them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from documents.models import DocumentKind, IssuedDocument
from notices.models import ObjectionOutcome
from permissions import policy
from permissions.roles import Role
from workflows import clock, presenting, process_types
from workflows.models import HistoryAction, InstanceStatus
from workspace.batch import MAX_BATCH
from workspace.models import OPINION_MAX_LENGTH

from .formschema import INT64_MAX

ID = {"min_value": 1, "max_value": INT64_MAX}
# Choice sets named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].
VERIFICATION_STATUSES = [("genuine", "genuine"), ("superseded", "superseded"), ("not_genuine", "not_genuine")]


def _full_name(user):
    return (user.get_full_name() or user.get_username()) if user else ""


# --------------------------------------------------------------------------- references


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    code = serializers.CharField(read_only=True)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return _full_name(user)


class CadreRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProcessTypeRefSerializer(serializers.Serializer):
    key = serializers.CharField(source="process_id", read_only=True)
    name = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class CaseRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    business_key = serializers.CharField(read_only=True)


# --------------------------------------------------------------------------- auth


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text=_("在请求头中发送：Authorization: Token <token>"))
    user = UserRefSerializer(read_only=True)


# --------------------------------------------------------------------------- process types


class GrantedUnitSerializer(UnitRefSerializer):
    include_subordinates = serializers.BooleanField(read_only=True)


class StepRefSerializer(serializers.Serializer):
    bpmn_id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ProcessTypeSerializer(serializers.Serializer):
    key = serializers.CharField(source="process_id", read_only=True, help_text=_("流程标识，发起时作为 process_type"))
    name = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    start_role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    start_role_label = serializers.SerializerMethodField()
    start_units = serializers.SerializerMethodField(help_text=_("您可以在这些单位（及注明含下级的下级单位）发起"))
    start_step = serializers.SerializerMethodField(
        help_text=_("发起表单所属的环节：开始事件（如选派计划）或发起后的第一个环节（如填报推荐材料）")
    )
    start_form = serializers.SerializerMethodField(help_text=_("发起表单字段（JSON Schema），与 process_type 等并列提交"))
    requires_cadre = serializers.SerializerMethodField(help_text=_("发起时是否须指定当事干部（cadre）"))
    cadre_optional = serializers.SerializerMethodField(
        help_text=_(
            "也可不指定当事干部发起：第一个环节的表单自行填写办理对象（推荐集体：collective_kind，"
            "以及 collective_unit 或 collective_name 与 members）"
        )
    )

    def get_start_role_label(self, definition) -> str:
        return str(Role(definition.start_role).label)

    @extend_schema_field(GrantedUnitSerializer(many=True))
    def get_start_units(self, definition):
        grants = self.context["grants_by_role"].get(definition.start_role, [])
        return [{"id": g.unit.pk, "name": g.unit.name, "code": g.unit.code, "include_subordinates": g.include_subordinates} for g in grants]

    @extend_schema_field(StepRefSerializer(allow_null=True))
    def get_start_step(self, definition):
        step = self.context["start_forms"](definition).step
        return {"bpmn_id": step[0], "name": step[1]} if step else None

    @extend_schema_field({"type": "object", "additionalProperties": {}, "nullable": True})
    def get_start_form(self, definition):
        return self.context["start_forms"](definition).schema()

    def get_requires_cadre(self, definition) -> bool:
        return not self.context["start_forms"](definition).plan

    def get_cadre_optional(self, definition) -> bool:
        process_type = process_types.get(definition.process_id)
        return bool(process_type and process_type.start_without_cadre)


# --------------------------------------------------------------------------- cases


class StepNotesSerializer(serializers.Serializer):
    return_reason = serializers.CharField(allow_null=True, read_only=True, help_text=_("退回理由"))
    returned_from = serializers.CharField(allow_null=True, read_only=True, help_text=_("从哪个环节退回"))
    eligibility_failures = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("资格或限制条件审查未通过的理由（退回发起单位时）")
    )
    rule_checkpoint = serializers.CharField(allow_null=True, read_only=True, help_text=_("未通过的审查环节"))


class StepBriefSerializer(serializers.Serializer):
    """An open step of a case."""

    id = serializers.IntegerField(read_only=True, help_text=_("任务编号（/api/v1/tasks/{id}/）"))
    bpmn_id = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    unit = UnitRefSerializer(read_only=True)
    claimed_by = UserRefSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, task) -> bool:
        return bool(task.due_at and task.due_at < clock.now())


class StepSerializer(StepBriefSerializer):
    can_act = serializers.SerializerMethodField(help_text=_("您现在能否办理此环节"))
    refusal = serializers.SerializerMethodField(help_text=_("不能办理的原因"))
    notes = serializers.SerializerMethodField()

    def _refusal(self, task):
        cache = self.context.setdefault("_refusals", {})
        if task.pk not in cache:
            user = self.context["request"].user
            if "_facts" not in self.context:  # the person's grants and relatives, once for every step
                # A display: the facts this request's visibility query read serve (policy.facts_seen).
                self.context["_facts"] = policy.facts_seen(user) or policy.person_facts(user)
            cache[task.pk] = policy.act_refusal(user, task, task.instance, facts=self.context["_facts"])
        return cache[task.pk]

    def get_can_act(self, task) -> bool:
        return self._refusal(task) is None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_refusal(self, task):
        refusal = self._refusal(task)
        return str(refusal) if refusal else None

    @extend_schema_field(StepNotesSerializer)
    def get_notes(self, task):
        return step_notes(self.context.get("task_data", {}).get(task.pk, {}), self.context.get("rule_refusal"))


def step_notes(data, refusal=None):
    """What an open step is told: the 退回 reason, and the failed rule check that sent the case
    back (read from the case's RuleCheck; cases on earlier diagram versions kept it in task data)."""
    failures = refusal.reasons if refusal is not None else (data.get("eligibility_failures") or data.get("limit_failures") or [])
    return {
        "return_reason": data.get("return_reason") or None,
        "returned_from": data.get("returned_from_name") or None,
        "eligibility_failures": [str(f) for f in failures] if isinstance(failures, list) else [],
        "rule_checkpoint": refusal.checkpoint_label if refusal is not None else None,
    }


# --------------------------------------------------------------------------- history fields
# How a step's submitted fields read: the same rows as the case page's history (workflows.presenting).
history_rows = presenting.describe_event


class HistoryFieldSerializer(serializers.Serializer):
    """A field a step submitted, as the case page's history shows it: ``value`` is the recorded
    value (a code, an id, an ISO date), ``display`` what a reader sees (the choice's label, the
    names of the records, a formatted date), ``label`` the field's title on the form."""

    field = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    value = serializers.JSONField(read_only=True)
    display = serializers.CharField(read_only=True)


class HistoryEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    action = serializers.ChoiceField(choices=HistoryAction.choices, read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    step = serializers.CharField(source="task_bpmn_id", read_only=True)
    step_name = serializers.CharField(source="task_name", read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True, help_text=_("空表示系统（定时器等）"))
    on_behalf_of = UserRefSerializer(read_only=True, allow_null=True, help_text=_("经委托代为办理时，委托人"))
    opinion = serializers.CharField(read_only=True)
    decision = serializers.SerializerMethodField(help_text=_("所选操作，如 approve、reject、submit"))
    decision_label = serializers.SerializerMethodField()
    submitted = serializers.SerializerMethodField()

    def get_decision(self, event) -> str:
        if event.action == HistoryAction.RETURN:
            return "return"
        value = (event.changed_fields or {}).get("decision") if isinstance(event.changed_fields, dict) else None
        return str(value) if value else ""

    def _rows(self, event):
        cache = self.context.setdefault("_history_rows", {})
        if event.pk not in cache:
            cache[event.pk] = history_rows(event.instance, event)
        return cache[event.pk]

    def get_decision_label(self, event) -> str:
        return self._rows(event)[1]

    @extend_schema_field(HistoryFieldSerializer(many=True))
    def get_submitted(self, event):
        return self._rows(event)[0]


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    title = serializers.CharField(read_only=True)
    number = serializers.CharField(read_only=True, allow_null=True, help_text=_("发文字号"))
    issuer = UnitRefSerializer(read_only=True)
    year = serializers.IntegerField(read_only=True)
    version = serializers.IntegerField(read_only=True)
    supersedes = serializers.IntegerField(source="supersedes_id", read_only=True, allow_null=True, help_text=_("本版本取代的上一版本"))
    sha256 = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    page_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    case = CaseRefSerializer(source="instance", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, document) -> str:
        return reverse("api:document-download", kwargs={"pk": document.pk})


class NoticeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    start_date = serializers.DateField(read_only=True)
    end_date = serializers.DateField(read_only=True)
    working_days = serializers.IntegerField(read_only=True)
    document = serializers.IntegerField(source="document_id", read_only=True, allow_null=True, help_text=_("公示文件编号"))


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    file_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)
    step = serializers.CharField(read_only=True)
    uploaded_at = serializers.DateTimeField(read_only=True)
    uploaded_by = UserRefSerializer(read_only=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        return reverse("api:attachment-download", kwargs={"pk": attachment.pk})


class ProcessSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    business_key = serializers.CharField(read_only=True, help_text=_("业务编号"))
    process_type = ProcessTypeRefSerializer(source="definition", read_only=True)
    status = serializers.ChoiceField(choices=InstanceStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    subject_cadre = CadreRefSerializer(read_only=True, allow_null=True)
    subject_label = serializers.CharField(read_only=True, help_text=_("办理对象不是干部时（如受推荐的集体）的名称"))
    nominating_unit = UnitRefSerializer(read_only=True)
    started_by = UserRefSerializer(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_timer_due = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_("等待的定时器（如公示期满）"))
    outcome = serializers.CharField(read_only=True, help_text=_("到达的结束事件，办结后才有"))
    outcome_label = serializers.CharField(read_only=True)
    version = serializers.IntegerField(read_only=True, help_text=_("修订号：每次变化加一"))
    current_steps = StepBriefSerializer(source="tasks", many=True, read_only=True)


class CaseRowAfterActionSerializer(ProcessSerializer):
    """The case's row as an action left it: its open steps are those the action knows of
    (``current_steps_after_action``), not read back."""

    current_steps = StepBriefSerializer(source="current_steps_after_action", many=True, read_only=True)


class CompletionAnswerSerializer(serializers.Serializer):
    """A completion's answer with ``Prefer: return=minimal`` (RFC 7240): the case as its row in
    the case list, its open steps as the completion left them, and the steps it closed — built
    from what the completion holds in memory, without reading the case back."""

    case = CaseRowAfterActionSerializer(read_only=True)
    closed_steps = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text=_("此次办理关闭的任务编号（所办任务及随之取消的并行任务）")
    )


class RuleFailureSerializer(serializers.Serializer):
    rule = serializers.CharField(read_only=True, help_text=_("规则代码（决策表的规则输出）"))
    reason = serializers.CharField(read_only=True)


class RuleCheckSerializer(serializers.Serializer):
    """One run of the case's rule table: at the start, and again before the decision, approval,
    appointment or issue (DOMAIN.md §1.4, §4.2). A failed recheck stops the case."""

    checkpoint = serializers.CharField(read_only=True)
    checkpoint_label = serializers.CharField(read_only=True)
    checked_at = serializers.DateTimeField(read_only=True)
    passed = serializers.BooleanField(read_only=True)
    failures = RuleFailureSerializer(many=True, read_only=True)


class ProcessDetailSerializer(ProcessSerializer):
    current_steps = StepSerializer(source="tasks", many=True, read_only=True)
    history = serializers.SerializerMethodField(help_text=_("办理记录；当事人及其亲属看不到廉政意见和异议的登记、核查与处理（回避）"))
    rule_checks = RuleCheckSerializer(many=True, read_only=True, help_text=_("资格、限制条件审查及复核记录"))
    objections = serializers.SerializerMethodField(help_text=_("公示期间收到的异议及核查结论（当事人及其亲属看不到）"))

    def _restricted(self, case):
        request = self.context.get("request")
        return request is not None and presenting.restricted_for(request.user, case)

    @extend_schema_field(HistoryEventSerializer(many=True))
    def get_history(self, case):
        request = self.context.get("request")
        events = case.history.all()
        if request is not None:
            events = presenting.readable_history(events, request.user, case)
        return HistoryEventSerializer(events, many=True, context=self.context).data

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_objections(self, case):
        rows = getattr(case, "objections", None)
        if rows is None or self._restricted(case):
            return []
        return ObjectionSerializer(rows.all(), many=True).data

    documents = serializers.SerializerMethodField()
    notices = NoticeBriefSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, case):
        documents = list(case.documents.select_related("issuer", "instance").order_by("created_at", "id"))
        seen = {d.pk for d in documents}
        for notice in case.notices.all():
            if notice.document_id and notice.document_id not in seen:
                documents.append(IssuedDocument.objects.select_related("issuer", "instance").get(pk=notice.document_id))
                seen.add(notice.document_id)
        return DocumentSerializer(documents, many=True, context=self.context).data


class ProcessStartSerializer(serializers.Serializer):
    """Body of POST /processes/: the start-form fields go at the top level, beside these."""

    process_type = serializers.CharField(max_length=100, help_text=_("流程标识（见 /api/v1/process-types/ 的 key）"))
    cadre = serializers.IntegerField(
        required=False, allow_null=True, **ID, help_text=_("当事干部编号，须在您的单位范围内（发起表单在开始事件上的流程不填）")
    )
    unit = serializers.IntegerField(
        required=False, allow_null=True, **ID, help_text=_("发起单位；省略时取您持有发起角色且包含该干部的单位")
    )
    submit = serializers.BooleanField(required=False, allow_null=True, help_text=_("是否同时提交发起表单；省略时，带有表单字段即提交"))
    action = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text=_("提交发起表单时的操作"))
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CaseNoteSerializer(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=_("说明（可选）"))


class RemindSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text=_("催办附言（可选）"))


class TerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text=_("终止理由"))


class ObjectionRequestSerializer(serializers.Serializer):
    content = serializers.CharField(max_length=2000, help_text=_("异议内容"))
    contact = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_("反映人联系方式，可匿名"))
    received_on = serializers.DateField(required=False, allow_null=True, help_text=_("收到日期，默认今天"))

    def validate_received_on(self, value):
        if value and value > clock.today():
            raise serializers.ValidationError(_("收到日期不能晚于今天"))
        return value


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    case = CaseRefSerializer(source="instance", read_only=True)
    content = serializers.CharField(read_only=True)
    contact = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    outcome = serializers.ChoiceField(choices=ObjectionOutcome.choices, read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    recorded_by = UserRefSerializer(read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)
    malicious = serializers.BooleanField(read_only=True, help_text=_("核查认定疑似恶意诬告（seed 000 #12）"))
    referred_to = UnitRefSerializer(read_only=True, allow_null=True, help_text=_("移交的纪检监察机关"))
    referred_at = serializers.DateTimeField(read_only=True, allow_null=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("PDF、JPEG 或 PNG（按内容识别）"))
    step = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text=_("所属环节（可选）"))


# --------------------------------------------------------------------------- tasks


class ActionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text=_("完成时作为 action 提交"))
    label = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text=_("complete：办理；return：退回（到 return_targets 中的第一个环节）"))
    opinion_required = serializers.BooleanField(read_only=True)
    primary = serializers.BooleanField(read_only=True, help_text=_("省略 action 时使用的操作"))


class TaskCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    business_key = serializers.CharField(read_only=True)
    process_type = ProcessTypeRefSerializer(source="definition", read_only=True)
    status = serializers.ChoiceField(choices=InstanceStatus.choices, read_only=True)
    subject_cadre = CadreRefSerializer(read_only=True, allow_null=True)
    subject_label = serializers.CharField(read_only=True)
    nominating_unit = UnitRefSerializer(read_only=True)
    started_by = UserRefSerializer(read_only=True)


class TaskSerializer(StepBriefSerializer):
    case = TaskCaseSerializer(source="instance", read_only=True)


class TaskDetailSerializer(TaskSerializer):
    can_act = serializers.BooleanField(read_only=True)
    refusal = serializers.CharField(read_only=True, allow_null=True)
    actions = ActionSerializer(many=True, read_only=True, help_text=_("此环节可选的操作"))
    form = serializers.JSONField(read_only=True, help_text=_("表单字段（JSON Schema）；完成时与 action、opinion 并列提交"))
    values = serializers.JSONField(read_only=True, help_text=_("表单的现有取值（如退回后保留的推荐材料、暂存的内容）"))
    notes = StepNotesSerializer(read_only=True)
    return_targets = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=_("可退回到的环节"))
    complete_via = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("此环节须通过另一接口办理时，该接口的路径（如发布公示）")
    )


class TaskCompleteSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/complete/: the step's form fields go at the top level, beside these."""

    action = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text=_("操作代码（见任务的 actions），省略时为主操作")
    )
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=_("意见"))


class TaskDraftSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/draft/: the step's form fields go at the top level, beside the opinion."""

    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=_("意见（草稿）"))


class BatchCompleteRequestSerializer(serializers.Serializer):
    """Body of POST /tasks/batch-complete/ (批量审批)."""

    tasks = serializers.ListField(
        child=serializers.IntegerField(**ID),
        min_length=1,
        max_length=MAX_BATCH,
        help_text=_("同一流程同一环节的任务编号（最多 %(limit)d 个）") % {"limit": MAX_BATCH},
        error_messages={
            "max_length": _("一次最多批量办理 {max_length} 个任务"),
            "min_length": _("请至少选择一个任务"),
        },
    )
    action = serializers.ChoiceField(choices=["approve"], required=False, default="approve", help_text=_("批量办理只能“同意”"))
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="", help_text=_("对每个任务填写的同一意见"))


class BatchResultSerializer(serializers.Serializer):
    """One task's outcome in a batch: ``ok`` with its case, or the refusal's ``code`` and ``message``."""

    task = serializers.IntegerField()
    ok = serializers.BooleanField()
    case = serializers.IntegerField(required=False, help_text=_("办理成功时：案件编号"))
    business_key = serializers.CharField(required=False, help_text=_("办理成功时：业务编号"))
    code = serializers.CharField(required=False, help_text=_("未办理时：conflict、permission_denied、validation_error、invalid"))
    message = serializers.CharField(required=False, help_text=_("未办理时：原因"))


class CommonOpinionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(max_length=OPINION_MAX_LENGTH, help_text=_("意见内容"))
    scope = serializers.SerializerMethodField(help_text=_("personal：个人常用意见；unit：单位常用意见"))
    unit = UnitRefSerializer(read_only=True, allow_null=True)

    def get_scope(self, obj) -> str:
        return "unit" if obj.unit_id else "personal"


# --------------------------------------------------------------------------- notices


class NoticeRequestSerializer(serializers.Serializer):
    tasks = serializers.ListField(
        child=serializers.IntegerField(**ID), min_length=1, max_length=200, help_text=_("“发布公示”环节的任务编号，须属同一发布单位")
    )
    contact = serializers.CharField(max_length=300, help_text=_("受理异议的方式，将印在公示上"))
    start_date = serializers.DateField(required=False, allow_null=True, help_text=_("公示开始日期，默认今天"))
    working_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=366,
        help_text=_("公示期（工作日），默认为本流程的最短公示期；长短以管理员设定的公示期规定为准"),
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)


class NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    issuer = UnitRefSerializer(read_only=True)
    start_date = serializers.DateField(read_only=True)
    end_date = serializers.DateField(read_only=True)
    working_days = serializers.IntegerField(read_only=True)
    contact = serializers.CharField(read_only=True)
    cases = CaseRefSerializer(many=True, read_only=True)
    document = DocumentSerializer(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)


# --------------------------------------------------------------------------- cadres


class CadreSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    sex = serializers.CharField(read_only=True)
    sex_label = serializers.CharField(source="get_sex_display", read_only=True)
    birth_date = serializers.DateField(read_only=True)
    unit = UnitRefSerializer(read_only=True)
    current_post = serializers.CharField(read_only=True)
    rank_level = serializers.CharField(read_only=True)
    rank_level_label = serializers.CharField(source="get_rank_level_display", read_only=True)


class AssessmentSerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    grade = serializers.CharField(read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)


class AwardSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    awarded_on = serializers.DateField(read_only=True)
    decision_number = serializers.CharField(read_only=True)
    revoked = serializers.BooleanField(read_only=True)


class SanctionSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    decision_date = serializers.DateField(read_only=True)
    effect_end = serializers.DateField(read_only=True)
    in_effect = serializers.SerializerMethodField()
    excuse = serializers.CharField(read_only=True)

    def get_in_effect(self, sanction) -> bool:
        return sanction.in_effect_on(clock.today())


class InvestigationSerializer(serializers.Serializer):
    opened_on = serializers.DateField(read_only=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)


class CadreDetailSerializer(CadreSerializer):
    id_number = serializers.CharField(read_only=True, allow_null=True)
    ethnicity = serializers.CharField(read_only=True)
    native_place = serializers.CharField(read_only=True)
    political_status = serializers.CharField(read_only=True)
    party_join_date = serializers.DateField(read_only=True, allow_null=True)
    work_start_date = serializers.DateField(read_only=True)
    full_time_education = serializers.CharField(read_only=True)
    in_service_education = serializers.CharField(read_only=True)
    current_rank_since = serializers.DateField(read_only=True, allow_null=True)
    probation_end = serializers.DateField(read_only=True, allow_null=True)
    assessments = AssessmentSerializer(many=True, read_only=True)
    awards = AwardSerializer(many=True, read_only=True)
    sanctions = SanctionSerializer(many=True, read_only=True)
    investigations = InvestigationSerializer(many=True, read_only=True)


# --------------------------------------------------------------------------- documents


class VerifyQuerySerializer(serializers.Serializer):
    sha256 = serializers.RegexField(
        r"^[0-9a-fA-F]{64}$",
        help_text=_("文件的 SHA-256 摘要（64位十六进制）"),
        error_messages={"invalid": _("请填写64位十六进制的 SHA-256 摘要")},
    )
    number = serializers.CharField(required=False, allow_blank=True, max_length=60, help_text=_("发文字号（可选）"))


class VerifiedDocumentSerializer(serializers.Serializer):
    """What the public verification page shows of a document, and nothing more."""

    number = serializers.CharField(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=DocumentKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    version = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    page_count = serializers.IntegerField(read_only=True)
    sha256 = serializers.CharField(read_only=True)


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=VERIFICATION_STATUSES, read_only=True, help_text=_("genuine：现行版本；superseded：已被新版本取代；not_genuine：未印发")
    )
    sha256 = serializers.CharField(read_only=True)
    document = VerifiedDocumentSerializer(read_only=True, allow_null=True)
    latest_version = serializers.IntegerField(read_only=True, allow_null=True)


# --------------------------------------------------------------------------- notifications


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    case = CaseRefSerializer(source="instance", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True, help_text=_("标为已读的条数"))


# --------------------------------------------------------------------------- annual candidates


class CandidateQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text=_("推荐单位编号（含下级单位的干部）"), **ID)
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("考核年度"))


class CandidateSerializer(serializers.Serializer):
    cadre = CadreSerializer(read_only=True)
    award_kind = serializers.CharField(read_only=True)
    award_kind_label = serializers.CharField(source="award_label", read_only=True)
    deed_reference = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)


class CandidateStartSerializer(CandidateQuerySerializer):
    cadres = serializers.ListField(child=serializers.IntegerField(**ID), min_length=1, max_length=500, help_text=_("所选候选人的干部编号"))


class CandidatesStartedSerializer(serializers.Serializer):
    processes = ProcessSerializer(many=True, read_only=True, help_text=_("已发起并预填的推荐，须在待办中逐一核对后提交"))


# --------------------------------------------------------------------------- 委托, 转办, 委派, 加签, 抄送 (issue 15 items 1–2)

PERSON = {"max_length": 150, "help_text": _("人员：用户编号或用户名")}


class TransferRequestSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/transfer/ (转办)."""

    to = serializers.CharField(**PERSON)
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_("说明（可选）"))


class DelegateTaskRequestSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/delegate/ (委派)."""

    to = serializers.CharField(**PERSON)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_("委派说明（可选）"))


class HandlingReturnSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/delegate-return/ (委派交回)."""

    opinion = serializers.CharField(max_length=2000, help_text=_("处理意见"))


class CountersignerRequestSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/countersigners/ (加签)."""

    signer = serializers.CharField(**PERSON)
    position = serializers.ChoiceField(choices=[("before", _("在我之前")), ("after", _("在我之后"))], help_text=_("加签位置"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_("说明（可选）"))


class CountersignRequestSerializer(serializers.Serializer):
    """Body of POST /tasks/{id}/countersign/ (加签人签署)."""

    agree = serializers.BooleanField(default=True, help_text=_("是否同意"))
    opinion = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=_("加签意见（不同意时必填）"))


class CopyRequestSerializer(serializers.Serializer):
    """Body of POST /processes/{id}/copies/ (抄送)."""

    recipients = serializers.ListField(child=serializers.CharField(**PERSON), min_length=1, max_length=50, help_text=_("抄送对象"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text=_("附言（可选）"))


class CaseCopySerializer(serializers.Serializer):
    recipient = UserRefSerializer(read_only=True)
    copied_by = UserRefSerializer(read_only=True)
    note = serializers.CharField(read_only=True)
    copied_at = serializers.DateTimeField(read_only=True)
    read_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_("阅读时间（已读回执）；未读为 null"))


class DelegationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    delegator = UserRefSerializer(read_only=True)
    delegate = UserRefSerializer(read_only=True)
    process_ids = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=_("委托的流程；空表示全部流程"))
    starts_on = serializers.DateField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    ended_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text=_("提前结束的时间"))


class DelegationRequestSerializer(serializers.Serializer):
    """Body of POST /delegations/ (委托)."""

    delegate = serializers.IntegerField(min_value=1, max_value=INT64_MAX, help_text=_("受托人的用户编号"))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    process_ids = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=20, help_text=_("委托的流程；省略表示全部流程")
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class InboxMarksMixin(serializers.Serializer):
    """What a 待办 row says beyond its step (the inbox list only)."""

    on_behalf_of = serializers.SerializerMethodField(help_text=_("经委托代为办理时，委托人"))
    assignment = serializers.SerializerMethodField(help_text=_("委派给您（handle）或请您加签（countersign）时"))
    waiting = serializers.SerializerMethodField(help_text=_("本环节须等待他人时的原因（已委派、待加签）"))
    draft = serializers.SerializerMethodField(help_text=_("是否有暂存的草稿"))

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_on_behalf_of(self, task):
        person = getattr(task, "on_behalf", None)
        return UserRefSerializer(person).data if person is not None else None

    def get_assignment(self, task) -> str:
        return getattr(task, "assignment_code", "")

    def get_waiting(self, task) -> str:
        return str(getattr(task, "waiting", ""))

    def get_draft(self, task) -> bool:
        return bool(getattr(task, "draft", False))


class InboxTaskSerializer(InboxMarksMixin, TaskSerializer):
    pass


# --------------------------------------------------------------------------- 预警提醒, 领导职数, 统计分析 (issue 16)


def _alert_kinds():
    from supervision.alerts import KINDS

    return [(kind.code, kind.label) for kind in KINDS]


class AlertQuerySerializer(serializers.Serializer):
    """Query of GET /alerts/ and /alerts/counts/: the page's filters (``supervision.views``)."""

    kind = serializers.ChoiceField(choices=_alert_kinds(), required=False, help_text=_("预警类型"))
    unit = serializers.IntegerField(required=False, help_text=_("单位编号：该单位及其下级单位的干部（限本人可见的单位）"), **ID)


class AlertSerializer(serializers.Serializer):
    """One row of the 预警提醒 page (``supervision.alerts.Alert``)."""

    cadre = CadreRefSerializer(read_only=True)
    unit = UnitRefSerializer(read_only=True)
    kind = serializers.CharField(source="kind.code", read_only=True, help_text=_("预警类型代码"))
    kind_label = serializers.CharField(source="kind.label", read_only=True)
    detail = serializers.CharField(read_only=True, help_text=_("情况"))
    date = serializers.DateField(read_only=True, allow_null=True, help_text=_("预警所依据的日期（任现职、试用期届满、退休、上次体检……）"))
    due = serializers.DateField(read_only=True, allow_null=True, help_text=_("到期日期；为空表示现在即应办理"))
    action = serializers.CharField(source="kind.action", read_only=True, help_text=_("应办事项"))
    source = serializers.CharField(source="kind.source", read_only=True, help_text=_("依据"))


class AlertKindSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)
    short = serializers.CharField(read_only=True, help_text=_("统计表的列名"))


class AlertUnitCountSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text=_("预警类型代码 → 条数"))
    total = serializers.IntegerField(read_only=True)


class AlertCountsSerializer(serializers.Serializer):
    date = serializers.DateField(read_only=True, help_text=_("统计日期（今天）"))
    kinds = AlertKindSerializer(many=True, read_only=True)
    units = AlertUnitCountSerializer(many=True, read_only=True, help_text=_("有预警的单位，按单位顺序"))
    totals = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text=_("预警类型代码 → 合计条数"))
    total = serializers.IntegerField(read_only=True)


class PostQuotaLineSerializer(serializers.Serializer):
    """One line of the 领导职数 page (``quotas.counting.QuotaLine``)."""

    unit = UnitRefSerializer(read_only=True)
    level = serializers.CharField(read_only=True, help_text=_("职级层次代码"))
    level_label = serializers.CharField(read_only=True)
    quota = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("核定职数；为空表示未核定"))
    filled = serializers.IntegerField(read_only=True, help_text=_("实有"))
    pending = serializers.IntegerField(read_only=True, help_text=_("在办提拔动议"))
    vacancies = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("空缺"))
    excess = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("超职数"))
    available = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("尚可动议"))
    full = serializers.BooleanField(read_only=True, help_text=_("已无空缺，不能再提出动议"))
    basis = serializers.CharField(source="row.basis", read_only=True, allow_null=True, default=None, help_text=_("职数依据"))
    valid_from = serializers.DateField(source="row.valid_from", read_only=True, allow_null=True, default=None, help_text=_("生效日期"))


class StatisticsQuerySerializer(serializers.Serializer):
    """Query of GET /statistics/: the page's filters (``stats.views``)."""

    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text=_("年度（近10年，默认今年）"))
    unit = serializers.IntegerField(required=False, help_text=_("单位编号（限本人可见的单位）：该单位本级及各下级单位"), **ID)


@extend_schema_field({"type": "number"})
class NumberField(serializers.Field):
    """A count or a percentage, as it is (an integer stays an integer)."""

    def to_representation(self, value):
        return value


class StatisticsRowSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    unit = serializers.IntegerField(
        source="unit_id", read_only=True, allow_null=True, help_text=_("单位行：该单位的编号（可作 unit 筛选）")
    )
    values = serializers.ListField(child=NumberField(), read_only=True)


class StatisticsTableSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    head = serializers.CharField(read_only=True, help_text=_("第一列的列名"))
    columns = serializers.ListField(child=serializers.CharField(), read_only=True)
    rows = StatisticsRowSerializer(many=True, read_only=True)
    total = serializers.ListField(child=NumberField(), read_only=True, allow_null=True, help_text=_("合计行；为空表示无合计"))
    note = serializers.CharField(read_only=True)
    percent_columns = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text=_("存放百分比的列（columns 中的序号）")
    )


class StatisticsSectionSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    tables = StatisticsTableSerializer(many=True, read_only=True)


class StatisticsSerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    unit = UnitRefSerializer(read_only=True, allow_null=True, help_text=_("所选单位；为空表示本人所任角色的全部单位"))
    sections = StatisticsSectionSerializer(many=True, read_only=True)
