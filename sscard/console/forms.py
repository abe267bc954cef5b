"""Console forms: they parse what the clerk typed or ticked. The rules are the domain's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import Delivery, Production
from sscard.applications.terms import reason_of, request_refusals
from sscard.console.errors import field_of, refusal_message
from sscard.console.labels import (
    APPLICATION_TYPE,
    DELIVERY,
    DOCUMENT,
    GUARDIANSHIP_BASIS,
    GUARDIANSHIP_END,
    INSURANCE,
    LOSS_KIND,
    PRODUCTION,
    RECORD_STATUS,
    RELATION,
    REPLACEMENT_REASON,
    REVEAL_REASON,
)
from sscard.people.masking import mask_name
from sscard.people.models import Guardianship, Person

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DOCUMENT_CODES = ("id_card", "household_register", "guardian_id_card", "guardianship_proof")


class ConsoleForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def set_choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class IdNumberForm(ConsoleForm):
    id_number = forms.CharField(
        label=pgettext_lazy("console", "ID number (social security number)"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
    )


class RevealForm(ConsoleForm):
    reason = forms.ChoiceField(
        label=pgettext_lazy("console", "Why is the whole number needed?"),
        choices=[(k, v) for k, v in REVEAL_REASON.items()],
    )


# ---------------------------------------------------------------- who presents the documents


def presenter_choices(subject: Person, links: list[Guardianship]) -> list[tuple[str, str]]:
    choices = [("self", str(pgettext_lazy("console", "The holder in person")))]
    for link in links:
        relation = RELATION.get(link.relation, link.relation)
        choices.append(
            (
                f"g{link.pk}",
                pgettext("console", "%(name)s (%(relation)s, guardian)")
                % {"name": mask_name(link.guardian.name), "relation": relation},
            )
        )
    return choices


class PresenterForm(ConsoleForm):
    """Who acts: the holder, or one of the holder's recorded guardians (the `presenter` field
    of a subclass)."""

    subject: Person
    links: list[Guardianship]

    def __init__(
        self, *args: Any, subject: Person, links: list[Guardianship], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.subject, self.links = subject, links
        self.set_choices("presenter", presenter_choices(subject, links))

    def guardianship(self) -> Guardianship | None:
        value = self.cleaned_data.get("presenter") or "self"
        return next((g for g in self.links if f"g{g.pk}" == value), None)

    def presenter_and_relation(self) -> tuple[Person, str]:
        link = self.guardianship()
        if link is None:
            return self.subject, "self"
        return link.guardian, "guardian"


class CounterForm(PresenterForm):
    """A form for business done with original documents on the desk, by the holder or one of
    the holder's recorded guardians."""

    presenter = forms.ChoiceField(
        label=pgettext_lazy("console", "Who is presenting?"), widget=forms.RadioSelect
    )
    documents = forms.MultipleChoiceField(
        label=pgettext_lazy("console", "Original documents on the desk"),
        choices=[(code, DOCUMENT[code]) for code in DOCUMENT_CODES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class LossReportForm(CounterForm):
    kind = forms.ChoiceField(
        label=pgettext_lazy("console", "Kind of loss report"),
        choices=[("formal", LOSS_KIND["formal"]), ("temporary", LOSS_KIND["temporary"])],
        initial="formal",
        widget=forms.RadioSelect,
    )
    field_order = ["kind", "presenter", "documents"]


class LiftForm(CounterForm):
    reason = forms.CharField(
        label=pgettext_lazy("console", "Why is the report lifted?"),
        max_length=200,
        required=False,
        initial="",
        help_text=pgettext_lazy("console", "For example: the card was found."),
    )


def _type_field(label: StrOrPromise) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[(k, v) for k, v in APPLICATION_TYPE.items()])


def _reason_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=pgettext_lazy("console", "Reason for a replacement"),
        choices=[("", "—"), *REPLACEMENT_REASON.items()],
        required=False,
    )


