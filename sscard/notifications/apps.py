from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sscard.notifications"
    label = "notifications"
