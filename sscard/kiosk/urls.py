"""The terminal's addresses, under /kiosk/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sscard.kiosk import views

app_name = "kiosk"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.start, name="start"),
    path("enrol/<str:code>/", views.enrol, name="enrol"),
    path("end/", views.end, name="end"),
    path("id-card/", views.id_card, name="id_card"),
    path("card/", views.card_and_pin, name="card_pin"),
    path("menu/", views.menu, name="menu"),
    path("report/", views.report, name="report"),
    path("report/<str:number>/", views.report_card, name="report_card"),
    path("status/", views.status, name="status"),
    path("pin/", views.pin, name="pin"),
    path("reissue/", views.reissue, name="reissue"),
    path("records/", views.records, name="records"),
    path("records/statements/<int:year>.pdf", views.statement, name="statement"),
    path("<path:anything>", views.elsewhere),
]
