"""The service's front door and health check; the portal, console and API hang off here."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from sscard.cards.models import Card
from sscard.outlets.models import Outlet
from sscard.people.models import Person


def home(request: HttpRequest) -> HttpResponse:
    context = {
        "people": Person.objects.count(),
        "cards": Card.objects.count(),
        "outlets": Outlet.objects.filter(active=True).count(),
    }
    return render(request, "common/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
