"""The grassroots priority list's declaration (基层优先提拔名单, DOMAIN.md §4.4; seed 004 art. 8(四))."""

from workflows import process_types
from workflows.presenting import unit_names

from . import forms
from .records import PriorityCaseRecord

PRIORITY_LIST = process_types.register(
    process_types.ProcessType(
        process_id="grassroots_priority",
        key_prefix="JC",
        forms={
            forms.START_EVENT: forms.PriorityStartForm,
            forms.PROPOSE_STEP: forms.ProposeForm,
            forms.INTEGRITY_STEP: forms.IntegrityForm,
            forms.NOTICE_STEP: forms.NoticeForm,
            forms.APPROVE_STEP: forms.ApproveForm,
        },
        case_record=PriorityCaseRecord(),
        panels=("grassroots/panel_list.html",),
        field_names={"discipline_unit_id": unit_names, "approving_unit_id": unit_names},
        field_texts={"entries": forms.entries_text},
    )
)
