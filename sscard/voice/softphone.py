"""A telephone in a terminal, for trying the voice menu: it plays the platform's part exactly
(the same webhooks, each request signed with the shared secret as the platform signs it),
shows what the menu says as text (and, if asked, speaks it into WAV files with espeak-ng), and
sends the keys typed. It rings the menu in this process through Django's test client, or a
running server over HTTP."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.urls import reverse

from sscard.voice.signatures import SIGNATURE_HEADER, sign

# The espeak-ng voice for each language the menu speaks in.
VOICES = {"zh-CN": "cmn", "en-US": "en-us"}


class Line(Protocol):
    """Sends one signed POST to the menu and answers its status and body."""

    def __call__(self, url: str, params: dict[str, str], headers: dict[str, str]) -> Any: ...


def in_process(base: str) -> Line:
    """The menu in this process, through the same URL configuration, middleware and views."""
    from urllib.parse import urlsplit

    from django.test import Client

    parts = urlsplit(base)
    client = Client(HTTP_HOST=parts.netloc)
    secure = parts.scheme == "https"

    def send(url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
        response = client.post(urlsplit(url).path, params, headers=headers, secure=secure)
        return response.status_code, response.content

    return send


def over_http(timeout: float = 10) -> Line:
    """A running server (`make run`, or behind its proxy)."""
    import httpx

    def send(url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
        response = httpx.post(url, data=params, headers=headers, timeout=timeout)
        return response.status_code, response.content

    return send


@dataclass
class Said:
    text: str
    language: str


@dataclass
class Softphone:
    """One call to the menu at `base` (scheme and host, e.g. http://127.0.0.1:8000)."""

    base: str
    secret: str
    line: Line
    sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    next_url: str = ""
    transferred_to: str = ""
    over: bool = False

    def _post(self, url: str, **more: str) -> ET.Element | None:
        params = {
            "CallSid": self.sid,
            "AccountSid": "AC" + "0" * 32,
            "From": "+8613800000000",
            "To": "12333",
            "CallStatus": more.pop("CallStatus", "in-progress"),
            **more,
        }
        headers = {SIGNATURE_HEADER: sign(url, params, self.secret)}
        status, body = self.line(url, params, headers)
        if status == 403:
            raise PermissionError("The menu refused the signature: is the secret the same?")
        if status >= 400:
            raise RuntimeError(f"The menu answered {status}.")
        return ET.fromstring(body) if body else None

    def _read(self, root: ET.Element | None) -> list[Said]:
        if root is None:
            self.over = True
            return []
        said = [Said(say.text or "", say.attrib.get("language", "")) for say in root.iter("Say")]
        gather = root.find("Gather")
        sip = root.find("Dial/Sip")
        self.next_url = gather.attrib["action"] if gather is not None else ""
        self.transferred_to = sip.text or "" if sip is not None else ""
        self.over = gather is None
        return said

    def dial(self) -> list[Said]:
        return self._read(self._post(self.base + reverse("voice:incoming")))

    def press(self, keys: str) -> list[Said]:
        """The keys, as the platform sends them: without the finishing #."""
        return self._read(self._post(self.next_url, Digits=keys.strip().removesuffix("#")))

    def hang_up(self) -> None:
        self._post(self.base + reverse("voice:status"), CallStatus="completed")
        self.over = True


def espeak(folder: Path) -> Callable[[Said], Path]:
    """Speak each prompt into the next WAV file in `folder` with espeak-ng."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise FileNotFoundError("espeak-ng is not installed (make system-deps installs it).")
    folder.mkdir(parents=True, exist_ok=True)
    numbers: Iterator[int] = iter(range(1, 10**6))

    def speak(said: Said) -> Path:
        path = folder / f"{next(numbers):03d}-{said.language or 'und'}.wav"
        voice = VOICES.get(said.language, "cmn")
        subprocess.run(
            [program, "-v", voice, "-w", str(path), said.text], check=True, capture_output=True
        )
        return path

    return speak
