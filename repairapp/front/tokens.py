"""The settings page where a user makes and revokes their own API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from .. import access
from ..models import ApiToken
from ..tokens import token_create


@require_http_methods(["GET", "POST"])
@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """GET lists the tokens; POST makes one and shows its secret on this answer only
    (never stored, never put in a redirect or the session)."""
    secret = None
    status = 200
    if request.method == "POST":
        _, secret = token_create(user=request.user, name=request.POST.get("name", ""))
        status = 201
    context = {
        "tokens": ApiToken.objects.filter(user=request.user),
        "secret": secret,
        "api_base": request.build_absolute_uri(reverse("api-repairs")),
    }
    response = render(request, "repairapp/tokens.html", context, status=status)
    # The page may hold a secret: never keep it in a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = access.get_token_for_user(request.user, token_id)
    if token.revoke():
        messages.success(request, f"Token {token.prefix}… is revoked; it stops working at once.")
    return redirect("token-list")
