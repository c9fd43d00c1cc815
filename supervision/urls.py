"""The supervision pages (mounted at /supervision/ by webapp/urls.py)."""

from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("alerts/", views.alerts_page, name="alerts"),
    path("alerts/export.xlsx", views.alerts_export, name="alerts_export"),
]
