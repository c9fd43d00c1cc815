import django.db.models.deletion
from django.db import migrations, models

BATCH = 200_000


def copy_definitions(apps, schema_editor):
    """In batches of ids, each its own statement (the migration is not atomic), as 0013."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        sql = (
            "UPDATE workflows_humantask t SET definition_id = p.definition_id FROM workflows_processinstance p"
            " WHERE p.id = t.instance_id AND t.id >= %s AND t.id < %s"
        )
    else:
        sql = (
            "UPDATE workflows_humantask SET definition_id = (SELECT p.definition_id FROM workflows_processinstance p"
            " WHERE p.id = workflows_humantask.instance_id) WHERE id >= %s AND id < %s"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM workflows_humantask")
        first, last = cursor.fetchone()
        if first is None:
            return
        for start in range(first, last + 1, BATCH):
            cursor.execute(sql, [start, start + BATCH])


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
