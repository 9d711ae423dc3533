"""The admins' history: every event, filtered, as a page or a CSV, and one photo's
timeline."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from datetime import time as day_time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import access, engines
from ..forms import HistoryFilterForm
from ..models import Event

HISTORY_PAGE_SIZE = 50
HISTORY_FORBIDDEN = "The history is for admins."
CSV_COLUMNS = ("at", "kind", "actor", "asset", "photo", "version", "job", "engine", "from_status", "to_status", "message", "data")


def _filtered_events(request: HttpRequest):
    """The events the filters ask for, the filters, and what was wrong with them."""
    events = Event.objects.select_related("actor", "asset", "version", "job", "subject").order_by("-at", "-id")
    form = HistoryFilterForm(request.GET)
    if not form.is_valid():
        return events.none(), form.filters(), form.sentences()
    f = form.cleaned_data
    if f["user"]:
        events = events.filter(Q(actor__username=f["user"]) | Q(subject__username=f["user"]))
    if f["asset"] is not None:
        events = events.filter(asset_id=f["asset"])
    if f["kind"]:
        events = events.filter(kind=f["kind"])
    if f["engine"]:
        events = events.filter(job__engine=f["engine"])
    tz = timezone.get_current_timezone()
    if f["from"]:
        events = events.filter(at__gte=datetime.combine(f["from"], day_time.min, tzinfo=tz))
    if f["to"]:
        events = events.filter(at__lte=datetime.combine(f["to"], day_time.max, tzinfo=tz))
    return events, form.filters(), []


class _Echo:
    def write(self, value):
        return value


# OWASP's rule for CSV injection: a cell a spreadsheet would read as a formula gets a
# leading apostrophe, which spreadsheets show as text and do not display.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(events):
    import json

    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for e in events.iterator(chunk_size=500):
        yield writer.writerow(csv_safe(cell) for cell in [
            e.at.isoformat(), e.kind, e.actor.get_username() if e.actor else "", e.asset_id or "",
            e.asset.original_name if e.asset else "", e.version.number if e.version else "", e.job_id or "",
            e.job.engine if e.job else "", e.from_status, e.to_status, e.message, json.dumps(e.data, sort_keys=True),
        ])


@require_GET
@login_required
def history(request: HttpRequest) -> HttpResponse:
    access.require_admin(request.user, HISTORY_FORBIDDEN)
    events, filters, errors = _filtered_events(request)
    if errors and request.GET.get("format") == "csv":
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    if request.GET.get("format") == "csv":
        response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="repairapp-history.csv"'
        return response
    page = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page, "filters": filters, "query": query.urlencode(),
        "kinds": [k for k, _ in Event.KIND_CHOICES], "engines": engines.names(),
        "users": get_user_model().objects.order_by("username").values_list("username", flat=True),
        "errors": errors,
    }
    return render(request, "repairapp/history.html", context, status=400 if errors else 200)


@require_GET
@login_required
def asset_history(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = access.get_asset_for_admin(request.user, asset_id, message=HISTORY_FORBIDDEN)
    events = asset.events.select_related("actor", "version", "job").order_by("at", "id")
    versions = asset.versions.select_related("review", "made_by_job", "created_by").order_by("number")
    context = {"asset": asset, "events": events, "versions": versions,
               "archive_retention_days": settings.ARCHIVE_RETENTION_DAYS}
    if asset.archived_at:
        context["purge_after"] = asset.archived_at + timedelta(days=settings.ARCHIVE_RETENTION_DAYS)
    return render(request, "repairapp/asset_history.html", context)
