"""The front page: the four things people come for."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sscard.portal.session import signed_in_person


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"me": signed_in_person(request)})
