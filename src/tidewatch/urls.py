from django.contrib import admin
from django.urls import path

from tidewatch.site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("raw/<str:sha256>/", views.raw_file, name="raw-file"),
    path("admin/", admin.site.urls),
]
