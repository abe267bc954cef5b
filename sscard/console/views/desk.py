"""Signing in and out, and the desk's start page."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from sscard.console.access import desk_view


class SignIn(auth_views.LoginView):
    template_name = "console/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("console:home")


class SignOut(auth_views.LogoutView):
    def get_default_redirect_url(self) -> str:
        return reverse("console:login")


# The start page's tiles: permission, URL name, title, description (in templates).
TILES: list[tuple[str, str]] = [
    ("find_person", "console:find_person"),
    ("accept_receipt", "console:accept_receipt"),
    ("record_production", "console:bank_queue"),
    ("complete_intake", "console:intake_queue"),
    ("check_caller_identity", "console:hotline"),
    ("view_dashboard", "console:dashboard"),
    ("view_audit_log", "console:audit"),
    ("view_all_lists", "console:applications"),
    ("view_outlet_lists", "console:applications"),
    ("view_outlet_lists", "console:loss_reports"),
    ("view_all_lists", "console:loss_reports"),
    ("view_hotline_reports", "console:loss_reports"),
    ("view_all_lists", "console:pin_locks"),
    ("answer_disputes", "console:disputes"),
]


@desk_view()
def home(request: HttpRequest) -> HttpResponse:
    desk = request.desk  # type: ignore[attr-defined]
    seen: set[str] = set()
    tiles: list[str] = []
    for permission, url in TILES:
        if desk.may(permission) and url not in seen:
            seen.add(url)
            tiles.append(url.split(":")[1])
    return render(request, "console/home.html", {"tiles": tiles})
