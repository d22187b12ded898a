"""Work in progress (issue 4)."""

from django.http import HttpResponse


def about_page(request, **kwargs):  # placeholder until implemented
    return HttpResponse(status=501)
