from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "tidewatch.costs"
    verbose_name = "Cost records"
    default_auto_field = "django.db.models.BigAutoField"
