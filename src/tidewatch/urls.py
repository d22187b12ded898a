"""Public pages live under a language prefix (/en/, /es/); files, feeds and the
API do not depend on the language."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import path

from tidewatch.api.api import api
from tidewatch.site import feeds, views

urlpatterns = [
    path("raw/<str:sha256>/", views.raw_file, name="raw-file"),
    path("feeds/latest.atom", feeds.ChangesFeed(), name="feed-latest"),
    path("feeds/state/<str:state>.atom", feeds.StateFeed(), name="feed-state"),
    path("feeds/county/<str:fips>.atom", feeds.CountyFeed(), name="feed-county"),
    path("feeds/agency/<str:agency_id>.atom", feeds.AgencyFeed(), name="feed-agency"),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("models/", views.models_explained, name="models"),
)
