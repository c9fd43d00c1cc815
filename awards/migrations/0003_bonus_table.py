"""Bonus amounts per award kind (DOMAIN.md §1.1; 人社厅发〔2018〕1号 [practice]) — data, editable in the admin."""
import datetime
from decimal import Decimal

from django.db import migrations

AMOUNTS = {"commendation": "1500", "merit_3": "3000", "merit_2": "6000", "merit_1": "12000", "title": "20000"}


def add_bonuses(apps, schema_editor):
    AwardBonus = apps.get_model("awards", "AwardBonus")
    for kind, amount in AMOUNTS.items():
        AwardBonus.objects.get_or_create(kind=kind, effective_from=datetime.date(2018, 1, 1),
                                         defaults={"amount": Decimal(amount), "basis": "人社厅发〔2018〕1号"})


class Migration(migrations.Migration):
    dependencies = [("awards", "0002_initial")]
    operations = [migrations.RunPython(add_bonuses, migrations.RunPython.noop)]
