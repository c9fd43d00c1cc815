"""Pre-fill every year the chinesecalendar package covers, so each fresh database knows them.

After a package upgrade, run ``manage.py sync_holidays`` to pick up newly covered years.
"""
from django.db import migrations


def prefill(apps, schema_editor):
    from workdays.sync import sync_from_package

    sync_from_package(
        apps.get_model("workdays", "CalendarYear"),
        apps.get_model("workdays", "CalendarDay"),
        using=schema_editor.connection.alias,
    )


def remove_package_rows(apps, schema_editor):
    alias = schema_editor.connection.alias
    for name in ("CalendarDay", "CalendarYear"):
        apps.get_model("workdays", name).objects.using(alias).filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(prefill, remove_package_rows),
    ]
