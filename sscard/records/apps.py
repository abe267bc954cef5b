"""The records app: contribution records with their versions, the rights computed from them,
written authorisations to read them, and disputes (DOMAIN.md section 11). It registers the
sweep's job that queues again a yearly statements run whose task is gone."""

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sscard.records"
    label = "records"

    def ready(self) -> None:
        from sscard.common.jobs import register_job
        from sscard.records.statement_run import resume_stalled_runs

        register_job("statement runs resumed", resume_stalled_runs)
