"""Public pages live under a language prefix (/en/, /es/); files, feeds and the
API do not depend on the language."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import path

from tidewatch.site import views

urlpatterns = [
    path("raw/<str:sha256>/", views.raw_file, name="raw-file"),
    path("admin/", admin.site.urls),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("models/", views.models_explained, name="models"),
)
