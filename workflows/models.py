from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from permissions.models import Unit
from permissions.roles import Role


class ProcessDefinition(models.Model):
    """One deployed version of a process: the parsed spec is stored once per version, not per
    instance, in the version's ``ProcessDefinitionSource`` — this row is what every list and case
    joins, so it carries only the small facts they read."""

    process_id = models.CharField(_("流程标识"), max_length=100)
    name = models.CharField(_("流程名称"), max_length=200)
    version = models.PositiveIntegerField(_("版本"))
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    start_role = models.CharField(_("发起角色"), max_length=30, choices=Role.choices)
    key_prefix = models.CharField(_("业务编号前缀"), max_length=10)
    deployed_at = models.DateTimeField(_("部署时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("流程定义版本")
        verbose_name_plural = _("流程定义版本")
        ordering = ["process_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["process_id", "version"], name="unique_definition_version"),
            models.UniqueConstraint(fields=["process_id", "content_hash"], name="unique_definition_content"),
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    @classmethod
    def latest(cls, process_id):
        return cls.objects.filter(process_id=process_id).order_by("-version").first()

    def deployed_files(self):
        """File name → BPMN/DMN text deployed with this version: one query for the files alone
        (callers cache what they parse from them per (pk, content_hash))."""
        return ProcessDefinitionSource.objects.filter(pk=self.pk).values_list("source_files", flat=True).get()

    def spec_json(self):
        """The serialised spec of this version (read by ``engine.specs_for`` on a cache miss only)."""
        return ProcessDefinitionSource.objects.filter(pk=self.pk).values_list("spec_json", flat=True).get()


class ProcessDefinitionSource(models.Model):
    """The heavy part of a deployed version — its serialised spec (~30 KB) and the BPMN/DMN files
    (~240 KB) — apart from ``ProcessDefinition``, so that rows joining the definition never decode
    it. Written once at deployment, read on a cache miss (spec, diagram, decision table)."""

    definition = models.OneToOneField(ProcessDefinition, on_delete=models.CASCADE, primary_key=True, related_name="source")
    spec_json = models.JSONField(_("流程规格"))
    source_files = models.JSONField(_("源文件"), default=dict, help_text=_("文件名 → BPMN/DMN 原文"))

    class Meta:
        verbose_name = _("流程定义原文")
        verbose_name_plural = _("流程定义原文")

    def __str__(self):
        return str(self.definition_id)


class InstanceStatus(models.TextChoices):
    RUNNING = "running", _("办理中")
    WAITING = "waiting", _("等待中")
    COMPLETED = "completed", _("已办结")
    TERMINATED = "terminated", _("已终止")
    ERROR = "error", _("异常")


OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.ERROR)


def case_search_q(text, prefix=""):
    """A case found by its business key, its subject cadre's name, or its subject's name when it is
    not a cadre (a collective); ``prefix`` reaches the case from another model (``instance__``)."""
    text = (text or "").strip()
    if not text:
        return models.Q()
    return (
        models.Q(**{f"{prefix}business_key__icontains": text})
        | models.Q(**{f"{prefix}subject_cadre__name__icontains": text})
        | models.Q(**{f"{prefix}subject_label__icontains": text})
    )


class ProcessInstanceQuerySet(models.QuerySet):
    def visible_to(self, user, *, facts=None):
        """Cases ``user`` may see: those they started, and those that involved a unit they hold a
        role on. Everything else is invisible (pages and API answer 404).

        ``facts``: the person's facts read in this request with their individual task and case
        grants (``policy.person_facts``), e.g. by an action under its lock; otherwise read here.

        ``pk IN (cases of my units UNION cases I started)`` rather than an OR, which PostgreSQL
        can only evaluate row by row.
        """
        if user.is_superuser:
            return self
        first, *others = _visible_parts(user, facts, newest=False)
        return self.filter(pk__in=first.union(*others) if others else first)

    def newest_visible(self, user, *, facts=None):
        """(id, created_at) of the cases ``user`` may see (``visible_to``), newest first — the case
        list's default order; slice it for a page, count it for the total.

        Each part of the UNION reads the creation time from its own index (the case units carry a
        copy: ``CaseUnit.case_created_at``), so the newest 20 of a county's thousands of cases are
        sorted without looking each case up (27 → 5 ms at 1,000,000 cases)."""
        if user.is_superuser:
            return ProcessInstance.objects.order_by("-created_at", "-pk").values_list("pk", "created_at")
        first, *others = _visible_parts(user, facts, newest=True)
        return (first.union(*others) if others else first).order_by("-case_created", "-case_id")


def _visible_parts(user, facts, *, newest):
    """The parts of the UNION of the cases ``user`` may see, each the case's id (``newest``: and
    its creation time) — the same parts for ``visible_to`` and ``newest_visible``."""
    from permissions import policy

    def part(queryset, case="pk", created="created_at"):
        # order_by(): no default ordering inside the UNION (SQLite refuses ORDER BY there)
        queryset = queryset.order_by()
        if not newest:
            return queryset.values(case)
        return queryset.annotate(case_id=models.F(case), case_created=models.F(created)).values_list("case_id", "case_created")

    parts = [part(ProcessInstance.objects.filter(started_by=user))]
    # Grants, 委托 and the person's own grants in one statement (``person_facts``); the cases
    # granted to the person alone (a cc reader's, a 委派 or countersigned task's) are named
    # outright, and only when there are any, so a typical person's list is the UNION of two.
    facts = policy.facts_or_read(user, facts, TaskUserObjectPermission, CaseUserObjectPermission)
    if facts.case_ids:
        parts.append(part(ProcessInstance.objects.filter(pk__in=sorted(facts.case_ids))))
    if facts.task_ids:
        parts.append(part(HumanTask.all_objects.filter(pk__in=sorted(facts.task_ids)), "instance_id", "instance__created_at"))
    units = policy.granted_units_q(user, "unit_id", grants=facts.grants)
    if units is not None:
        parts.append(part(CaseUnit.objects.filter(units), "instance_id", "case_created_at"))
    for delegation in policy.delegations_in_force(user):
        # A delegate sees what the delegator sees by role, for the processes delegated.
        delegated = policy.granted_units_q(delegation.delegator, "unit_id")
        if delegated is not None:
            cases = CaseUnit.objects.filter(delegated)
            if delegation.process_ids:
                versions = ProcessDefinition.objects.filter(process_id__in=sorted(delegation.process_ids)).values_list("pk", flat=True)
                cases = cases.filter(instance__definition_id__in=sorted(versions))
            parts.append(part(cases, "instance_id", "case_created_at"))
    return parts


class ProcessInstance(models.Model):
    definition = models.ForeignKey(ProcessDefinition, verbose_name=_("流程定义"), on_delete=models.PROTECT, related_name="instances")
    business_key = models.CharField(_("业务编号"), max_length=30, unique=True)
    status = models.CharField(_("状态"), max_length=20, choices=InstanceStatus.choices, default=InstanceStatus.RUNNING, db_index=True)
    # JSON text, not jsonb: Spiff restores task data as deltas from the parent task, so the
    # order of the serialised task map matters, and jsonb would reorder its keys.
    state = models.TextField(_("流程状态"), help_text=_("仅实例状态；规格存于流程定义"))
    subject_cadre = models.ForeignKey(
        "records.Cadre", verbose_name=_("当事干部"), null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # The case's subject when it is not a cadre (a collective nominated for an award), as lists and
    # searches show it; written by the case record in the step that names it.
    subject_label = models.CharField(_("办理对象"), max_length=200, blank=True)
    nominating_unit = models.ForeignKey(Unit, verbose_name=_("发起单位"), on_delete=models.PROTECT, related_name="started_cases")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="started_cases"
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    next_timer_due = models.DateTimeField(_("下次定时到期"), null=True, blank=True, db_index=True)
    error_message = models.TextField(_("异常信息"), blank=True)
    outcome = models.CharField(_("办结结果"), max_length=100, blank=True, help_text=_("到达的结束事件标识"))
    outcome_label = models.CharField(_("办结结果名称"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("修订号"), default=0)
    # Retries of a case parked in the error state (services.resume_errored): how many have failed
    # since it was parked, and when the next one is due (exponential backoff).
    retry_count = models.PositiveIntegerField(_("重试次数"), default=0)
    next_retry_at = models.DateTimeField(_("下次重试时间"), null=True, blank=True)

    objects = ProcessInstanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["started_by", "-created_at"]),
            models.Index(fields=["nominating_unit", "status"]),
            models.Index(fields=["next_retry_at", "created_at"], condition=models.Q(status="error"), name="errored_retry_due"),
            # The newest cases first (the case list's default order): an administrator's list of every
            # case reads its page from here instead of sorting them all (1.3–2.6 s at 1,000,000 cases).
            models.Index(fields=["created_at", "id"], name="case_newest_first"),
            # The open cases of some units by process (the statistics): from this small index alone.
            models.Index(fields=["nominating_unit", "definition"], condition=models.Q(status__in=OPEN_STATUSES), name="open_case_by_unit"),
        ]
        # Held by one person on one case (django-guardian, CaseUserObjectPermission).
        permissions = [("read_case", _("查阅抄送的案件"))]

    def __str__(self):
        return self.business_key


class BusinessKeySequence(models.Model):
    """Per prefix and year counter for business keys such as ``JL-2026-000123``."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="unique_key_sequence")]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last_value}"


class HumanTaskQuerySet(models.QuerySet):
    def inbox_for(self, user, *, facts=None):
        """The open tasks ``user`` may act on: one indexed query (``permissions.policy.inbox_filter``),
        their own, their delegators' (委托) and those granted to them alone (委派, 加签)."""
        from permissions import policy

        return self.filter(closed_at__isnull=True).filter(policy.inbox_filter(user, self.model, facts=facts))

    def visible_to(self, user):
        """Tasks (open or closed) of the cases ``user`` may see."""
        if user.is_superuser:
            return self
        return self.filter(models.Exists(ProcessInstance.objects.visible_to(user).filter(pk=models.OuterRef("instance_id"))))


class OpenTaskManager(models.Manager.from_queryset(HumanTaskQuerySet)):  # type: ignore[misc]  # Django's documented pattern
    """The default manager (and ``case.tasks``): open tasks only."""

    def get_queryset(self):
        return super().get_queryset().filter(closed_at__isnull=True)


class HumanTask(models.Model):
    """A human task, projected from the engine state after every save.

    Open while the engine has it READY; afterwards the row stays, closed (when, by whom, how),
    so separation of duties can ask who acted on which step and a retried request can be told
    that the task was already handled. ``role`` and ``unit_path`` are copied here so that an
    inbox is one indexed query joining the caller's grants.
    """

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="tasks")
    # The case's definition, copied (it never changes): counting open steps by process reads the
    # task rows alone, not each task's case (stats: 35 → 5 ms for a city at 1,000,000 cases).
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="+")
    task_uuid = models.UUIDField()
    bpmn_id = models.CharField(_("环节标识"), max_length=100)
    name = models.CharField(_("环节"), max_length=200)
    lane = models.CharField(_("泳道"), max_length=100)
    role = models.CharField(_("办理角色"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(Unit, verbose_name=_("办理单位"), on_delete=models.PROTECT, related_name="tasks")
    unit_path = models.CharField(max_length=255)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("认领人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="claimed_tasks"
    )
    created_at = models.DateTimeField(_("到达时间"))
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    return_to = models.CharField(_("可退回环节"), max_length=200, blank=True, help_text=_("图中 return_to 属性，逗号分隔"))
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="completed_tasks"
    )
    close_reason = models.CharField(_("关闭方式"), max_length=20, blank=True)
    # 委托: the person on whose behalf ``completed_by`` acted ("代 X 办理").
    completed_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("被代办人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 后加签: the holder's decision, kept until every countersigner after them has signed; then
    # the step completes with it (``workflows.handover``).
    held_completion = models.JSONField(_("待加签后生效的办理"), null=True, blank=True)

    objects = OpenTaskManager()
    all_objects = HumanTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("待办任务")
        verbose_name_plural = _("待办任务")
        ordering = ["created_at", "id"]
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(
                fields=["instance", "task_uuid"], condition=models.Q(closed_at__isnull=True), name="unique_open_projected_task"
            )
        ]
        indexes = [
            models.Index(fields=["role", "unit", "created_at"], condition=models.Q(closed_at__isnull=True), name="open_task_role_unit"),
            models.Index(fields=["role", "unit_path"], condition=models.Q(closed_at__isnull=True), name="open_task_role_path"),
            models.Index(fields=["completed_by", "instance"], condition=models.Q(completed_by__isnull=False), name="task_completed_by"),
            models.Index(fields=["completed_for", "instance"], condition=models.Q(completed_for__isnull=False), name="task_completed_for"),
        ]
        # Held by one person on one task (django-guardian, TaskUserObjectPermission).
        permissions = [("handle_task", _("办理被委派的任务")), ("countersign_task", _("加签"))]

    def __str__(self):
        return f"{self.instance.business_key} · {self.name}"

    def return_targets(self):
        return [t.strip() for t in self.return_to.split(",") if t.strip()]


class TaskCloseReason(models.TextChoices):
    COMPLETED = "completed", _("已办理")
    RETURNED = "returned", _("已退回")
    WITHDRAWN = "withdrawn", _("已撤回")
    CANCELLED = "cancelled", _("已取消")


class CaseUnit(models.Model):
    """Every unit a case has involved (its nominating unit and each unit a task was bound to).

    Who may see a case follows from these rows and the viewer's grants, in one query.
    """

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="involved_units")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    unit_path = models.CharField(max_length=255)
    # The case's nominating unit (it never changes), copied here so that "the units whose cases a
    # unit handled" (``permissions.policy.visible_units``) is read from one index, not by looking up
    # each case: 50–150 ms for a county at 1,000,000 cases (bench/results/supervision.txt).
    nominating_unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="handled_case_units")
    # The case's creation time (it never changes), copied here so that the newest cases of a
    # person's units come from this table's (unit, case_created_at, instance) index alone
    # (``ProcessInstanceQuerySet.newest_visible``), without looking up each of the thousands of
    # cases a county sees at 1,000,000 cases to sort them (bench/results/inbox-issue17-e.txt).
    case_created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["instance", "unit"], name="unique_case_unit")]
        indexes = [
            models.Index(fields=["unit", "case_created_at", "instance"], name="case_unit_newest_first"),
            models.Index(fields=["unit_path"]),
            models.Index(fields=["unit", "nominating_unit"], name="case_unit_handled_units"),
        ]

    def __str__(self):
        return f"{self.instance_id} → {self.unit_id}"


