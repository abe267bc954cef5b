"""The telephony platform, played for the voice menu's tests: it rings the menu's webhooks
with a call id, signs each request with the shared secret exactly as the platform does
(X-Twilio-Signature over the whole URL and the sorted POST parameters), follows the TwiML
answers, and reports the hang-up through the status callback."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from twilio.request_validator import RequestValidator

SECRET = "voice-test-secret-0123456789abcdef"
BASE = "http://testserver"


@dataclass
class Phone:
    """One call: `dial()`, then `press(keys)`; `heard` is all the menu said, `twiml` the last
    answer."""

    client: Client = field(default_factory=Client)
    base: str = BASE
    secret: str = SECRET
    sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    extra: dict[str, Any] = field(default_factory=dict)
    heard: list[str] = field(default_factory=list)
    twiml: ET.Element | None = None
    action: str = ""

    def post(self, path: str, params: dict[str, str], *, secret: str | None = None) -> Any:
        url = self.base + path
        signature = RequestValidator(secret or self.secret).compute_signature(url, params)
        return self.client.post(
            path, params, headers={"X-Twilio-Signature": signature}, **self.extra
        )

    def _params(self, **more: str) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": "+8613800000000",
            "To": "12333",
            "CallStatus": "in-progress",
            **more,
        }

    def _follow(self, response: Any) -> ET.Element:
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        self.twiml = root
        said = [say.text or "" for say in root.iter("Say")]
        self.heard.extend(said)
        gather = root.find("Gather")
        if gather is not None:
            self.action = gather.attrib["action"]
        return root

    def dial(self) -> ET.Element:
        return self._follow(self.post("/voice/calls/", self._params()))

    def press(self, keys: str) -> ET.Element:
        """Press `keys`; as the platform does, the finishing key (#) is not sent."""
        assert self.action.startswith(self.base), self.action
        path = self.action[len(self.base) :]
        return self._follow(self.post(path, self._params(Digits=keys.removesuffix("#"))))

    def hang_up(self) -> Any:
        response = self.post("/voice/calls/status/", self._params(CallStatus="completed"))
        assert response.status_code == 204
        return response

    @property
    def last_said(self) -> list[str]:
        assert self.twiml is not None
        return [say.text or "" for say in self.twiml.iter("Say")]

    @property
    def languages(self) -> set[str]:
        assert self.twiml is not None
        return {say.attrib.get("language", "") for say in self.twiml.iter("Say")}

    @property
    def transferred_to(self) -> str:
        assert self.twiml is not None
        sip = self.twiml.find("Dial/Sip")
        return "" if sip is None else (sip.text or "")
