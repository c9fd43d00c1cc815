"""Give every existing award case its typed record, from the audit log of its steps.

This is the one place that reads business facts out of ``HistoryEvent.changed_fields``: it
moves them, once, into the records that hold them from now on.
"""
import datetime

from django.db import migrations


def _latest(history, step):
    event = history.filter(action="complete", task_bpmn_id=step).order_by("-at", "-id").first()
    return dict(event.changed_fields or {}) if event else {}


def _date(value):
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


OPEN = ("running", "waiting", "error")


def fill(apps, schema_editor):
    ProcessInstance = apps.get_model("workflows", "ProcessInstance")
    HistoryEvent = apps.get_model("workflows", "HistoryEvent")
    Nomination = apps.get_model("awards", "Nomination")
    RevocationRequest = apps.get_model("awards", "RevocationRequest")
    Award = apps.get_model("records", "Award")
    Document = apps.get_model("documents", "IssuedDocument")
    open_deeds = {}
    for case in ProcessInstance.objects.filter(definition__process_id="merit_citation").order_by("pk"):
        history = HistoryEvent.objects.filter(instance=case)
        start = history.filter(action="start").first()
        data = {**(dict(start.changed_fields or {}) if start else {}), **_latest(history, "Task_nominate")}
        lowered = _latest(history, "Task_objection_decision")
        if lowered.get("decision") == "lower" and lowered.get("award_kind"):
            data["award_kind"] = lowered["award_kind"]
        decision = _latest(history, "Task_unit_decision")
        is_open = case.status in OPEN
        reviewed = any((event.changed_fields or {}).get("decision") == "approve"
                       for event in history.filter(action="complete", task_bpmn_id="Task_review"))
        numbers = Document.objects.filter(instance=case, kind="award_decision").values_list("number", flat=True)
        award = Award.objects.filter(cadre_id=case.subject_cadre_id, decision_number__in=list(numbers)).first() if numbers else None
        reference = data.get("deed_reference") or ""
        if is_open and reference:
            key = (case.subject_cadre_id, reference)
            if key in open_deeds:
                raise RuntimeError(f"cases {open_deeds[key]} and {case.business_key} are open for the same cadre and deed "
                                   f"{reference!r}: terminate one of them, then migrate again")
            open_deeds[key] = case.business_key
        Nomination.objects.create(
            instance=case, cadre_id=case.subject_cadre_id, unit_id=case.nominating_unit_id, year=case.created_at.year,
            award_kind=data.get("award_kind") or "", deeds=data.get("deeds") or "", period_from=_date(data.get("period_from")),
            period_to=_date(data.get("period_to")), deed_reference=reference, meeting_date=_date(decision.get("meeting_date")),
            attendees=decision.get("attendees") or "", integrity_opinion=_latest(history, "Task_integrity").get("integrity_opinion") or "",
            approving_unit_id=award.approving_unit_id if award else None, award=award, is_open=is_open,
            quota_counted=reviewed and (is_open or case.outcome == "End_awarded"),
        )
    for case in ProcessInstance.objects.filter(definition__process_id="award_revocation").order_by("pk"):
        data = _latest(HistoryEvent.objects.filter(instance=case), "Task_apply")
        RevocationRequest.objects.create(instance=case, award_id=data.get("award_id"), ground=data.get("ground") or "",
                                         facts=data.get("facts") or "", is_open=case.status in OPEN)


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0003_case_records"),
        ("documents", "0001_initial"),
        ("records", "0003_one_award_per_deed"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
