"""Give every existing exceptional-promotion case its proposal record, from the audit log of
its steps (the one place that reads facts out of ``HistoryEvent.changed_fields``)."""
from django.db import migrations

FIELDS = ("target_post", "target_level", "ground", "facts", "broken_items", "broken_qualifications",
          "from_recommendation", "special_post")


def fill(apps, schema_editor):
    ProcessInstance = apps.get_model("workflows", "ProcessInstance")
    HistoryEvent = apps.get_model("workflows", "HistoryEvent")
    Proposal = apps.get_model("promotions", "Proposal")
    Promotion = apps.get_model("records", "Promotion")
    Document = apps.get_model("documents", "IssuedDocument")
    for case in ProcessInstance.objects.filter(definition__process_id="exceptional_promotion").order_by("pk"):
        history = HistoryEvent.objects.filter(instance=case, action="complete")
        proposal = history.filter(task_bpmn_id="Task_propose").order_by("-at", "-id").first()
        data = dict(proposal.changed_fields or {}) if proposal else {}
        recommendation = history.filter(task_bpmn_id="Task_recommend").order_by("-at", "-id").first()
        votes = dict(recommendation.changed_fields or {}) if recommendation else {}
        numbers = list(Document.objects.filter(instance=case, kind="appointment_notice").values_list("number", flat=True))
        promotion = Promotion.objects.filter(cadre_id=case.subject_cadre_id, decision_number__in=numbers).first() if numbers else None
        values = {name: data[name] for name in FIELDS if data.get(name) is not None}
        if not isinstance(values.get("facts", ""), str):
            values["facts"] = ""  # the record facts a service once wrote over the nominator's text
        Proposal.objects.create(
            instance=case, cadre_id=case.subject_cadre_id, unit_id=case.nominating_unit_id, promotion=promotion,
            participants=votes.get("participants"), votes_for=votes.get("votes_for"),
            is_open=case.status in ("running", "waiting", "error"), **values,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0001_initial"),
        ("documents", "0001_initial"),
        ("records", "0003_one_award_per_deed"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
