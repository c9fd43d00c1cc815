import django.db.models.deletion
from django.db import migrations, models

from ._copy_from_case import copy_from_case

BATCH = 200_000


def copy_nominating_units(apps, schema_editor):
    """Each case unit's nominating unit, from its case."""
    copy_from_case(schema_editor.connection, "workflows_caseunit", "nominating_unit_id", "nominating_unit_id", batch=BATCH)


class Migration(migrations.Migration):
    """Each case-unit row gets its case's nominating unit (``permissions.policy.visible_units``)."""

    # PostgreSQL refuses to make the column NOT NULL in the transaction whose UPDATE left its
    # deferred foreign-key checks pending: each step commits on its own.
    atomic = False

    dependencies = [
        ("permissions", "0001_initial"),
        ("workflows", "0012_definition_source_apart"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseunit",
            name="nominating_unit",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="handled_case_units", to="permissions.unit"
            ),
        ),
        migrations.RunPython(copy_nominating_units, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="caseunit",
            name="nominating_unit",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="handled_case_units", to="permissions.unit"),
        ),
        migrations.AddIndex(
            model_name="caseunit",
            index=models.Index(fields=["unit", "nominating_unit"], name="case_unit_handled_units"),
        ),
    ]
