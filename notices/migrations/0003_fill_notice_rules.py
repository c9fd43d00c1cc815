"""Pre-fill the notice-length table with the values the code used before it became data."""

import datetime

from django.db import migrations

# DOMAIN.md §1.3 item 4: "not less than 5 working days [default 5, configurable per process
# type]"; §4.3 step 6 (任前公示 not less than 5 working days); §6. The 30-day maximum is the
# limit the publish forms enforced until now.
ROWS = [
    ("merit_citation", 5, 30, "《规则手册》第1.3节第4项：公示不少于5个工作日（默认5，可按流程设置）"),
    ("exceptional_promotion", 5, 30, "《规则手册》第4.3节第6步：任前公示不少于5个工作日"),
    ("secondment_selection", 5, 30, "《规则手册》第6节、第1.3节第4项：公示不少于5个工作日"),
]
EFFECTIVE_FROM = datetime.date(2019, 3, 1)  # 党政领导干部选拔任用工作条例 (2019) in force; before any case here


def fill(apps, schema_editor):
    NoticeRule = apps.get_model("notices", "NoticeRule")
    for process_id, minimum, maximum, basis in ROWS:
        NoticeRule.objects.get_or_create(
            process_id=process_id,
            effective_from=EFFECTIVE_FROM,
            defaults={"minimum_working_days": minimum, "maximum_working_days": maximum, "basis": basis},
        )


def unfill(apps, schema_editor):
    NoticeRule = apps.get_model("notices", "NoticeRule")
    NoticeRule.objects.filter(effective_from=EFFECTIVE_FROM, process_id__in=[r[0] for r in ROWS]).delete()


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_objection_outcomes_and_notice_rules")]

    operations = [migrations.RunPython(fill, unfill)]
