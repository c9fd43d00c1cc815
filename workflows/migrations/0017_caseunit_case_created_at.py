from django.db import migrations, models

BATCH = 200_000


def copy_case_creation_times(apps, schema_editor):
    """In batches of ids, each its own statement (and transaction: the migration is not atomic),
    so that none runs into the statement timeout on a large database (3.7 million rows at
    1,000,000 cases)."""
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        sql = (
            "UPDATE workflows_caseunit c SET case_created_at = p.created_at FROM workflows_processinstance p"
            " WHERE p.id = c.instance_id AND c.id >= %s AND c.id < %s"
        )
    else:
        sql = (
            "UPDATE workflows_caseunit SET case_created_at = (SELECT p.created_at FROM workflows_processinstance p"
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
