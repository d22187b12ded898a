"""Work in progress (issue 4)."""

from django.http import HttpResponse


def state_page(request, **kwargs):  # placeholder until implemented
    return HttpResponse(status=501)


def county_page(request, **kwargs):  # placeholder until implemented
    return HttpResponse(status=501)


def city_page(request, **kwargs):  # placeholder until implemented
    return HttpResponse(status=501)


def agency_page(request, **kwargs):  # placeholder until implemented
    return HttpResponse(status=501)
