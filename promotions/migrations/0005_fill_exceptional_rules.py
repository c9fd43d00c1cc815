"""Fill the grounds, qualifications and probation rule (issue 12 "Rules as data") from
promotions.grounds, each with its DOMAIN.md / seed source; a proposal moved before keeps its
single text as the reason of each item it broke."""

import datetime

from django.db import migrations


def fill(apps, schema_editor):
    from promotions.grounds import DEFAULT_GROUNDS, DEFAULT_PROBATION, DEFAULT_QUALIFICATIONS

    Ground = apps.get_model("promotions", "PromotionGround")
    Qualification = apps.get_model("promotions", "Qualification")
    ProbationRule = apps.get_model("promotions", "ProbationRule")
    Proposal = apps.get_model("promotions", "Proposal")
    for order, (code, label, text, source, keeps_post) in enumerate(DEFAULT_GROUNDS):
        Ground.objects.update_or_create(
            code=code, defaults={"label": label, "text": text, "source": source, "keeps_post": keeps_post, "order": order}
        )
    for order, (code, label, breakable, source) in enumerate(DEFAULT_QUALIFICATIONS):
        Qualification.objects.update_or_create(code=code, defaults={"label": label, "breakable": breakable, "source": source, "order": order})
    ProbationRule.objects.get_or_create(valid_from=datetime.date(2019, 3, 3), defaults=dict(DEFAULT_PROBATION))
    for proposal in Proposal.objects.exclude(broken_items=[]):
        if not proposal.broken_reasons:
            proposal.broken_reasons = {code: proposal.broken_qualifications for code in proposal.broken_items or []}
            proposal.save(update_fields=["broken_reasons"])


class Migration(migrations.Migration):
    dependencies = [("promotions", "0004_exceptional_rules_as_data")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
