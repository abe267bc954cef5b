from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "sscard.people"
    label = "people"

    def ready(self) -> None:
        from sscard.common.jobs import register_job
        from sscard.people.signin import prune_one_time_codes

        register_job("one-time codes pruned", prune_one_time_codes)
