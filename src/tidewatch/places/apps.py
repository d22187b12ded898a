from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "tidewatch.places"
    verbose_name = "Places: states, counties, cities and the agencies that police them"