class TermsChecks(ConsoleForm):
    """What an application asks besides the documents, checked before the confirmation: the
    domain's checks of the request (`request_refusals`), each put next to its field in the
    page's language. The reason is read only for a replacement (the only type that has one)."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.check_terms(self.cleaned_data)
        return self.cleaned_data

    def check_terms(self, data: dict[str, Any]) -> None:
        form: Any = self
        if "type" in self.fields:
            data["reason"] = reason_of(type=data.get("type") or "", reason=data.get("reason") or "")
        refusals = request_refusals(
            type=data.get("type") or "",
            reason=data.get("reason") or "",
            production=data.get("production") or Production.BATCH,
            delivery=data.get("delivery") or Delivery.PICKUP,
            mail_address=data.get("mail_address") or "",
            fee_waiver=data.get("fee_waiver") or "",
            outlet=None,  # the form offers production on the spot only where it is made
        )
        for refusal in refusals:
            name = field_of(refusal, form)
            if name is not None and not form.has_error(name):
                form.add_error(name, refusal_message(refusal))


class ApplyForm(TermsChecks, CounterForm):
    type = _type_field(pgettext_lazy("console", "Application"))
    reason = _reason_field()
    bank = forms.ChoiceField(
        label=pgettext_lazy("console", "Co-operating bank that makes the card"), required=False
    )
    production = forms.ChoiceField(label=pgettext_lazy("console", "Production"), initial="batch")
    delivery = forms.ChoiceField(
        label=pgettext_lazy("console", "Delivery"),
        choices=[(k, v) for k, v in DELIVERY.items()],
        initial="pickup",
        widget=forms.RadioSelect,
    )
    mail_address = forms.CharField(
        label=pgettext_lazy("console", "Mail address"), max_length=200, required=False
    )
    fee_waiver = forms.ChoiceField(
        label=pgettext_lazy("console", "Fee waiver"),
        choices=[
            ("", pgettext_lazy("console", "none")),
            ("hardship", pgettext_lazy("console", "hardship")),
        ],
        required=False,
    )
    field_order = [
        "type",
        "reason",
        "presenter",
        "documents",
        "bank",
        "production",
        "delivery",
        "mail_address",
        "fee_waiver",
    ]

    def __init__(
        self,
        *args: Any,
        banks: list[tuple[str, str]],
        instant: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices(
            "bank",
            [
                ("", pgettext_lazy("console", "the bank of the old card")),
                *banks,
            ],
        )
        productions = [("batch", PRODUCTION["batch"])]
        if instant:
            productions.append(("instant", PRODUCTION["instant"]))
        self.set_choices("production", productions)


class CompleteIntakeForm(ApplyForm):
    """The window's half of an intake: documents, bank, production and fee."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["type"], self.fields["reason"], self.fields["presenter"]


class IntakeForm(TermsChecks, PresenterForm):
    type = _type_field(pgettext_lazy("console", "What is needed?"))
    reason = _reason_field()
    presenter = forms.ChoiceField(
        label=pgettext_lazy("console", "Who is applying?"), widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=pgettext_lazy("console", "Note for the agency"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WithdrawForm(ConsoleForm):
    note = forms.CharField(
        label=pgettext_lazy("console", "Why is the application withdrawn?"),
        max_length=200,
        required=False,
    )


class ReceiptNumberForm(ConsoleForm):
    receipt_number = forms.CharField(
        label=pgettext_lazy("console", "Receipt number"),
        max_length=24,
        help_text=pgettext_lazy(
            "console", "Scan the QR code on the receipt, or type the 16 characters."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}
        ),
    )


class ProductionForm(ConsoleForm):
    event = forms.ChoiceField(
        label=pgettext_lazy("console", "What happened?"), widget=forms.RadioSelect
    )
    tracking_number = forms.CharField(
        label=pgettext_lazy("console", "Tracking number (mailed cards)"),
        max_length=40,
        required=False,
    )
    note = forms.CharField(label=pgettext_lazy("console", "Note"), max_length=200, required=False)

    def __init__(self, *args: Any, events: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("event", events)


class IdentityForm(ConsoleForm):
    name = forms.CharField(
        label=pgettext_lazy("console", "Name the caller gives"),
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        from sscard.console.labels import QUESTION

        super().__init__(*args, **kwargs)
        self.question_codes = []
        for question in questions:
            name = f"q_{question.code}"
            self.question_codes.append(question.code)
            if question.choices:
                self.fields[name] = forms.ChoiceField(
                    label=QUESTION.get(question.code, question.code),
                    choices=[("", "—"), *question.choices],
                )
            else:
                self.fields[name] = forms.CharField(
                    label=QUESTION.get(question.code, question.code),
                    max_length=20,
                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                )

    def answers(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"q_{code}", "") for code in self.question_codes}


class PinForm(ConsoleForm):
    pin = forms.CharField(
        label=pgettext_lazy("console", "New PIN (6 digits)"),
        min_length=6,
        max_length=6,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}"}
        ),
    )
    pin_again = forms.CharField(
        label=pgettext_lazy("console", "The same PIN again"),
        min_length=6,
        max_length=6,
        strip=False,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{6}"}
        ),
    )


# ---------------------------------------------------------------- guardianships


