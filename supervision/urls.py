"""The supervision pages (mounted at /supervision/ by webapp/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "supervision"
urlpatterns: list = []
