"""What a process contributes to a notice: one row per case and the column and wording around it.

A process registers its profile once (e.g. from its AppConfig.ready); the notice desk, the
notice PDF and the clarification letter are otherwise the same for every process.
"""
from dataclasses import dataclass
from typing import Callable

_profiles = {}


@dataclass
class NoticeProfile:
    process_id: str
    row: Callable  # case -> {"name", "unit_post", "proposal"}
    proposal_label: str  # the last column: 拟奖励等次 / 拟任职务 / 挂职岗位
    title: str  # default notice title
    intro: str  # the paragraph above the list


def register_notice_profile(profile):
    _profiles[profile.process_id] = profile
    return profile


def profile_for(process_id):
    try:
        return _profiles[process_id]
    except KeyError:
        raise LookupError(f"no notice profile registered for {process_id!r}") from None
