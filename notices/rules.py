"""The notice length in force for a process (DOMAIN.md §1.3 item 4, §4.3 step 6, §6): read from the
administrator's dated ``NoticeRule`` table, never from a constant in code."""

import datetime

from django.utils.translation import gettext_lazy as _

from workflows import clock

from .models import NoticeRule

# Only used when an administrator has removed every row of a process: DOMAIN.md §1.3 item 4
# "not less than 5 working days [default 5]"; the maximum keeps a notice from running for months.
FALLBACK = {"minimum_working_days": 5, "maximum_working_days": 30}


def notice_rule(process_id, on=None):
    """The rule in force on ``on`` (default today): the row with the latest ``effective_from`` not
    after that day. Without one, an unsaved row with the rule book's default."""
    on = on or clock.today()
    if isinstance(on, datetime.datetime):
        on = on.date()
    rule = NoticeRule.objects.filter(process_id=process_id, effective_from__lte=on).order_by("-effective_from", "-pk").first()
    if rule is None:
        rule = NoticeRule(process_id=process_id, effective_from=on, basis=str(_("《规则手册》第1.3节第4项默认值")), **FALLBACK)
    return rule


def length_refusal(process_id, working_days, on=None):
    """The reason a notice of ``working_days`` starting on ``on`` is refused, or None."""
    rule = notice_rule(process_id, on)
    if working_days < rule.minimum_working_days:
        return _("公示期不得少于%(n)s个工作日") % {"n": rule.minimum_working_days}
    if working_days > rule.maximum_working_days:
        return _("公示期不得超过%(n)s个工作日") % {"n": rule.maximum_working_days}
    return None
