"""``{% common_opinions_for user as opinions %}``: the user's personal and unit common opinions."""

from django import template

from ..models import CommonOpinion

register = template.Library()


@register.simple_tag
def common_opinions_for(user):
    return list(CommonOpinion.objects.for_user(user))
