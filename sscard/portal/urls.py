"""The portal's addresses: signing in, my cards, my applications, my records and disputes,
outlets and the guide."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from sscard.portal.views import (
    account,
    applications,
    cards,
    ecard,
    guide,
    home,
    outlets,
    records,
    renewal,
)

app_name = "portal"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", home.home, name="home"),
    path("sign-in/", account.sign_in, name="sign_in"),
    path("sign-in/code/", account.sign_in_code, name="sign_in_code"),
    path("sign-out/", account.sign_out, name="sign_out"),
    path("language/", account.language, name="language"),
    path("cards/", cards.cards, name="cards"),
    path("ecard/", ecard.ecard, name="ecard"),
    path("ecard/code/", ecard.ecard_code, name="ecard_code"),
    path("ecard/<str:reference>/", ecard.ecard, name="ward_ecard"),
    path("ecard/<str:reference>/code/", ecard.ecard_code, name="ward_ecard_code"),
    path("cards/<str:number>/", cards.card, name="card"),
    path("cards/<str:number>/report/", cards.report, name="report"),
    path("cards/<str:number>/found/", cards.lift, name="lift"),
    path("cards/<str:number>/renew/", renewal.renew, name="renew"),
    path("applications/<str:number>/", applications.application, name="application"),
    path("applications/<str:number>/receipt.pdf", applications.receipt, name="receipt"),
    path("records/", records.records, name="my_records"),
    path("records/disputes/", records.disputes, name="my_disputes"),
    path("records/rights/", records.rights, name="my_rights"),
    path("records/<str:reference>/", records.records, name="records"),
    path("records/<str:reference>/rights/", records.rights, name="rights"),
    path("records/<str:reference>/statements/<int:year>.pdf", records.statement, name="statement"),
    path("records/<str:reference>/dispute/", records.dispute, name="dispute"),
    path("records/<str:reference>/disputes/", records.disputes, name="disputes"),
    path("disputes/<str:number>/", records.dispute_opened, name="dispute_opened"),
    path("outlets/", outlets.outlets, name="outlets"),
    path("guide/", guide.guide, name="guide"),
]
