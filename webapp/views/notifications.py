"""通知: the in-app notifications (a task reached me, a case was returned or ended, 催办)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workflows import notify
from workflows.models import Notification

from .. import queries

PAGE_SIZE = 30


@login_required
def notification_list(request):
    """The list; a POST sets the person's choice to receive each notification also by e-mail."""
    if request.method == "POST":
        notify.set_email(request.user, request.POST.get("email") == "on")
        return redirect("notifications")
    qs = Notification.objects.filter(user=request.user).select_related("instance").order_by("-created_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "webapp/notifications.html",
        {"page": page, "wants_email": notify.wants_email(request.user), "has_address": bool(request.user.email)},
    )


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one as read and go to its case (when the case is still visible to the user)."""
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        Notification.objects.filter(pk=note.pk).update(read_at=timezone.now())
    if note.instance_id and queries.visible_cases(request.user).filter(pk=note.instance_id).exists():
        task = queries.inbox(request.user).filter(instance_id=note.instance_id).order_by("created_at").first()
        if task is not None:
            return redirect("task", note.instance_id, task.pk)
        return redirect("case", note.instance_id)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
