"""The records app: contribution records with their versions, the rights computed from them,
written authorisations to read them, and disputes (DOMAIN.md section 11)."""

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sscard.records"
    label = "records"
