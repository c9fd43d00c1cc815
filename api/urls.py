from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("process-types", views.ProcessTypeViewSet, basename="process-type")
router.register("processes", views.ProcessViewSet, basename="process")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("notices", views.NoticeViewSet, basename="notice")
router.register("cadres", views.CadreViewSet, basename="cadre")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("award-candidates", views.CandidateViewSet, basename="award-candidate")
router.register("opinions", views.CommonOpinionViewSet, basename="opinion")
router.register("delegations", views.DelegationViewSet, basename="delegation")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("post-quotas", views.PostQuotaViewSet, basename="post-quota")

urlpatterns = [
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("v1/statistics/", views.StatisticsView.as_view(), name="statistics"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Anything else under /api/ is a JSON 404, not the web pages' HTML one.
    re_path(r"^.*$", views.unknown_path),
]
