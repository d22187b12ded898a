"""Every public address, and which module answers it.

Public pages live under a language prefix (/en/, /es/). Files, feeds, data
downloads and the API do not depend on the language.

    pages           tidewatch.site.views        home, models, raw files
    about           tidewatch.site.about        sources, methods, data problems
    cost methods    tidewatch.site.cost_methods  how the cost estimate is made
    places          tidewatch.site.place_views  state, county, city, agency pages
    council brief   tidewatch.site.brief_views  a county's brief, to print
    documents       tidewatch.site.document_views  MOA pages, diffs of versions
    changes         tidewatch.site.changes_view the filterable list of events
    search          tidewatch.search.views      search page
    document search tidewatch.search.document_views  words in document text
    downloads       tidewatch.site.downloads    /data/...: CSV, JSON, XLSX, GeoJSON
    map data        tidewatch.site.mapdata      /data/map/...: what the map draws
    feeds           tidewatch.site.feeds        Atom
    API             tidewatch.api.api           /api/ (OpenAPI at /api/openapi.json)
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from tidewatch.api.api import api
from tidewatch.search import document_views
from tidewatch.search import views as search_views
from tidewatch.site import (
    about,
    brief_views,
    changes_view,
    cost_methods,
    feeds,
    mapdata,
    place_views,
    views,
)
from tidewatch.site import document_views as document_pages

urlpatterns = [
    path("raw/<str:sha256>/", views.raw_file, name="raw-file"),
    path("feeds/latest.atom", feeds.ChangesFeed(), name="feed-latest"),
    path("feeds/state/<str:state>.atom", feeds.StateFeed(), name="feed-state"),
    path("feeds/county/<str:fips>.atom", feeds.CountyFeed(), name="feed-county"),
    path("feeds/agency/<str:agency_id>.atom", feeds.AgencyFeed(), name="feed-agency"),
    path("data/map/", include(mapdata.urlpatterns)),
    path("data/", include("tidewatch.site.downloads")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("models/", views.models_explained, name="models"),
    path("about/", about.about_page, name="about"),
    path("about/costs/", cost_methods.cost_methods_page, name="cost-methods"),
    path("state/<str:state>/", place_views.state_page, name="state"),
    path("county/<str:fips>/", place_views.county_page, name="county"),
    path("county/<str:fips>/brief/", brief_views.county_brief, name="county-brief"),
    path("city/<str:state>/<slug:slug>/", place_views.city_page, name="city"),
    path("agency/<str:agency_id>/", place_views.agency_page, name="agency"),
    path("changes/", changes_view.changes_page, name="changes"),
    path("changes/page/<int:page>/", changes_view.changes_page, name="changes-page"),
    path("search/", search_views.search_page, name="search"),
    path(
        "search/documents/",
        document_views.document_search_page,
        name="document-search",
    ),
    path("documents/<int:pk>/", document_pages.document_page, name="document"),
    path(
        "documents/<int:pk>/diff/<int:other>/",
        document_pages.document_diff,
        name="document-diff",
    ),
)
