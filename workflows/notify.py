"""Notifications: an in-app row for each person, and an e-mail after the transaction commits."""

import logging

from django.core.mail import send_mail
from django.db import transaction

from .models import Notification

logger = logging.getLogger(__name__)


def notify(users, text, instance=None):
    users = [u for u in users if u is not None]
    Notification.objects.bulk_create([Notification(user=u, instance=instance, text=text[:300]) for u in users])
    recipients = [u.email for u in users if u.email]
    if recipients:

        def mail():
            try:
                send_mail(text[:100], text, None, recipients, fail_silently=False)
            except Exception:  # noqa: BLE001 - mail trouble must not undo or hide the state change
                logger.exception("notification e-mail failed")

        transaction.on_commit(mail)
