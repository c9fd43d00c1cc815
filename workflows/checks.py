"""Django system check: every typed process's bindings hold against the diagrams on disk.

Runs with ``manage.py check`` (and every command that checks, e.g. ``runserver``, ``migrate``):
a renamed step, an unregistered service or a colliding result variable is an error before
anything is deployed.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.models, "meritflow")
def check_step_contracts(app_configs=None, **kwargs):
    from .contracts import check_directory

    directory = getattr(settings, "MERITFLOW_BPMN_DIR", None)
    if not directory:
        return []
    try:
        violations = check_directory(directory)
    except Exception as exc:  # noqa: BLE001 - a diagram that does not parse is itself the finding
        return [Error(f"BPMN files in {directory} do not parse: {exc}", id="workflows.E002")]
    return [
        Error(
            str(v),
            hint="Bind the step in the process type (workflows.process_types) or fix the diagram.",
            obj=v.element_id,
            id="workflows.E001",
        )
        for v in violations
    ]
