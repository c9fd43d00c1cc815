from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from permissions.policy import inbox_filter
from workflows.models import HumanTask, ProcessInstance


@login_required
def home(request):
    tasks = (
        HumanTask.objects.filter(inbox_filter(request.user))
        .select_related("instance__definition", "instance__subject_cadre", "unit")
        .order_by("created_at")[:50]
    )
    started = ProcessInstance.objects.filter(started_by=request.user).select_related("definition", "subject_cadre")[:20]
    return render(request, "webapp/home.html", {"tasks": tasks, "started": started})
