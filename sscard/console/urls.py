"""The console's addresses, one group per subject; a person is named by their random
reference, never by the primary key."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path, register_converter

from sscard.console.views import (
    activation,
    applications,
    bank,
    desk,
    ecard,
    guardians,
    hotline,
    issuance,
    lists,
    loss_reports,
    people,
    pinpad,
    records,
    supervisor,
)
from sscard.people.models import REFERENCE_ALPHABET, REFERENCE_LENGTH


class PersonReference:
    """A person in an address is named by their random reference, never by the sequential
    primary key: a page's address must not lead to the next person in the register."""

    regex = f"[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PersonReference, "person")

app_name = "console"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", desk.home, name="home"),
    path("sign-in/", desk.SignIn.as_view(), name="login"),
    path("sign-out/", desk.SignOut.as_view(), name="logout"),
    # people and their cards
    path("people/", people.find_person, name="find_person"),
    path("people/<person:ref>/", people.person_page, name="person"),
    path("people/<person:ref>/reveal/", people.reveal, name="reveal"),
    path("people/<person:ref>/checklist/", people.documents_checklist, name="checklist"),
    path("people/<person:ref>/apply/", applications.Apply.as_desk_view(), name="apply"),
    path("people/<person:ref>/intake/", applications.Intake.as_desk_view(), name="intake"),
    path(
        "people/<person:ref>/guardians/record/",
        guardians.RecordGuardian.as_desk_view(),
        name="record_guardian",
    ),
    path(
        "people/<person:ref>/guardianships/<int:pk>/change/",
        guardians.ChangeGuardianship.as_desk_view(),
        name="change_guardianship",
    ),
    path(
        "people/<person:ref>/guardianships/<int:pk>/end/",
        guardians.EndGuardianship.as_desk_view(),
        name="end_guardianship",
    ),
    path(
        "people/<person:ref>/ecard/revoke/", ecard.RevokeEcard.as_desk_view(), name="revoke_ecard"
    ),
    # contribution records, authorisations and disputes
    path("people/<person:ref>/records/", records.person_records, name="records"),
    path(
        "people/<person:ref>/records/statements/<int:year>.pdf",
        records.person_statement,
        name="records_statement",
    ),
    path(
        "people/<person:ref>/authorisations/record/",
        records.RecordAuthorisation.as_desk_view(),
        name="record_authorisation",
    ),
    path(
        "authorisations/<str:reference>/end/",
        records.EndAuthorisation.as_desk_view(),
        name="end_authorisation",
    ),
    path(
        "people/<person:ref>/records/disputes/open/",
        records.OpenWindowDispute.as_desk_view(),
        name="open_dispute",
    ),
    path("disputes/", records.dispute_queue, name="disputes"),
    path("disputes/<str:reference>/", records.AnswerDispute.as_desk_view(), name="dispute"),
    path(
        "disputes/<str:reference>/answered/",
        records.answered_dispute,
        name="dispute_answered",
    ),
    path(
        "cards/<str:number>/report-loss/",
        loss_reports.ReportLoss.as_desk_view(),
        name="report_loss",
    ),
    path("cards/<str:number>/activate/", activation.Activate.as_desk_view(), name="activate"),
    path("cards/<str:number>/reset-pin/", activation.ResetPin.as_desk_view(), name="reset_pin"),
    path("cards/pin-locked/", lists.pin_lock_list, name="pin_locks"),
    path("loss-reports/", lists.loss_report_list, name="loss_reports"),
    path("loss-reports/<str:reference>/lift/", loss_reports.Lift.as_desk_view(), name="lift"),
    # the PIN pad
    path("pin-pad/<str:token>/", pinpad.wait, name="pinpad_wait"),
    path("pin-pad/<str:token>/status/", pinpad.status, name="pinpad_status"),
    path("pin-pad/<str:token>/pad/", pinpad.pad_page, name="pinpad"),
    path("pin-pad/<str:token>/cancel/", pinpad.cancel, name="pinpad_cancel"),
    # applications
    path("applications/", lists.application_list, name="applications"),
    path("applications/<str:number>/", bank.application_page, name="application"),
    path("applications/<str:number>/receipt.pdf", bank.receipt, name="receipt"),
    path(
        "applications/<str:number>/complete/",
        applications.CompleteIntake.as_desk_view(),
        name="complete_intake",
    ),
    path(
        "applications/<str:number>/issue/",
        issuance.IssueInstantly.as_desk_view(),
        name="issue_instantly",
    ),
    path(
        "applications/<str:number>/hand-over/", issuance.HandOver.as_desk_view(), name="hand_over"
    ),
    path("applications/<str:number>/withdraw/", issuance.Withdraw.as_desk_view(), name="withdraw"),
    path(
        "applications/<str:number>/production/",
        bank.Production.as_desk_view(),
        name="production",
    ),
    path("intakes/", lists.intake_queue_list, name="intake_queue"),
    # the bank
    path("bank/accept/", bank.AcceptReceipt.as_desk_view(), name="accept_receipt"),
    path("bank/queue/", lists.bank_queue_list, name="bank_queue"),
    # the hotline
    path("hotline/", hotline.find_caller, name="hotline"),
    path("hotline/callers/<person:ref>/check/", hotline.check_caller, name="hotline_check"),
    path("hotline/callers/<person:ref>/", hotline.caller, name="hotline_caller"),
    path(
        "hotline/callers/<person:ref>/records/",
        records.caller_records,
        name="hotline_records",
    ),
    path(
        "hotline/callers/<person:ref>/wards/<person:ward>/records/",
        records.caller_ward_records,
        name="hotline_ward_records",
    ),
    path(
        "hotline/callers/<person:ref>/cards/<str:number>/report/",
        hotline.HotlineReport.as_desk_view(),
        name="hotline_report",
    ),
    path("calls/", hotline.find_call, name="find_call"),
    path("calls/<str:reference>/", hotline.transferred_call, name="call"),
    # supervision
    path("dashboard/", supervisor.dashboard, name="dashboard"),
    path("audit/", supervisor.audit_log, name="audit"),
    path("audit/verify/", supervisor.verify, name="audit_verify"),
]
