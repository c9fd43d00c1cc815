from django.db import migrations


def fill_broken_items(apps, schema_editor):
    """A promotion made by a case remembers which qualifications it broke (DOMAIN.md §4.2)."""
    Proposal = apps.get_model("promotions", "Proposal")
    Promotion = apps.get_model("records", "Promotion")
    for promotion_id, items in Proposal.objects.filter(promotion__isnull=False).values_list("promotion_id", "broken_items"):
        Promotion.objects.filter(pk=promotion_id).update(broken_items=items or [])


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0002_fill_proposals"),
        ("records", "0004_award_level_and_insignia"),
    ]

    operations = [migrations.RunPython(fill_broken_items, migrations.RunPython.noop)]
