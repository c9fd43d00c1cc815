"""The quotas pages (mounted at /quotas/ by webapp/urls.py)."""

from django.urls import path

from . import views

app_name = "quotas"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.xlsx", views.export, name="export"),
]