class HistoryAction(models.TextChoices):
    START = "start", _("发起")
    COMPLETE = "complete", _("办理")
    RETURN = "return", _("退回")
    WITHDRAW = "withdraw", _("撤回")
    TERMINATE = "terminate", _("终止")
    TIMER = "timer", _("定时触发")
    CLAIM = "claim", _("认领")
    UNCLAIM = "unclaim", _("释放")
    ERROR = "error", _("异常")
    RESUME = "resume", _("恢复")
    MIGRATE = "migrate", _("迁移")
    MESSAGE = "message", _("收到消息")
    REMIND = "remind", _("催办")
    DRAFT = "draft", _("暂存")
    TRANSFER = "transfer", _("转办")
    DELEGATE = "delegate", _("委派")
    DELEGATE_RETURN = "delegate_return", _("委派交回")
    COUNTERSIGN_ADD = "countersign_add", _("加签")
    COUNTERSIGN = "countersign", _("加签意见")
    HOLD = "hold", _("待加签")
    COPY = "copy", _("抄送")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("history is append-only")

    def delete(self):
        raise PermissionError("history is append-only")


class ChainHead(models.Model):
    """The last entry of one hash chain (``workflows.chain``): its hash and the chain's length.

    One chain per case (``case:<id>``: its history events and the documents issued in it) and one
    per issuing unit for documents without a case (``issuer:<id>``). Appending locks this row, so
    only writers of the same chain wait for each other; a case's writers hold its row lock anyway.
    """

    key = models.CharField(_("链标识"), max_length=40, primary_key=True)
    last_hash = models.CharField(_("末条摘要"), max_length=64)
    length = models.PositiveIntegerField(_("条数"), default=0)

    class Meta:
        verbose_name = _("摘要链")
        verbose_name_plural = _("摘要链")

    def __str__(self):
        return f"{self.key} #{self.length}"


