"""When a talk becomes due (DOMAIN.md §10 "Talks": seed 004 art. 11 "四必谈", seed 000 #18).

- Automatic: the process apps send ``workflows.signals.cadre_event`` when a post changes (a
  promotion's appointment, a secondment's dispatch, a rotation), after a clarification letter (the
  notice desk), and the cadre records send it when a sanction — an accountability decision — is
  newly recorded (the admin or the Excel import, ``records.signals.sanctions_recorded``). The
  receiver starts the talk case through the service door inside the sender's transaction, so the
  trigger and its talk commit together.
- By the organisation department: the start page (``talks.forms.TalkStartForm``).
- On the cadre's request: ``request_talk`` tells the department's reviewers, who start the talk
  with the reason "本人提出" — the cadre does not start the case, so the confidential record never
  becomes readable to them by being its starter.
"""

import contextlib
import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from permissions import policy
from permissions.roles import Role
from workflows import notify, services, signals
from workflows.errors import InvalidAction, WorkflowError
from workflows.models import HumanTask, ProcessDefinition

from .models import TalkReason, TalkRecord
from .records import open_talk_of
from .routing import organisation_department

logger = logging.getLogger(__name__)

PROCESS = "talk"
REASONS = {
    signals.POST_CHANGE: TalkReason.POST_CHANGE,
    signals.ACCOUNTABILITY: TalkReason.ACCOUNTABILITY,
    signals.CLARIFICATION: TalkReason.CLARIFICATION,
}


def existing_talk(cadre, reason, source=None):
    """The talk that already answers this trigger: the cadre's open talk for the reason, or the
    talk this very case already caused (a retried trigger starts nothing new)."""
    record = open_talk_of(cadre.pk, reason)
    if record is None and source is not None:
        record = TalkRecord.objects.filter(source=source, cadre=cadre, reason=reason).select_related("instance").first()
    return record


def open_talk(user, cadre, reason, *, department=None, source=None, note="", automatic=False):
    """Start a talk case with ``cadre`` for ``reason`` held by ``department`` (default: the
    organisation department above the cadre's unit), started by ``user``; or return the case of
    the talk that already answers it."""
    department = department or organisation_department(cadre)
    if department is None:
        raise InvalidAction(_("找不到%(name)s同志所在地区的组织部门") % {"name": cadre.name})
    existing = existing_talk(cadre, reason, source)
    if existing is not None:
        return existing.instance
    data = {"cadre_id": cadre.pk, "reason": str(reason), "note": note[:500], "automatic": automatic}
    if source is not None:
        data["source_id"] = source.pk
    return services.start_process(user, PROCESS, unit=department, data=data)


def after_accountability(user, cadre, *, decision="", source=None):
    """The entry point for an accountability decision (问责, seed 000 #18): a talk with the cadre."""
    return open_talk(user, cadre, TalkReason.ACCOUNTABILITY, source=source, note=decision)


def request_talk(user, note=""):
    """A cadre asks for a talk (本人提出, seed 004 art. 11): the reviewers of the organisation
    department in charge are told; one of them starts the talk. Returns that department."""
    cadre = getattr(user, "cadre", None) if user.is_authenticated else None
    if cadre is None:
        raise InvalidAction(_("您的账号没有关联干部档案，不能提出谈话要求"))
    department = organisation_department(cadre)
    if department is None:
        raise InvalidAction(_("找不到%(name)s同志所在地区的组织部门") % {"name": cadre.name})
    existing = open_talk_of(cadre.pk, TalkReason.REQUEST)
    if existing is not None:
        raise InvalidAction(_("您的谈话要求已在办理中"))
    text = _("%(name)s同志（%(unit)s）提出谈心谈话要求%(note)s，请安排谈话。") % {
        "name": cadre.name,
        "unit": cadre.unit.name,
        "note": "：" + note.strip()[:200] if note and note.strip() else "",
    }
    notify.notify(policy.holders_of(Role.REVIEWER, department), text)
    return department


def _starter(definition, department, cadre, source, user=None):
    """Who starts an automatic talk: the person whose action caused it (``user``, who recorded a
    sanction, or the one acting in a case). When no one acts (a timer fired by the worker), someone
    who completed a step of the causing case — the department's own reviewers first, so the record
    stays within the department —, then the case's starter; with no causing case (a sanction
    recorded by an administrator or imported), the department's own reviewers. Each must be
    allowed to start a talk for the department (its reviewer, or the approver of its party
    committee, which decided the post change) and be neither the cadre nor a relative (§9)."""
    users = get_user_model().objects

    def allowed(user_id, own_role_only=False):
        user = users.filter(pk=user_id, is_active=True).first() if user_id else None
        if user is None or cadre.pk in policy.related_cadre_ids(user):
            return None
        if own_role_only:
            return user if policy.holds_role(user, definition.start_role, department) else None
        return user if services.may_start(user, definition, department) else None

    acting = allowed(user.pk if user is not None else signals.acting_user_id())
    if acting is not None:
        return acting
    if source is None:
        holders = sorted(policy.holders_of(definition.start_role, department), key=lambda u: u.pk)
        return next((u for u in holders if allowed(u.pk, own_role_only=True) is not None), None)
    done = HumanTask.all_objects.filter(instance=source, completed_by__isnull=False).order_by("-closed_at", "-id")
    candidates = list(dict.fromkeys([*done.values_list("completed_by_id", flat=True)[:20], source.started_by_id]))
    for own_role_only in (True, False):
        for user_id in candidates:
            user = allowed(user_id, own_role_only)
            if user is not None:
                return user
    return None


def on_cadre_event(sender, *, cadre, reason, instance=None, unit=None, note="", user=None, **kwargs):
    """``workflows.signals.cadre_event`` → a talk case, in the sender's transaction. ``user``: who
    recorded the event outside a case action (a sanction in the admin or an import)."""
    talk_reason = REASONS.get(reason)
    if cadre is None or talk_reason is None:
        return None
    definition = ProcessDefinition.latest(PROCESS)
    if definition is None:
        logger.warning("talk not started for cadre %s (%s): the talk process is not deployed", cadre.pk, reason)
        return None
    department = organisation_department(cadre, hint=unit)
    if department is None:
        logger.warning("talk not started for cadre %s (%s): no organisation department above", cadre.pk, reason)
        return None
    existing = existing_talk(cadre, talk_reason, instance)
    if existing is not None:
        return existing.instance
    starter = _starter(definition, department, cadre, instance, user)
    if starter is None:
        logger.warning("talk not started for cadre %s (%s): nobody may start it for %s", cadre.pk, reason, department)
        return None
    if not note:
        note = f"{talk_reason.label}：{instance.business_key}" if instance is not None else str(talk_reason.label)
    try:
        # A savepoint: a refused start leaves the sender's action whole. Whoever recorded the event
        # is the one acting: the notices of the new talk reach the department, not them.
        acting = notify.acting(user) if user is not None else contextlib.nullcontext()
        with acting, transaction.atomic():
            return open_talk(starter, cadre, talk_reason, department=department, source=instance, note=note, automatic=True)
    except WorkflowError as exc:
        logger.warning("talk not started for cadre %s (%s): %s", cadre.pk, reason, exc)
        return None
