"""Sign-in with the ID number and the mobile number, by a one-time code sent by SMS (the same
service as the app's), and sign-out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.i18n import set_language

from sscard.common.context import Channel
from sscard.common.errors import DomainError
from sscard.common.http import client_address
from sscard.people import services as people_services
from sscard.people.masking import mask_id_number, mask_phone
from sscard.people.models import Language
from sscard.portal import session
from sscard.portal.errors import add_domain_error
from sscard.portal.forms import CodeForm, SignInForm
from sscard.portal.views.common import posted
from sscard.signin import services as signin


def sign_in(request: HttpRequest) -> HttpResponse:
    if session.signed_in_person(request) is not None:
        return redirect(session.after_sign_in(request))
    nxt = session.safe_next(request, request.GET.get("next"))
    if nxt:
        request.session[session.NEXT_KEY] = nxt
    form = SignInForm(posted(request))
    if request.method == "POST" and form.is_valid():
        number, phone = form.cleaned_data["social_security_number"], form.cleaned_data["phone"]
        try:
            reference = signin.request_sign_in_code(
                social_security_number=number,
                phone=phone,
                client_address=client_address(request),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # The session (a database row until it expires) keeps no whole ID number.
            digits = "".join(ch for ch in phone if ch.isdigit())
            request.session[session.PENDING_KEY] = {
                "reference": reference,
                "masked_id": mask_id_number(number),
                "phone": mask_phone(digits),
            }
            return redirect("portal:sign_in_code")
    return render(request, "portal/sign_in.html", {"form": form})


def sign_in_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(session.PENDING_KEY)
    if not pending or "reference" not in pending:
        return redirect("portal:sign_in")
    form = CodeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            person = signin.sign_in_with_code(
                reference=pending["reference"],
                code=form.cleaned_data["code"],
                channel=Channel.WEB,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            session.sign_in(request, person)
            messages.success(request, _("You are signed in."))
            return redirect(session.after_sign_in(request))
    context = {
        "form": form,
        "masked_id": pending["masked_id"],
        "masked_phone": pending["phone"],
        "minutes": max(1, settings.OTP_TTL_SECONDS // 60),
    }
    return render(request, "portal/sign_in_code.html", context)


def sign_out(request: HttpRequest) -> HttpResponse:
    person = session.signed_in_person(request)
    if request.method != "POST":
        # Typed in or followed as a link: a button, so that no link can sign anyone out.
        if person is None:
            return redirect("portal:home")
        return render(request, "portal/sign_out.html")
    if person is not None:
        signin.sign_out(person=person, channel=Channel.WEB)
    session.sign_out(request)
    messages.success(request, _("You are signed out."))
    return HttpResponseRedirect(reverse("portal:home"))


def language(request: HttpRequest) -> HttpResponse:
    """The language switch: Django's set_language (the cookie), and for a signed-in person also
    the language of their SMS and e-mail from now on."""
    if request.method != "POST":
        return redirect("portal:home")
    chosen = request.POST.get("language", "")
    if chosen not in Language.values:  # Django's view would take any language it has words for
        return redirect(session.safe_next(request, request.POST.get("next")) or "portal:home")
    response = set_language(request)
    person = session.signed_in_person(request)
    if person is not None:
        people_services.set_language(actor=session.actor(person), person=person, language=chosen)
    return response
