"""Drop cached calendar years whenever the calendar tables change (admin edits included)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .calendar import clear_cache
from .models import CalendarDay, CalendarYear


@receiver(post_save, sender=CalendarDay)
@receiver(post_delete, sender=CalendarDay)
@receiver(post_save, sender=CalendarYear)
@receiver(post_delete, sender=CalendarYear)
def invalidate_calendar_cache(sender, **kwargs):
    # Clearing everything is simpler than tracking a row's old and new year, and cheap:
    # a year reloads with two queries.
    clear_cache()
