from django.db import migrations, models

from ._copy_from_case import copy_from_case

BATCH = 200_000


def copy_case_creation_times(apps, schema_editor):
    """Each case unit's case creation time."""
    copy_from_case(schema_editor.connection, "workflows_caseunit", "case_created_at", "created_at", batch=BATCH)


class Migration(migrations.Migration):
    """Each case-unit row gets its case's creation time (``ProcessInstanceQuerySet.newest_visible``);
    the (unit, case_created_at, instance) index replaces (unit, instance), whose reads it serves."""

    atomic = False  # as 0013: each step commits on its own

    dependencies = [
        ("workflows", "0016_open_case_by_unit_index"),
    ]

    operations = [
        migrations.AddField(model_name="caseunit", name="case_created_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(copy_case_creation_times, migrations.RunPython.noop),
        migrations.AlterField(model_name="caseunit", name="case_created_at", field=models.DateTimeField()),
        migrations.AddIndex(
            model_name="caseunit",
            index=models.Index(fields=["unit", "case_created_at", "instance"], name="case_unit_newest_first"),
        ),
        migrations.RemoveIndex(model_name="caseunit", name="workflows_c_unit_id_0ac0b8_idx"),
    ]
