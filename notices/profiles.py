"""What a process contributes to a notice: one row per case and the column and wording around it.

A process declares its profile in its process type (``workflows.process_types``); the notice
desk, the notice PDF and the clarification letter are otherwise the same for every process.
"""

from collections.abc import Callable
from dataclasses import dataclass

from workflows import process_types


@dataclass(frozen=True)
class NoticeProfile:
    process_id: str
    row: Callable  # case -> {"name", "unit_post", "proposal"}
    proposal_label: str  # the last column: 拟奖励等次 / 拟任职务 / 挂职岗位
    title: str  # default notice title
    intro: str  # the paragraph above the list


def profile_for(process_id):
    process_type = process_types.get(process_id)
    if process_type is None or process_type.notice_profile is None:
        raise LookupError(f"no notice profile declared for {process_id!r}")
    return process_type.notice_profile
