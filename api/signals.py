from django.db.models.signals import post_delete
from django.dispatch import receiver

from workflows.models import HumanTask

from .models import ClosedTask


@receiver(post_delete, sender=HumanTask, dispatch_uid="api.closed_task_receipt")
def remember_closed_task(sender, instance, **kwargs):
    ClosedTask.objects.bulk_create(
        [ClosedTask(task_id=instance.pk, instance_id=instance.instance_id, bpmn_id=instance.bpmn_id, name=instance.name)],
        ignore_conflicts=True,
    )
