"""``{% load process_names %}``: process and step names in the active language (workflows/names.py).

``{{ definition.name|process_name }}``, ``{{ task.name|step_name }}``, ``{{ event.task_name|step_name }}``.
"""

from django import template

from workflows import names

register = template.Library()


@register.filter
def process_name(text):
    return names.process_name(text)


@register.filter
def step_name(text):
    return names.step_name(text)
