"""The shape every console action shares: a form, a confirmation, one service call, and a
refusal shown next to the field and in the summary, having changed nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.views import View

from sscard.common.errors import DomainError
from sscard.console.access import Desk, desk_view
from sscard.console.errors import add_refusal, refusal_message
from sscard.console.forms import IdNumberForm
from sscard.people.models import Person
from sscard.people.selectors import get_person

Summary = list[tuple[str, str]]


def find_by_id_number(
    request: HttpRequest, template: str, *, then: Callable[[Person], str]
) -> HttpResponse:
    """Find a person by the ID number a clerk types. The number is posted, never put in a URL:
    URLs end up in logs. A person found leads on to `then(person)`; a refusal stands by the
    field."""
    form = IdNumberForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            person = get_person(form.cleaned_data["id_number"])
        except DomainError as error:
            add_refusal(form, error)
            status = error.status
        else:
            return HttpResponseRedirect(then(person))
    elif request.method == "POST":
        status = 422
    return render(request, template, {"form": form}, status=status)


def refused(
    request: HttpRequest, message: str, *, status: int = 409, back: str = ""
) -> HttpResponse:
    """A refusal outside a form: the page says why, and nothing changed."""
    return render(
        request,
        "console/refused.html",
        {"message": message, "back": back},
        status=status,
    )


class DeskAction(View):
    """GET shows the form; POST shows the confirmation; POST with `confirm` does it.

    Subclasses set `permission`, `title` and a form, load their objects in `load`, may check
    early in `precheck` (a domain read, so the clerk learns of a refusal before confirming),
    describe the act in `summary`, and call the one service in `perform`.
    """

    permission: ClassVar[str] = ""
    title: ClassVar[Any] = ""
    template_name: ClassVar[str] = "console/action.html"
    confirm_label: ClassVar[Any] = ""
    desk: Desk
    request: HttpRequest

    @classmethod
    def as_desk_view(cls) -> Any:
        return desk_view(cls.permission)(cls.as_view())

    # ------------------------------------------------------------ hooks

    def load(self, **kwargs: Any) -> None:
        """Load the objects from the URL; raise DomainError or Http404."""

    def make_form(self, data: Any = None) -> forms.Form:
        raise NotImplementedError

    def precheck(self, form: forms.Form) -> None:
        """A domain check before the confirmation; raise DomainError to refuse."""

    def summary(self, form: forms.Form) -> Summary:
        return []

    def perform(self, form: forms.Form) -> HttpResponse:
        raise NotImplementedError

    def context(self) -> dict[str, Any]:
        return {}

    def back_url(self) -> str:
        return ""

    def heading(self) -> Any:
        """The page's title; an action may name itself after what it loaded."""
        return self.title

    def confirm_text(self) -> Any:
        return self.confirm_label

    # ------------------------------------------------------------ flow

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.desk = request.desk  # type: ignore[attr-defined]
        try:
            self.load(**kwargs)
        except DomainError as error:
            return refused(request, refusal_message(error), status=error.status)
        return super().dispatch(request, *args, **kwargs)

    def render_form(
        self, form: forms.Form, *, status: int = 200, summary: str = ""
    ) -> HttpResponse:
        errors = [summary] if summary else []
        if not summary and form.is_bound and form.errors:
            errors = [str(e) for e in form.non_field_errors()] + [
                f"{form.fields[name].label}: {' '.join(str(x) for x in field_errors)}"
                for name, field_errors in form.errors.items()
                if name != "__all__" and name in form.fields
            ]
        context = {
            "title": self.heading(),
            "form": form,
            "error_summary": errors,
            "back": self.back_url(),
            **self.context(),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form()
        if not form.fields:
            # Nothing to fill in: straight to the confirmation.
            bound = self.make_form({})
            bound.is_valid()
            try:
                self.precheck(bound)
            except DomainError as error:
                return refused(request, refusal_message(error), status=error.status)
            return self.render_confirm(bound)
        return self.render_form(form)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.make_form(request.POST)
        valid = form.is_valid()
        if "back" in request.POST:
            form.errors.clear()
            return self.render_form(form)
        if not valid:
            return self.render_form(form, status=422)
        try:
            if "confirm" not in request.POST:
                self.precheck(form)
                return self.render_confirm(form)
            return self.perform(form)
        except DomainError as error:
            message = add_refusal(form, error)
            return self.render_form(form, status=error.status, summary=message)

    def render_confirm(self, form: forms.Form) -> HttpResponse:
        hidden = [
            (key, value)
            for key, values in self.request.POST.lists()
            if key not in ("csrfmiddlewaretoken", "confirm", "back")
            for value in values
        ]
        context = {
            "title": self.heading(),
            "summary": self.summary(form),
            "hidden": hidden,
            "confirm_label": self.confirm_text(),
            "back": self.back_url(),
            **self.context(),
        }
        return render(self.request, "console/confirm.html", context)

    def done(self, message: str) -> None:
        messages.success(self.request, message)
