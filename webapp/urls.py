from django.contrib import admin
from django.urls import include, path

from . import views
from .views import handover
from .views.diagram import case_diagram_json, case_diagram_xml
from .views.opinions import opinions_page
from .views.talk_request import talk_request
from .views.workbench import batch_approve

admin.site.site_header = admin.site.site_title = "MeritFlow 干部人事审批"

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("documents/", include("documents.urls")),
    path("api/", include("api.urls")),
    path("supervision/", include("supervision.urls")),
    path("quotas/", include("quotas.urls")),
    path("stats/", include("stats.urls")),
    # The web workspace (webapp/views/).
    path("start/", views.start_index, name="start"),
    path("start/candidates/", views.candidates_page, name="candidates"),
    path("start/<slug:process_id>/", views.start_process_page, name="start_process"),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/diagram.bpmn", case_diagram_xml, name="case_diagram_xml"),
    path("cases/<int:case_id>/diagram.json", case_diagram_json, name="case_diagram_json"),
    path("cases/<int:case_id>/approval-sheet.pdf", views.cases.approval_sheet, name="approval_sheet"),
    path("cases/<int:case_id>/withdraw/", views.withdraw_case, name="case_withdraw"),
    path("cases/<int:case_id>/remind/", views.remind_case, name="case_remind"),
    path("cases/<int:case_id>/terminate/", views.terminate_case, name="case_terminate"),
    path("cases/<int:case_id>/attachments/", views.upload_attachment, name="attachment_upload"),
    path("cases/<int:case_id>/attachments/<int:attachment_id>/", views.download_attachment, name="attachment"),
    path("cases/<int:case_id>/tasks/<int:task_id>/", views.task_page, name="task"),
    path("cases/<int:case_id>/tasks/<int:task_id>/claim/", views.claim_task, name="task_claim"),
    path("cases/<int:case_id>/tasks/<int:task_id>/release/", views.release_task, name="task_release"),
    path("cases/<int:case_id>/tasks/<int:task_id>/transfer/", handover.transfer, name="task_transfer"),
    path("cases/<int:case_id>/tasks/<int:task_id>/delegate/", handover.delegate, name="task_delegate"),
    path("cases/<int:case_id>/tasks/<int:task_id>/delegate-return/", handover.delegate_return, name="task_delegate_return"),
    path("cases/<int:case_id>/tasks/<int:task_id>/countersigners/", handover.add_countersigner, name="task_countersigner_add"),
    path("cases/<int:case_id>/tasks/<int:task_id>/countersign/", handover.countersign, name="task_countersign"),
    path("cases/<int:case_id>/copies/", handover.copy_case, name="case_copy"),
    path("delegations/", handover.delegations_page, name="delegations"),
    path("delegations/<int:pk>/end/", handover.end_delegation, name="delegation_end"),
    path("workbench/batch/", batch_approve, name="workbench_batch"),
    path("opinions/", opinions_page, name="opinions"),
    path("notices/", views.notices_page, name="notices"),
    path("notices/objections/", views.record_objection, name="notice_objection"),
    path("records/", views.cadre_list, name="records"),
    path("records/import/", views.import_page, name="records_import"),
    path("records/import/template/", views.import_template, name="records_import_template"),
    path("records/<int:cadre_id>/", views.cadre_detail, name="cadre"),
    path("notifications/", views.notification_list, name="notifications"),
    path("talk-request/", talk_request, name="talk_request"),
    path("notifications/read/", views.notification_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]
