"""Bonus amounts per award kind (DOMAIN.md §1.1) — data, editable in the admin."""
from django.db import migrations

from awards.reference import install_default_bonuses


def add_bonuses(apps, schema_editor):
    install_default_bonuses(apps.get_model("awards", "AwardBonus"))


class Migration(migrations.Migration):
    dependencies = [("awards", "0001_initial")]
    operations = [migrations.RunPython(add_bonuses, migrations.RunPython.noop)]
