"""The outbox and its delivery log, read-only: `sscard webhooks replay` is how to send again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from sscard.notifications.models import DeliveryAttempt, OutboxMessage


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DeliveryAttemptInline(ReadOnly, admin.TabularInline):
    model = DeliveryAttempt
    fields = ("number", "channel", "at", "outcome", "http_status", "error", "duration_ms")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "topic",
        "bank",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    )
    list_filter = ("kind", "status", "topic", "bank")
    search_fields = ("=id",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_select_related = ("bank",)
    readonly_fields = (
        "id",
        "kind",
        "topic",
        "bank",
        "recipient",
        "subject",
        "payload",
        "created_at",
        "status",
        "attempts",
        "next_attempt_at",
        "locked_until",
        "delivered_at",
        "sms_sent_at",
        "email_sent_at",
        "last_error",
    )
    inlines = (DeliveryAttemptInline,)


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnly, admin.ModelAdmin):
    list_display = (
        "message",
        "number",
        "channel",
        "at",
        "outcome",
        "http_status",
        "duration_ms",
        "error",
    )
    list_filter = ("channel", "outcome")
    ordering = ("-at",)
    readonly_fields = (
        "message",
        "number",
        "channel",
        "at",
        "outcome",
        "http_status",
        "error",
        "duration_ms",
    )
