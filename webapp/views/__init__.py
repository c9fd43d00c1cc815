"""The web workspace's pages (工作台, 发起, 办理, 案件, 公示管理, 干部档案, 通知)."""

from .cases import (
    case_page,
    claim_task,
    download_attachment,
    release_task,
    remind_case,
    task_page,
    terminate_case,
    upload_attachment,
    withdraw_case,
)
from .notices import notices_page, record_objection
from .notifications import notification_list, notification_open, notification_read_all
from .records import cadre_detail, cadre_list, import_page, import_template
from .start import candidates_page, start_index, start_process_page
from .workbench import home

__all__ = [
    "home",
    "start_index",
    "start_process_page",
    "candidates_page",
    "task_page",
    "claim_task",
    "release_task",
    "case_page",
    "withdraw_case",
    "remind_case",
    "terminate_case",
    "notices_page",
    "record_objection",
    "cadre_list",
    "cadre_detail",
    "import_page",
    "import_template",
    "notification_list",
    "notification_open",
    "notification_read_all",
    "upload_attachment",
    "download_attachment",
]
