from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "tidewatch.documents"
    verbose_name = "Agreement documents"
    default_auto_field = "django.db.models.BigAutoField"
