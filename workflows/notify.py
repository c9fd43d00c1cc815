"""Notifications: an in-app row for each person, and, for those who chose it, an e-mail after the
transaction commits.

Rules (issue 15 item 11):

* nobody is told of what they themselves just did: the services name the person acting
  (``acting``) and every notice sent while they act skips them — also those sent by the
  service tasks the action runs (e.g. the approver's own decision being issued);
* one notice per person per call: a person reached through several roles or grants, or listed
  twice, gets one;
* a 待办 notice names the task it announced (``Notification.task``); the services mark it read
  when that task closes, however it closes.
"""

import contextlib
import contextvars
import logging

from django.core.mail import send_mail
from django.db import transaction

from .models import Notification, NotificationPreference

logger = logging.getLogger(__name__)

_actor = contextvars.ContextVar("meritflow_notify_actor", default=None)


@contextlib.contextmanager
def acting(user):
    """While the block runs, ``user`` is the person acting: no notice reaches them."""
    token = _actor.set(getattr(user, "pk", None))
    try:
        yield
    finally:
        _actor.reset(token)


def recipients(users):
    """``users`` without None, without the person acting, each once (in the given order)."""
    actor = _actor.get()
    seen, people = set(), []
    for u in users:
        if u is None or u.pk == actor or u.pk in seen:
            continue
        seen.add(u.pk)
        people.append(u)
    return people


def notify(users, text, instance=None, *, task=None):
    """Tell ``users`` (one notice each; not the person acting) ``text`` about ``instance``;
    ``task``: the human task a 待办 notice announces."""
    send([(u, text, task) for u in users], instance)


def send(entries, instance=None):
    """One INSERT for several notices: ``entries`` are (user, text, task or None). A person
    appearing in several entries gets the first one only (one notice per event)."""
    people = {u.pk: u for u in recipients(u for u, _text, _task in entries)}
    rows = []
    for user, text, task in entries:
        if user is not None and people.pop(user.pk, None) is not None:
            rows.append(Notification(user=user, instance=instance, task=task, text=text[:300]))
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    with_address = {n.user.pk: n for n in rows if n.user.email}
    if with_address:
        _mail_after_commit([(n.user.email, n.text) for n in rows if n.user.pk in _wanting_mail(with_address)])
    return rows


def _wanting_mail(user_ids):
    return set(NotificationPreference.objects.filter(user_id__in=list(user_ids), email=True).values_list("user_id", flat=True))


def _mail_after_commit(messages):
    """Send after the transaction commits (a rolled-back action mails nothing); a failing mail
    server is logged, never raised: the action has already happened."""
    if not messages:
        return

    def mail():
        for address, text in messages:
            try:
                send_mail(text[:100], text, None, [address], fail_silently=False)
            except Exception:  # noqa: BLE001 - mail trouble must not undo or hide the state change
                logger.exception("notification e-mail to %s failed", address)

    transaction.on_commit(mail)


def wants_email(user):
    return NotificationPreference.objects.filter(user=user, email=True).exists()


def set_email(user, on):
    NotificationPreference.objects.update_or_create(user=user, defaults={"email": bool(on)})
