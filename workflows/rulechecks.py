"""Recording what a rule table decided at a checkpoint of a case (DOMAIN.md §1.4, §4.2).

A diagram runs its rule table (a business-rule task with hit policy COLLECT, one row per rule
plus the catch-all ``ok``), then the service step ``workflows.record_check`` with the table's
two output lists. The step stores a :class:`~workflows.models.RuleCheck` and answers
``{"passed": bool, "failures": [reason, …], "rules_failed": [rule, …]}`` for the gateway.
"""

from django.utils.translation import gettext_lazy as _

from . import clock
from .models import RuleCheck
from .sandbox import register_service

# Where a diagram checks its rules. A checkpoint not listed is refused at deploy (contracts).
CHECKPOINTS = {
    "nomination": _("推荐资格审查"),
    "approval": _("审批前资格复核"),
    "issue": _("发文前资格复核"),
    "proposal": _("动议限制条件审查"),
    "meeting": _("讨论决定前限制条件复核"),
    "appointment": _("任职前限制条件复核"),
}


def checkpoint_label(code):
    return str(CHECKPOINTS.get(code, code))


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@register_service("workflows.record_check")
def record_check(task_data, /, *, checkpoint, rules, reasons, instance_id=None):
    if checkpoint not in CHECKPOINTS:
        raise ValueError(f"unknown rule checkpoint {checkpoint!r}; known: {', '.join(CHECKPOINTS)}")
    rules, reasons = _as_list(rules), _as_list(reasons)
    failures = [{"rule": str(rule), "reason": str(reason)} for rule, reason in zip(rules, reasons) if rule != "ok"]
    RuleCheck.objects.create(
        instance_id=instance_id or task_data["process_instance_id"],
        checkpoint=checkpoint,
        checked_at=clock.now(),
        passed=not failures,
        failures=failures,
    )
    return {
        "passed": not failures,
        "failures": [f["reason"] for f in failures],
        "rules_failed": [f["rule"] for f in failures],
    }
