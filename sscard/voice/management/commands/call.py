"""`sscard call`: try the 12333 voice menu from a terminal. The prompts are shown as text (and
with --speak spoken into WAV files by espeak-ng); the keys typed go to the menu through its own
webhooks, signed as the telephony platform signs them: in this process by default, or to a
running server with --url. An empty line is a time-out; Ctrl-D or Ctrl-C hangs up."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import override_settings

from sscard.voice.softphone import Said, Softphone, espeak, in_process, over_http


class Command(BaseCommand):
    help = "Call the 12333 voice menu from the terminal: hear its prompts, type the keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default="",
            help="a running server to call (e.g. http://127.0.0.1:8000); it must share "
            "SSCARD_VOICE_AUTH_TOKEN. Without it the menu is called in this process.",
        )
        parser.add_argument(
            "--keys",
            default=None,
            help="the keys to press, comma-separated (e.g. 1,1,440106198612050036#,1,5678,1), "
            "instead of typing them; the call hangs up after the last",
        )
        parser.add_argument(
            "--speak",
            type=Path,
            default=None,
            metavar="FOLDER",
            help="also speak every prompt with espeak-ng into WAV files in FOLDER",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        url: str = options["url"].rstrip("/")
        secret = settings.VOICE_AUTH_TOKEN
        if url:
            if not secret:
                raise CommandError("Set SSCARD_VOICE_AUTH_TOKEN to the running server's secret.")
            self._call(Softphone(base=url, secret=secret, line=over_http()), options)
            return
        host = next((h for h in settings.ALLOWED_HOSTS if h not in ("*", "")), "localhost")
        host = host.lstrip(".")
        scheme = "https" if settings.SECURE_SSL_REDIRECT else "http"
        base = f"{scheme}://{host}"
        if secret:
            self._call(Softphone(base=base, secret=secret, line=in_process(base)), options)
            return
        # No secret set here: one for this call only, so the same signed webhooks are used.
        secret = secrets.token_urlsafe(24)
        with override_settings(VOICE_AUTH_TOKEN=secret):
            self._call(Softphone(base=base, secret=secret, line=in_process(base)), options)

    def _call(self, phone: Softphone, options: dict[str, Any]) -> None:
        speak = espeak(options["speak"]) if options["speak"] else None
        keys = self._keys(options["keys"])
        try:
            self._show(phone.dial(), speak)
            while not phone.over:
                try:
                    pressed = next(keys)
                except StopIteration:
                    self.stdout.write("(hung up)")
                    phone.hang_up()
                    break
                self._show(phone.press(pressed), speak)
        except KeyboardInterrupt:
            self.stdout.write("(hung up)")
            phone.hang_up()
        except (PermissionError, RuntimeError) as error:
            raise CommandError(str(error)) from None
        if phone.transferred_to:
            self.stdout.write(f"(transferred to {phone.transferred_to})")
        if speak is not None:
            self.stdout.write(f"(prompts spoken into {options['speak']})")

    def _keys(self, scripted: str | None) -> Iterator[str]:
        if scripted is not None:
            for key in scripted.split(","):
                self.stdout.write(f"keys> {key}")
                yield key
            return
        while True:
            try:
                yield input("keys> ")
            except EOFError:
                return

    def _show(self, said: list[Said], speak: Callable[[Said], Path] | None) -> None:
        for line in said:
            self.stdout.write(f"[{line.language}] {line.text}")
            if speak is not None:
                speak(line)
