"""The portal's forms: they parse and check the shape of what was typed, nothing more. Every rule
is the domain's; its refusals come back onto the form through `errors.add_domain_error`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from sscard.outlets.models import OutletType, Service
from sscard.outlets.selectors import districts
from sscard.portal import labels


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class SignInForm(forms.Form):
    social_security_number = forms.CharField(
        label=gettext_lazy("ID number"),
        help_text=gettext_lazy("18 characters, as on your ID card"),
        max_length=18,
        min_length=1,
        error_messages=_required(gettext_lazy("Enter your ID number.")),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        help_text=gettext_lazy("The number you gave us: we send a code to it"),
        max_length=20,
        error_messages=_required(gettext_lazy("Enter your mobile number.")),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "type": "tel"}),
    )

    def clean_social_security_number(self) -> str:
        return str(self.cleaned_data["social_security_number"]).strip().upper()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        help_text=gettext_lazy("6 digits"),
        max_length=6,
        error_messages={
            "required": gettext_lazy("Enter the 6-digit code from the text message."),
            "max_length": gettext_lazy("The code has 6 digits."),
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(gettext_lazy("The code has 6 digits."))
        return code


class ReportForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("The card is lost. Block it now."),
        error_messages=_required(gettext_lazy("Tick the box to confirm that the card is lost.")),
    )


class RenewForm(forms.Form):
    """Renewing a card that expires soon: where the new card goes."""

    delivery = forms.ChoiceField(
        label=gettext_lazy("How do you want to get the new card?"),
        widget=forms.RadioSelect,
        error_messages=_required(gettext_lazy("Choose how to get the new card.")),
    )
    outlet = forms.ChoiceField(
        label=gettext_lazy("Where to pick it up"),
        help_text=gettext_lazy("Bring your ID card when you collect it"),
        required=False,
    )
    mail_address = forms.CharField(
        label=gettext_lazy("Address to mail it to"),
        help_text=gettext_lazy("Street, building, flat, district, city"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def __init__(self, *args: Any, outlets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delivery"].choices = [  # type: ignore[attr-defined]
            ("pickup", gettext_lazy("Pick it up at an outlet")),
            ("mail", gettext_lazy("By post")),
        ]
        self.fields["outlet"].choices = [("", gettext_lazy("Choose an outlet")), *outlets]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("delivery") == "pickup" and not data.get("outlet"):
            self.add_error("outlet", gettext_lazy("Choose where to pick up the new card."))
        return data


def _choices(table: dict[str, Any], codes: list[str], anything: Any) -> list[tuple[str, Any]]:
    return [("", anything)] + [(code, table[code]) for code in codes]


def district_choices(anything: Any) -> list[tuple[str, str]]:
    return [("", str(anything))] + [(d.code, d.name) for d in districts()]


class OutletForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("What do you need to do?"), required=False)
    type = forms.ChoiceField(label=gettext_lazy("Kind of place"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("District"), required=False)
    near = forms.CharField(
        label=gettext_lazy("Your location"),
        help_text=gettext_lazy("Tap “Use my location”, or leave empty and choose a district"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    open_now = forms.BooleanField(label=gettext_lazy("Only places open now"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = _choices(  # type: ignore[attr-defined]
            labels.SERVICE, list(Service.values), gettext_lazy("Anything")
        )
        self.fields["type"].choices = _choices(  # type: ignore[attr-defined]
            labels.OUTLET_TYPE, list(OutletType.values), gettext_lazy("Any kind")
        )
        self.fields["region"].choices = district_choices(gettext_lazy("All districts"))  # type: ignore[attr-defined]


class GuideForm(forms.Form):
    who = forms.ChoiceField(
        label=gettext_lazy("Whose card is it?"),
        choices=[
            ("adult", gettext_lazy("Mine (I am an adult)")),
            ("child", gettext_lazy("My child's")),
        ],
        widget=forms.RadioSelect,
        error_messages=_required(gettext_lazy("Choose whose card it is.")),
    )
    what = forms.ChoiceField(
        label=gettext_lazy("What happened to the card?"),
        choices=[
            ("lost", gettext_lazy("It is lost or stolen")),
            ("damaged", gettext_lazy("It is damaged")),
        ],
        widget=forms.RadioSelect,
        error_messages=_required(gettext_lazy("Choose what happened to the card.")),
    )
    bank = forms.ChoiceField(
        label=gettext_lazy("Was the bank account on the card activated?"),
        help_text=gettext_lazy("You used the card at a bank or to pay"),
        choices=[
            ("yes", gettext_lazy("Yes")),
            ("no", gettext_lazy("No")),
            ("unsure", gettext_lazy("I am not sure")),
        ],
        widget=forms.RadioSelect,
        error_messages=_required(gettext_lazy("Choose whether the bank account was activated.")),
    )
    region = forms.ChoiceField(
        label=gettext_lazy("Where are you?"),
        help_text=gettext_lazy("The district decides the local rules and the nearest places"),
        required=False,
    )
    near = forms.CharField(
        label=gettext_lazy("Your location"),
        help_text=gettext_lazy(
            "Tap “Use my location” for the nearest places, or choose a district"
        ),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = district_choices(gettext_lazy("I don't know"))  # type: ignore[attr-defined]


class DisputeForm(forms.Form):
    """Dispute a month's record: why, and which employer's record when the month has several
    (`employers`: (credit code, name) of that month's records)."""

    employer = forms.ChoiceField(
        label=gettext_lazy("Which employer's record"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the employer whose record is wrong."),
            "invalid_choice": gettext_lazy("Choose the employer whose record is wrong."),
        },
    )
    reason = forms.CharField(
        label=gettext_lazy("What is wrong"),
        help_text=gettext_lazy(
            "For example: I worked for this employer that month, but no payment is shown. "
            "At most 500 characters."
        ),
        max_length=500,
        error_messages={
            "required": gettext_lazy("Say what is wrong with this month's record."),
            "max_length": gettext_lazy("Say it in at most 500 characters."),
        },
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, employers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if len(employers) > 1:
            employer = self.fields["employer"]
            assert isinstance(employer, forms.ChoiceField)
            employer.choices = employers
        else:
            del self.fields["employer"]