class HistoryEvent(models.Model):
    """Append-only record of every action: who, when, what, on which step, with which opinion.

    Each event is an entry of its case's hash chain (``workflows.chain``): ``prev_hash`` is the
    hash of the entry before it, ``entry_hash`` the hash of its own canonical content and link."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="history")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the object is made (not at INSERT, as auto_now_add would): the hash covers it.
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=HistoryAction.choices)
    task_bpmn_id = models.CharField(_("环节标识"), max_length=100, blank=True)
    task_name = models.CharField(_("环节"), max_length=200, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    changed_fields = models.JSONField(_("变更字段"), default=dict, blank=True)
    # 委托: the person the actor acted for ("代 X 办理"); the history names both.
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("被代办人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    chain_seq = models.PositiveIntegerField(_("链序号"), null=True, blank=True, editable=False)
    prev_hash = models.CharField(_("前一条摘要"), max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(_("本条摘要"), max_length=64, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.task_name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("history is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("history is append-only")


class Notification(models.Model):
    """In-app notice to a person about a case (a task reached them, a case was returned or ended)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    instance = models.ForeignKey(ProcessInstance, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    # The task a 待办 notice announced: the notice is marked read when that task closes.
    task = models.ForeignKey("HumanTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text


class NotificationPreference(models.Model):
    """A person's choice to receive each notification also by e-mail (off unless chosen)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    email = models.BooleanField(_("同时发送电子邮件"), default=False)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self):
        return str(self.user)


class Attachment(models.Model):
    """A file attached to a case (e.g. deeds evidence). The type is checked by content, not name."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.PROTECT, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    step = models.CharField(_("环节"), max_length=100, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.file_name


class RuleCheckQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(passed=False)

    def latest_for(self, instance):
        return self.filter(instance=instance).order_by("-checked_at", "-id").first()

    def latest_refusal(self, instance):
        """The case's latest check when it failed (why the case is back at its first step), else None."""
        latest = self.latest_for(instance)
        return latest if latest is not None and not latest.passed else None


class RuleCheck(models.Model):
    """The outcome of one run of a case's rule table (DOMAIN.md §1.4, §4.2): at which checkpoint,
    when, and every rule that failed with its reason. Written by the diagram's
    ``workflows.record_check`` step in the engine's transaction; pages and the API read the
    refusals from here, not from the engine's task data."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="rule_checks")
    checkpoint = models.CharField(_("审查环节"), max_length=30)
    checked_at = models.DateTimeField(_("审查时间"))
    passed = models.BooleanField(_("是否符合"))
    failures = models.JSONField(_("不符合的规则"), default=list, blank=True, help_text=_("[{rule, reason}]"))

    objects = RuleCheckQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则审查记录")
        verbose_name_plural = _("规则审查记录")
        ordering = ["checked_at", "id"]
        indexes = [models.Index(fields=["instance", "checked_at"])]

    def __str__(self):
        return f"{self.instance} {self.checkpoint} {'✓' if self.passed else '✗'}"

    @property
    def checkpoint_label(self):
        from .rulechecks import checkpoint_label

        return checkpoint_label(self.checkpoint)

    @property
    def reasons(self):
        return [f.get("reason", "") for f in self.failures]


# --------------------------------------------------------------------------- individual grants
# django-guardian object permissions with direct foreign keys (indexed joins, not generic
# relations): what one person may do on one case or task, beyond their roles' grants.


class CaseUserObjectPermission(UserObjectPermissionBase):
    """``workflows.read_case``: a cc reader's read-only access to one case."""

    content_object = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("案件个人授权")
        verbose_name_plural = _("案件个人授权")


class TaskUserObjectPermission(UserObjectPermissionBase):
    """``workflows.handle_task`` (a 委派 colleague) or ``workflows.countersign_task`` (a countersigner)
    on one task."""

    content_object = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="user_grants")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("任务个人授权")
        verbose_name_plural = _("任务个人授权")


class CountersignPosition(models.TextChoices):
    BEFORE = "before", _("在我之前")
    AFTER = "after", _("在我之后")


class Countersign(models.Model):
    """加签: a person asked to sign a step before or after its holder; the case does not move on
    until they have. Their right to sign is the guardian permission ``countersign_task``."""

    task = models.ForeignKey(HumanTask, on_delete=models.CASCADE, related_name="countersigns")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("加签人"), on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起加签人"), on_delete=models.PROTECT, related_name="+")
    position = models.CharField(_("加签位置"), max_length=10, choices=CountersignPosition.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("加签时间"), auto_now_add=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    agreed = models.BooleanField(_("是否同意"), null=True)
    opinion = models.TextField(_("加签意见"), blank=True)

    class Meta:
        verbose_name = _("加签")
        verbose_name_plural = _("加签")
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "signer"], condition=models.Q(signed_at__isnull=True), name="one_open_countersign_per_signer"
            )
        ]

    def __str__(self):
        return f"{self.task_id} · {self.signer} ({self.position})"


class CaseCopy(models.Model):
    """抄送: a case sent to a person for their information, with its read receipt. Their access
    is the guardian permission ``read_case``."""

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="copies")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("抄送对象"), on_delete=models.CASCADE, related_name="case_copies"
    )
    copied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抄送人"), on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("附言"), max_length=200, blank=True)
    copied_at = models.DateTimeField(_("抄送时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抄送")
        verbose_name_plural = _("抄送")
        ordering = ["copied_at", "id"]
        constraints = [models.UniqueConstraint(fields=["instance", "recipient"], name="one_copy_per_recipient")]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return f"{self.instance_id} → {self.recipient}"
