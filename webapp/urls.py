from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = admin.site.site_title = "MeritFlow 干部人事审批"

urlpatterns = [
    path("", views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("documents/", include("documents.urls")),
]
