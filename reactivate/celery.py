"""The Celery app. Tasks live in each app's ``tasks.py`` and are thin: they take ids,
re-fetch rows and call a service function that tests call directly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reactivate.settings")

app = Celery("reactivate")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
