"""A cadre asks for a talk (谈心谈话, 本人提出: DOMAIN.md §10, seed 004 art. 11): the reviewers of the
organisation department in charge are told and start the talk (``talks.triggers.request_talk``);
the cadre never owns the confidential case."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from talks import triggers
from workflows.errors import InvalidAction
from workflows.forms import UNSTORABLE_TEXT


@login_required
def talk_request(request):
    note = ""
    status = 200
    if request.method == "POST":
        note = " ".join(request.POST.get("note", "").split())[:200]
        if UNSTORABLE_TEXT.search(note):
            messages.error(request, _("说明含有无法保存的字符"))
            status = 400
        else:
            try:
                department = triggers.request_talk(request.user, note)
            except InvalidAction as exc:
                messages.error(request, str(exc.message))
                status = 400
            else:
                messages.success(request, _("已告知%(unit)s，将安排谈心谈话。") % {"unit": department.name})
                return redirect("notifications")
    has_record = getattr(request.user, "cadre", None) is not None
    return render(request, "webapp/talk_request.html", {"note": note, "has_record": has_record}, status=status)
