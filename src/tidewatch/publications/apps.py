from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "tidewatch.publications"
    verbose_name = "ICE publications and the raw-file archive"
