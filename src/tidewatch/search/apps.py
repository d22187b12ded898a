from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tidewatch.search"
    verbose_name = "Search"
