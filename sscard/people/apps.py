"""The people app: insured persons and their guardians."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "sscard.people"
    label = "people"
