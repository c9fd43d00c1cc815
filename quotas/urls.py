"""The quotas pages (mounted at /quotas/ by webapp/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "quotas"
urlpatterns: list = []
