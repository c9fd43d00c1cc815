import django.db.models.deletion
from django.db import migrations, models

BATCH = 200_000


def copy_nominating_units(apps, schema_editor):
    """In batches of ids, each its own statement (and transaction: the migration is not atomic),
    so that none runs into the statement timeout on a large database (3.7 million rows at
    1,000,000 cases)."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        sql = (
            "UPDATE workflows_caseunit c SET nominating_unit_id = p.nominating_unit_id FROM workflows_processinstance p"
            " WHERE p.id = c.instance_id AND c.id >= %s AND c.id < %s"
        )
    else:
        sql = (
            "UPDATE workflows_caseunit SET nominating_unit_id = (SELECT p.nominating_unit_id FROM workflows_processinstance p"
            " WHERE p.id = workflows_caseunit.instance_id) WHERE id >= %s AND id < %s"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM workflows_caseunit")
        first, last = cursor.fetchone()
        if first is None:
            return
        for start in range(first, last + 1, BATCH):
            cursor.execute(sql, [start, start + BATCH])


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
