"""The policy app: the rules of DOMAIN.md section 8 for each issuing region."""

from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "sscard.policy"
    label = "policy"
