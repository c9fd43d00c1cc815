"""The statistics pages (mounted at /stats/ by webapp/urls.py)."""

from django.urls import path

from . import views

app_name = "stats"
urlpatterns = [
    path("", views.stats_page, name="index"),
    path("export.xlsx", views.stats_export, name="export"),
]
