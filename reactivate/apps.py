from django.apps import AppConfig


class ReactivateConfig(AppConfig):
    name = "reactivate"
    verbose_name = "Reactivate: practices and access"
