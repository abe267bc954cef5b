"""Who is at the desk, and whether their role lets them do what they ask.

Every console view goes through `desk_view`: signed in, bound to an outlet (a staff member),
holding the permission of the action. A refusal is a page that says why, never a bare 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import pgettext

from sscard.common import logs
from sscard.common.context import Actor
from sscard.console.labels import PERMISSION_LABELS, ROLE_LABELS
from sscard.staff.models import StaffMember
from sscard.staff.selectors import actor_for, member_of


@dataclass(frozen=True)
class Desk:
    """The staff member at the desk and the Actor their actions are recorded as."""

    member: StaffMember
    actor: Actor

    def may(self, permission: str) -> bool:
        return self.member.user.has_perm(f"staff.{permission}")


class DeskRequest(HttpRequest):
    desk: Desk


View = Callable[..., HttpResponseBase]


def forbidden(request: HttpRequest, message: str, *, status: int = 403) -> HttpResponse:
    response = render(request, "console/forbidden.html", {"message": message}, status=status)
    add_never_cache_headers(response)
    return response


def desk_of(request: HttpRequest) -> Desk | None:
    member = member_of(request.user)
    if member is None:
        return None
    desk = Desk(member=member, actor=actor_for(member))
    logs.note_actor(desk.actor)
    return desk


def desk_view(*permissions: str) -> Callable[[View], View]:
    """Require a signed-in staff member holding every one of `permissions`.

    Pages are never cached: they carry personal data, masked or not.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('console:login')}?{query}")
            desk = desk_of(request)
            if desk is None:
                return forbidden(
                    request,
                    pgettext(
                        "console",
                        "This account is not bound to an outlet and a role, so it cannot use "
                        "the console. Ask a system administrator.",
                    ),
                )
            missing = [p for p in permissions if not desk.may(p)]
            if missing:
                return forbidden(
                    request,
                    pgettext("console", "Your role (%(role)s) cannot do this: %(what)s.")
                    % {
                        "role": ROLE_LABELS.get(desk.member.role, desk.member.role),
                        "what": PERMISSION_LABELS.get(missing[0], missing[0]),
                    },
                )
            request.desk = desk  # type: ignore[attr-defined]
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return wrapped

    return decorate
