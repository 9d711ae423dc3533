"""Admins manage accounts: list users, create one with a role, change a role, deactivate
or reactivate. Every change goes through services/roles and is recorded as an Event."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .. import access, roles, services
from ..forms import UserCreateForm


ACCOUNTS_FORBIDDEN = "Accounts are managed by admins."


@require_http_methods(["GET", "POST"])
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    """GET lists every account; POST creates one. A generated password is shown on this
    answer only (never stored in clear, never put in a redirect)."""
    access.require_admin(request.user, ACCOUNTS_FORBIDDEN)
    form = UserCreateForm(request.POST or None)
    created = password = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            password = form.cleaned_data["password"] or secrets.token_urlsafe(12)
            try:
                created = services.user_create(actor=request.user, username=form.cleaned_data["username"],
                                               email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                                               password=password)
            except services.AccountError as exc:
                form.add_error("username", str(exc))
        if created is None:
            status = 400
        else:
            status = 201
            if form.cleaned_data["password"]:
                password = None  # the admin typed it: no need to show it back
            form = UserCreateForm()
    users = list(get_user_model().objects.order_by("username").prefetch_related("groups"))
    for user in users:
        user.role = roles.role_of(user)
    context = {"users": users, "form": form, "created": created, "password": password,
               "roles": roles.ROLES}
    response = render(request, "repairapp/users.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access.get_user_for_admin(request.user, user_id, message=ACCOUNTS_FORBIDDEN)
    role = request.POST.get("role", "")
    if role not in roles.ROLES:
        messages.error(request, f"Unknown role {role!r}; roles: {', '.join(roles.ROLES)}.")
    elif user.pk == request.user.pk:
        messages.error(request, "You cannot change your own role; ask another admin.")
    elif user.is_superuser:
        messages.error(request, f"{user.get_username()} is a superuser, an admin whatever the role.")
    else:
        previous = roles.set_role(user, role, actor=request.user)
        if previous == role:
            messages.info(request, f"{user.get_username()} is already {role}.")
        else:
            messages.success(request, f"{user.get_username()} is now {role} (was {previous}).")
    return redirect("user-list")


@require_POST
@login_required
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    user = access.get_user_for_admin(request.user, user_id, message=ACCOUNTS_FORBIDDEN)
    active = request.POST.get("active") == "1"
    try:
        changed = services.user_set_active(actor=request.user, user=user, active=active)
    except services.AccountError as exc:
        messages.error(request, str(exc))
    else:
        if changed:
            state = "reactivated: they can log in again" if active else "deactivated: they cannot log in and their API tokens stop working"
            messages.success(request, f"{user.get_username()} is {state}.")
    return redirect("user-list")
