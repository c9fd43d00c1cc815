"""The heavy part of a deployed version (serialised spec and BPMN/DMN files, ~270 KB a version)
moves from ``ProcessDefinition`` to its own one-to-one ``ProcessDefinitionSource`` row, so that
the rows joining a definition (every case and task list) never carry or decode it (issue 17
item 2).

Both directions move the data: forwards each definition's spec and files are copied to a new
source row before the columns are dropped; backwards the columns come back (nullable first, so
re-adding them to filled tables works on PostgreSQL too), are filled from the source rows, and
the spec becomes required again.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_to_sources(apps, schema_editor):
    definitions = apps.get_model("workflows", "ProcessDefinition")
    sources = apps.get_model("workflows", "ProcessDefinitionSource")
    for definition in definitions.objects.using(schema_editor.connection.alias).order_by("pk").iterator(chunk_size=20):
        sources.objects.using(schema_editor.connection.alias).create(
            definition_id=definition.pk, spec_json=definition.spec_json, source_files=definition.source_files
        )


def copy_back_to_definitions(apps, schema_editor):
    definitions = apps.get_model("workflows", "ProcessDefinition")
    sources = apps.get_model("workflows", "ProcessDefinitionSource")
    for source in sources.objects.using(schema_editor.connection.alias).order_by("pk").iterator(chunk_size=20):
        definitions.objects.using(schema_editor.connection.alias).filter(pk=source.definition_id).update(
            spec_json=source.spec_json, source_files=source.source_files
        )


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0011_individual_grants_countersign_copies_delegated_acts"),
    ]

    operations = [
        # Nullable for the way back: the column is re-added to a table that has rows.
        migrations.AlterField(
            model_name="processdefinition",
            name="spec_json",
            field=models.JSONField(null=True, verbose_name="流程规格"),
        ),
        migrations.CreateModel(
            name="ProcessDefinitionSource",
            fields=[
                (
                    "definition",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="source",
                        serialize=False,
                        to="workflows.processdefinition",
                    ),
                ),
                ("spec_json", models.JSONField(verbose_name="流程规格")),
                ("source_files", models.JSONField(default=dict, help_text="文件名 → BPMN/DMN 原文", verbose_name="源文件")),
            ],
            options={
                "verbose_name": "流程定义原文",
                "verbose_name_plural": "流程定义原文",
            },
        ),
        migrations.RunPython(copy_to_sources, copy_back_to_definitions),
        migrations.RemoveField(model_name="processdefinition", name="spec_json"),
        migrations.RemoveField(model_name="processdefinition", name="source_files"),
    ]
