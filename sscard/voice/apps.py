"""The voice app: the 12333 voice menu's webhooks and the `sscard call` command."""

from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "sscard.voice"
    label = "voice"
