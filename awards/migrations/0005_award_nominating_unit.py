from django.db import migrations


def fill_nominating_unit(apps, schema_editor):
    """The award remembers who nominated it (DOMAIN.md §1.4: revocation is applied for by the
    original nominating body), read from the case record that issued it."""
    Nomination = apps.get_model("awards", "Nomination")
    Award = apps.get_model("records", "Award")
    for award_id, unit_id in Nomination.objects.filter(award__isnull=False).values_list("award_id", "unit_id"):
        Award.objects.filter(pk=award_id, nominating_unit__isnull=True).update(nominating_unit_id=unit_id)


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0004_fill_case_records"),
        ("records", "0004_award_level_and_insignia"),
    ]

    operations = [migrations.RunPython(fill_nominating_unit, migrations.RunPython.noop)]
