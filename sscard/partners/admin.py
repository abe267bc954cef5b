from django.contrib import admin

from sscard.partners.models import Bank


@admin.register(Bank)
class BankAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "webhook_url")
    search_fields = ("code", "name")
