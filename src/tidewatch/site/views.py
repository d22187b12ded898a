"""Public pages. Numbers come from tidewatch.agreements.reports; each page says
which ICE list they were counted from."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from tidewatch.agreements import reports
from tidewatch.agreements.models import Event
from tidewatch.pipeline.archive import stored_file
from tidewatch.publications.models import ImportRun, RawFile
from tidewatch.site.downloads import links
from tidewatch.site.timeline import counts_over_time

MODELS = [
    ("JEM", _("Jail Enforcement Model")),
    ("WSO", _("Warrant Service Officer")),
    ("TFM", _("Task Force Model")),
]


def home(request: HttpRequest) -> HttpResponse:
    """National counts from the latest lists, the county map with its timeline,
    counts by model over time, and the latest changes."""
    summary = reports.stats()
    participating = summary["by_model"].get("participating", {})
    pending = summary["by_model"].get("pending", {})
    current = reports.edition()
    events = (
        Event.objects.select_related("agreement__agency", "publication__raw_file")
        .defer("publication__records", "publication__header")  # large, unused
        .order_by("-date", "-publication_id", "-sequence")[:25]
    )
    context = {
        "national_downloads": links("download-agreements"),
        "change_downloads": links("download-changes"),
        "edition": current,
        "models": [
            (code, label, participating.get(code, 0), pending.get(code, 0))
            for code, label in MODELS
        ],
        "participating_total": sum(participating.values()),
        "pending_total": sum(pending.values()),
        "states": sum(
            1
            for counts in summary["by_state"].values()
            if any(k.startswith("participating:") for k in counts)
        ),
        "last_pending_count": current.pending.agreement_count if current.pending else 0,
        "events": events,
        "last_run": ImportRun.objects.exclude(status=ImportRun.RUNNING).first(),
        "points": counts_over_time() if current.participating else [],
    }
    return render(request, "site/home.html", context)


def models_explained(request: HttpRequest) -> HttpResponse:
    """The three 287(g) models in plain words."""
    return render(request, "site/models.html")


def raw_file(request: HttpRequest, sha256: str) -> FileResponse:
    """An archived ICE file, byte for byte, as a download."""
    raw = get_object_or_404(RawFile, sha256=sha256)
    path = stored_file(raw)
    if not path.exists():
        raise Http404("file missing from the archive")
    name = raw.observations.values_list("original_name", flat=True).first() or path.name
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
