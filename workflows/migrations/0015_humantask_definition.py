import django.db.models.deletion
from django.db import migrations, models

from ._copy_from_case import copy_from_case

BATCH = 200_000


def copy_definitions(apps, schema_editor):
    """Each task's definition, from its case."""
    copy_from_case(schema_editor.connection, "workflows_humantask", "definition_id", "definition_id", batch=BATCH)


class Migration(migrations.Migration):
    """Each task row gets its case's definition (the statistics count open steps by process)."""

    # PostgreSQL refuses to make the column NOT NULL in the transaction whose UPDATE left its
    # deferred foreign-key checks pending: each step commits on its own.
    atomic = False

    dependencies = [
        ("workflows", "0014_case_newest_first_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="humantask",
            name="definition",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="workflows.processdefinition"),
        ),
        migrations.RunPython(copy_definitions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="humantask",
            name="definition",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="workflows.processdefinition"),
        ),
    ]
