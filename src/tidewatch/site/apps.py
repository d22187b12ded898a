from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "tidewatch.site"
    verbose_name = "Public web site"