class GuardianshipTermsForm(ConsoleForm):
    """The legal basis of a guardianship, its document and its end."""

    basis = forms.ChoiceField(
        label=pgettext_lazy("console", "Legal basis"),
        choices=[(k, v) for k, v in GUARDIANSHIP_BASIS.items()],
        initial="minor",
        widget=forms.RadioSelect,
        help_text=pgettext_lazy(
            "console",
            "A guardianship of a minor ends when the ward turns 18. An adult is a ward only on "
            "a court's finding or a designation.",
        ),
    )
    document = forms.CharField(
        label=pgettext_lazy("console", "Reference of the court's judgment or the designation"),
        max_length=100,
        required=False,
        help_text=pgettext_lazy("console", "For example: (2024)粤0106民特123号"),
    )
    ends_on = forms.DateField(
        label=pgettext_lazy("console", "Ends on (the first day it no longer holds)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class GuardianshipForm(GuardianshipTermsForm):
    """A new guardian for the person on the page."""

    guardian_id_number = forms.CharField(
        label=pgettext_lazy("console", "The guardian's ID number"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    relation = forms.ChoiceField(
        label=pgettext_lazy("console", "Relation to the ward"),
        choices=[("parent", RELATION["parent"]), ("legal_guardian", RELATION["legal_guardian"])],
        widget=forms.RadioSelect,
    )
    field_order = ["guardian_id_number", "relation", "basis", "document", "ends_on"]


class EndGuardianshipForm(ConsoleForm):
    reason = forms.ChoiceField(
        label=pgettext_lazy("console", "Why does the guardianship end?"),
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, reasons: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("reason", [(r, GUARDIANSHIP_END[r]) for r in reasons])


class EmptyForm(ConsoleForm):
    """An action with nothing to fill in: the confirmation is the whole form."""


class AuthorisationForm(ConsoleForm):
    """A written authorisation to read the person's records, as the signed document says."""

    authorised_id_number = forms.CharField(
        label=pgettext_lazy("console", "ID number of the person authorised"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    insurances = forms.MultipleChoiceField(
        label=pgettext_lazy("console", "Insurances covered"),
        choices=[(k, v) for k, v in INSURANCE.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = forms.DateField(
        label=pgettext_lazy("console", "From (the first day it holds)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label=pgettext_lazy("console", "Until (the first day it no longer holds)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document = forms.CharField(
        label=pgettext_lazy("console", "Reference of the signed document"),
        max_length=100,
        help_text=pgettext_lazy("console", "For example: 委托书 2026-001"),
    )


class WindowDisputeForm(ConsoleForm):
    """A month's record disputed at the window, for the person in front of the clerk."""

    insurance = forms.ChoiceField(
        label=pgettext_lazy("console", "Insurance"),
        choices=[(k, v) for k, v in INSURANCE.items()],
    )
    month = forms.RegexField(
        label=pgettext_lazy("console", "Month (YYYY-MM)"),
        regex=r"^\d{4}-\d{2}$",
        max_length=7,
        error_messages={"invalid": pgettext_lazy("console", "Give the month as YYYY-MM.")},
    )
    employer = forms.ChoiceField(
        label=pgettext_lazy("console", "Employer"),
        required=False,
        help_text=pgettext_lazy(
            "console", "Leave empty to dispute the month's records of every employer."
        ),
    )
    reason = forms.CharField(
        label=pgettext_lazy("console", "What the person says is wrong"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, employers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("employer", [("", "—"), *employers])


class DisputeAnswerForm(ConsoleForm):
    """The answer to a dispute and, where the record was wrong, its corrected values."""

    status = forms.ChoiceField(
        label=pgettext_lazy("console", "Outcome"),
        choices=[
            ("confirmed", pgettext_lazy("console", "checked: the record stands as recorded")),
            ("corrected", pgettext_lazy("console", "checked: the record was wrong")),
        ],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=pgettext_lazy("console", "Answer to the person"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    record = forms.TypedChoiceField(
        label=pgettext_lazy("console", "Record to correct"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=pgettext_lazy(
            "console",
            "Leave empty when the core system has already booked the corrected record.",
        ),
    )
    base = forms.DecimalField(
        label=pgettext_lazy("console", "Corrected base"), required=False, decimal_places=2
    )
    employer_amount = forms.DecimalField(
        label=pgettext_lazy("console", "Corrected employer's amount"),
        required=False,
        decimal_places=2,
    )
    individual_amount = forms.DecimalField(
        label=pgettext_lazy("console", "Corrected individual amount"),
        required=False,
        decimal_places=2,
    )
    record_status = forms.ChoiceField(
        label=pgettext_lazy("console", "Corrected status"),
        choices=[("", "—"), *RECORD_STATUS.items()],
        required=False,
    )
    paid_on = forms.DateField(
        label=pgettext_lazy("console", "Corrected paid on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    CORRECTION = ("base", "employer_amount", "individual_amount", "record_status")

    def __init__(self, *args: Any, records: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices("record", [("", "—"), *((str(pk), words) for pk, words in records)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("record") is not None:
            for name in self.CORRECTION:
                if data.get(name) in (None, ""):
                    self.add_error(
                        name, pgettext("console", "Give the corrected value of the record.")
                    )
            if data.get("status") == "confirmed":
                self.add_error(
                    "record",
                    pgettext("console", "A record confirmed as recorded is not corrected."),
                )
        return data
