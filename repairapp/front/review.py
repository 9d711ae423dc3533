"""Submitting a version for review, the moderators' queue, the review page and the
decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import access, services
from ..forms import QueueFilterForm, ReviewForm, SubmitForm, TextFilterForm, problems
from ..models import Review


@require_POST
@login_required
def version_submit(request: HttpRequest, version_id: int) -> HttpResponse:
    version = access.get_version_for_user(request.user, version_id)
    access.require_editor(request.user, version.asset, "Only the photo's owner can submit its versions for review.")
    form = SubmitForm(request.POST)
    if not form.is_valid():
        messages.error(request, problems(form))
    else:
        try:
            services.version_submit(user=request.user, version=version, note=form.cleaned_data["note"])
        except services.ReviewConflict as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Version {version.number} is submitted for review.")
    return redirect(reverse("editor", args=[version.asset_id]) + f"?version={version.number}")


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    access.require_reviewer(request.user)
    form = QueueFilterForm(request.GET)
    form.is_valid()  # refuses nothing: an unknown state lists the pending reviews
    state, submitter = form.cleaned_data["state"], form.cleaned_data["submitter"]
    reviews = Review.objects.select_related(
        "version__asset", "version__made_by_job", "version__parent", "submitted_by", "decided_by"
    ).filter(state__in=form.review_states(), version__asset__archived_at=None)
    if submitter:
        reviews = reviews.filter(submitted_by__username=submitter)
    text_filter = TextFilterForm(request.GET)
    reviews = text_filter.apply(reviews, "version__asset__")
    # Flagged first (a check failed), then the oldest submission first.
    reviews = reviews.order_by("-flagged", "submitted_at", "pk")
    page = Paginator(reviews, 50).get_page(request.GET.get("page"))
    submitters = get_user_model().objects.filter(
        pk__in=Review.objects.exclude(submitted_by=None).values("submitted_by")).order_by("username")
    context = {
        "page": page, "state": state, "submitter": submitter, "submitters": submitters,
        "states": QueueFilterForm.STATES,
        "text_filter": text_filter.cleaned_data.get("text", "") if text_filter.is_valid() else "",
        "text_filters": TextFilterForm.CHOICES,
        "pending_count": Review.objects.filter(state=Review.PENDING, version__asset__archived_at=None).count(),
        "now": timezone.now(),
    }
    return render(request, "repairapp/review_queue.html", context)


def _review_page(request: HttpRequest, review: Review, *, error: str = "", status: int = 200) -> HttpResponse:
    version = review.version
    asset = version.asset
    if not error and review.state == Review.PENDING and services.four_eyes_blocks(request.user, version):
        error = services.FOUR_EYES_MESSAGE  # said before the moderator tries, not after
    others = asset.versions.select_related("review", "review__decided_by", "made_by_job").order_by("-number")
    next_pending = (Review.objects.filter(state=Review.PENDING).exclude(pk=review.pk)
                    .order_by("-flagged", "submitted_at").values_list("version_id", flat=True).first())
    context = {
        "review": review, "version": version, "asset": asset, "parent": version.parent,
        "versions": others, "error": error, "next_pending": next_pending,
        # The "text remains" check's words, if it flagged the fill (jobs._repair).
        "text_left": next((f.get("words", ["?"]) for f in version.fill_flags if f["code"] == "text"), None),
        "events": asset.events.filter(kind__startswith="version.").select_related("actor", "version").order_by("-at")[:50],
    }
    return render(request, "repairapp/review.html", context, status=status)


@require_GET
@login_required
def review_page(request: HttpRequest, version_id: int) -> HttpResponse:
    return _review_page(request, access.get_review_for_reviewer(request.user, version_id))


@require_POST
@login_required
def review_decide(request: HttpRequest, version_id: int) -> HttpResponse:
    review = access.get_review_for_reviewer(request.user, version_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _review_page(request, review, error=problems(form), status=400)
    decision = form.cleaned_data["decision"]
    try:
        services.review_decide(user=request.user, version=review.version, decision=decision,
                               comment=form.cleaned_data["comment"])
    except services.ReviewConflict as exc:
        review.refresh_from_db()
        return _review_page(request, review, error=str(exc), status=409)
    except services.OwnVersion as exc:
        return _review_page(request, review, error=str(exc), status=403)
    except ValueError as exc:  # a rejection without a comment
        return _review_page(request, review, error=str(exc), status=400)
    verb = "approved" if decision == "approve" else "rejected"
    messages.success(request, f"{review.version} {verb}.")
    if request.POST.get("next") == "queue":
        return redirect("review-queue")
    following = (Review.objects.filter(state=Review.PENDING).order_by("-flagged", "submitted_at")
                 .values_list("version_id", flat=True).first())
    return redirect("review-page", version_id=following) if following else redirect("review-queue")
