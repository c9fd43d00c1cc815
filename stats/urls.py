"""The statistics pages (mounted at /stats/ by webapp/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "stats"
urlpatterns: list = []
