"""``cadre_event``: something happened about a cadre that another app may act on.

It lives here, in the cadre records' layer, because the records themselves send it — recording a
sanction (an accountability decision, 问责) makes a talk due (DOMAIN.md §10 "Talks", seed 000 #18)
— and the records may import nothing above them (the layering contract in ``pyproject.toml``).
``workflows.signals`` re-exports it for the process apps; the talks app listens.

Receivers run in the sender's transaction (Django signals are synchronous): what they write
commits or rolls back with the change that caused it.
"""

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

# Sent with: cadre (records.Cadre), reason (a code below), instance (the case that caused it, or
# None), unit (a unit the event belongs to — e.g. the deciding committee or the organisation
# department —, or None), note (text), and optionally user (who recorded it, when no case
# action is running — the admin, an import).
cadre_event = Signal()

# Sent with: cadre_ids — records of these cadres were written in bulk (``bulk_create``,
# ``bulk_update``), which sends no model signal. Send inside the writing transaction; the alert
# register (``supervision.register``) marks the cadres for recomputing.
records_written = Signal()

POST_CHANGE = "post_change"  # appointed to a post (a promotion), sent on a secondment, rotated
ACCOUNTABILITY = "accountability"  # an accountability decision (问责) was taken
CLARIFICATION = "clarification"  # a clarification letter (澄清反馈函) after a false report


def sanctions_recorded(sanctions, *, user=None):
    """Newly recorded sanctions (``records.Sanction``, saved): a talk with each cadre (DOMAIN.md §10
    "Talks", seed 000 #18: 对受到问责处理的干部…及时谈心谈话). Only a sanction still in effect: one whose
    effect period ended before it was entered is history being filled in, not a decision to
    talk about (DOMAIN.md §3: ``effect_end`` is its last day). Call inside the transaction that
    saved them; a re-saved sanction is not newly recorded."""
    today = timezone.localdate()
    for sanction in sanctions:
        if sanction.effect_end is not None and sanction.effect_end < today:
            continue
        note = _("受到问责处理：%(kind)s（%(date)s决定）%(description)s") % {
            "kind": sanction.get_kind_display(),
            "date": sanction.decision_date.isoformat(),
            "description": "，" + sanction.description if sanction.description else "",
        }
        cadre_event.send(sender=type(sanction), cadre=sanction.cadre, reason=ACCOUNTABILITY, instance=None, unit=None, note=note, user=user)
