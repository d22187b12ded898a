from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "tidewatch.agreements"
    verbose_name = "287(g) agencies, agreements and their history"
