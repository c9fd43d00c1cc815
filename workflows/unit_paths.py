"""The unit paths copied onto task and case-unit rows follow the unit tree.

``HumanTask.unit_path`` and ``CaseUnit.unit_path`` copy their unit's path so that an inbox and a
case list are one indexed query on the grants' paths. When a unit is moved to another parent
(``permissions.signals.unit_moved``), the copies under its old path are rewritten to the new one
in the same transaction — otherwise the old parent's holders would keep seeing the moved unit's
cases and tasks, and the new parent's would not.
"""

from django.db.models import CharField, Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from permissions.signals import unit_moved

from .models import CaseUnit, HumanTask


@receiver(unit_moved)
def follow_moved_unit(sender, old_path, new_path, **kwargs):
    moved = Concat(Value(new_path), Substr("unit_path", len(old_path) + 1), output_field=CharField())
    HumanTask.all_objects.filter(unit_path__startswith=old_path).update(unit_path=moved)
    CaseUnit.objects.filter(unit_path__startswith=old_path).update(unit_path=moved)
