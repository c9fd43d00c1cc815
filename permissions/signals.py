"""Keep django-guardian's object permissions in step with the Grant table."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from guardian.shortcuts import assign_perm, remove_perm

from .models import Grant


@receiver(post_save, sender=Grant)
def mirror_grant(sender, instance, **kwargs):
    assign_perm(f"permissions.{instance.permission_codename}", instance.user, instance.unit)


@receiver(post_delete, sender=Grant)
def unmirror_grant(sender, instance, **kwargs):
    remove_perm(f"permissions.{instance.permission_codename}", instance.user, instance.unit)
