"""What a round issues: the notice (公示) listing every selected cadre, clarification letters,
and at dispatch the selection notice (选派通知) and one introduction letter (介绍信) per cadre,
all numbered by the organiser's register (DOMAIN.md §5, §6, §8)."""

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from documents import contexts
from documents.rendering import issue_document
from notices.models import Notice
from permissions import policy
from permissions.models import Unit
from permissions.roles import Role
from records.models import Secondment, add_months
from workdays.calendar import SHANGHAI, working_period_end
from workflows import clock
from workflows.notify import notify
from workflows.signals import POST_CHANGE, cadre_event

from .models import CandidateStatus
from .plan import PROCESS

NOTICE_TITLE = gettext_lazy("关于拟选派挂职锻炼干部人选的公示")


def _selected(round_):
    return list(
        round_.candidates.filter(status=CandidateStatus.SELECTED)
        .select_related("cadre__unit", "position__host_unit")
        .order_by("rank", "pk")
    )


def term_text(months):
    return _("%(years)s年") % {"years": months // 12} if months % 12 == 0 else _("%(months)s个月") % {"months": months}


def position_label(position):
    """挂职单位及岗位: the title alone when it already names the host unit."""
    return position.title if position.host_unit.name in position.title else f"{position.host_unit.name}{position.title}"


def notice_rows(round_):
    """One row per selected cadre: name, unit and post, the position they are proposed for."""
    return [{"name": c.cadre.name, "unit_post": c.cadre.unit_and_post, "proposal": position_label(c.position)} for c in _selected(round_)]


def publish_notice(round_, task_data):
    """公示 of the selected cadres (DOMAIN.md §6, §7): a Notice of the notices app (so objections are
    recorded on the notice desk as for any case) and its PDF with one row per person."""
    issuer = Unit.objects.get(pk=task_data["route"]["publicity_unit_id"])
    start = datetime.date.fromisoformat(str(task_data["notice_start"]))
    days = int(task_data["notice_days"])
    title = (task_data.get("notice_title") or "").strip() or str(NOTICE_TITLE)
    notice = Notice.objects.create(
        issuer=issuer,
        process_id=PROCESS,
        title=title,
        start_date=start,
        working_days=days,
        end_date=working_period_end(start, days),
        contact=task_data["notice_contact"].strip(),
        created_by_id=task_data["notice_published_by"],
    )
    notice.cases.set([round_.instance_id])
    intro = _(
        "根据干部挂职锻炼工作有关规定，经%(organiser)s研究，拟选派以下同志参加“%(title)s”挂职锻炼，挂职期限%(term)s，现予以公示。"
    ) % {"organiser": round_.organiser.name, "title": round_.title, "term": term_text(round_.term_months)}
    notice.document = issue_document(
        "notice",
        issuer=issuer,
        template="documents/notice.html",
        instance=round_.instance,
        numbered=False,
        title=title,
        context=contexts.notice_context(
            issuer=issuer,
            title=title,
            candidates=notice_rows(round_),
            period_start=start,
            period_end=notice.end_date,
            working_days=days,
            objections=[notice.contact],
            date=start,
            intro=intro,
            proposal_label=_("挂职岗位"),
        ),
        batch=f"notice:{notice.pk}",
    )
    notice.save(update_fields=["document"])
    return notice


def term_dates(round_, today):
    """The term starts on the planned day (or on dispatch if that is later) and lasts term_months."""
    start = max(round_.term_start, today)
    return start, add_months(start, round_.term_months) - datetime.timedelta(days=1)


def dispatch(round_, task_data):
    """Approved: record each secondment on the cadre (the home unit stays the personnel unit,
    公务员法 art. 72), issue the selection notice and the introduction letters, notify."""
    selected = _selected(round_)
    if not selected:
        raise ValueError(_("没有拟选派人员"))
    route = task_data["route"]
    issuer = Unit.objects.get(pk=route["issuer_unit_id"])
    today = clock.today()
    start, end = term_dates(round_, today)
    for c in selected:
        c.secondment = Secondment.objects.create(
            cadre=c.cadre, host_unit=c.position.host_unit, position=c.position.title, start=start, planned_end=end
        )
        cadre_event.send(sender=Secondment, cadre=c.cadre, reason=POST_CHANGE, instance=round_.instance, unit=issuer)  # a talk (§10)
    homes = list(dict.fromkeys(c.cadre.unit.name for c in selected))
    hosts = list(dict.fromkeys(c.position.host_unit.name for c in selected))
    first = selected[0].cadre.name
    title = (
        _("关于选派%(name)s同志挂职锻炼的通知") % {"name": first}
        if len(selected) == 1
        else _("关于选派%(name)s等%(n)s名同志挂职锻炼的通知") % {"name": first, "n": len(selected)}
    )
    notice = issue_document(
        "selection_notice",
        issuer=issuer,
        template="documents/selection_notice.html",
        instance=round_.instance,
        title=title,
        context=contexts.selection_notice_context(
            issuer=issuer,
            title=title,
            recipients="、".join(list(dict.fromkeys(homes + hosts))),
            intro=_(
                "为贯彻落实干部挂职锻炼制度（市办法第九条），有计划地选派综合素质高、发展潜质好的优秀干部到基层一线和重要岗位"
                "锻炼（省实施意见第14条），经研究，决定选派以下%(n)s名同志参加“%(title)s”挂职锻炼。"
            )
            % {"n": len(selected), "title": round_.title},
            secondees=[{"name": c.cadre.name, "unit_post": c.cadre.unit_and_post, "host": position_label(c.position)} for c in selected],
            start=start,
            end=end,
            term=term_text(round_.term_months),
            date=today,
        ),
    )
    letters = []
    for c in selected:
        letter = issue_document(
            "introduction_letter",
            issuer=issuer,
            template="documents/introduction_letter.html",
            instance=round_.instance,
            title=_("介绍信（%(name)s）") % {"name": c.cadre.name},
            batch=f"selection:{notice.pk}",
            context=contexts.introduction_letter_context(
                issuer=issuer,
                recipient=c.position.host_unit.name,
                cadre=c.cadre,
                position=c.position.title,
                start=start,
                end=end,
                reference=notice.number,
                date=today,
            ),
        )
        c.introduction_letter = letter
        c.status = CandidateStatus.SECONDED
        c.save(update_fields=["secondment", "introduction_letter", "status"])
        letters.append(letter)
    round_.candidates.filter(status__in=[CandidateStatus.CONFIRMED, CandidateStatus.NOT_SELECTED]).update(
        status=CandidateStatus.NOT_SELECTED
    )
    _notify_dispatch(round_, selected, notice)
    ends_at = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(0), tzinfo=SHANGHAI).isoformat()
    return [
        {
            "secondment_id": c.secondment.pk,
            "candidate_id": c.pk,
            "cadre_id": c.cadre_id,
            "cadre_name": c.cadre.name,
            "host_unit_id": c.position.host_unit_id,
            "planned_end": end.isoformat(),
            "term_ends_at": ends_at,
            "introduction_letter_number": letter.number,
        }
        for c, letter in zip(selected, letters)
    ]


def _notify_dispatch(round_, selected, notice):
    key = round_.instance.business_key
    people = [round_.instance.started_by]
    for c in selected:
        people += policy.holders_of(Role.NOMINATOR, c.cadre.unit) + policy.holders_of(Role.UNIT_LEADER, c.position.host_unit)
    notify(
        list(dict.fromkeys(people)),
        _("%(key)s 已批准并印发%(number)s：%(names)s")
        % {"key": key, "number": notice.number, "names": "、".join(f"{c.cadre.name}→{position_label(c.position)}" for c in selected)},
        round_.instance,
    )
