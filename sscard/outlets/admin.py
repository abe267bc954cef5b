from django.contrib import admin

from sscard.outlets.models import Outlet


@admin.register(Outlet)
class OutletAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "type", "region_code", "bank", "active")
    list_filter = ("type", "region_code", "active")
    search_fields = ("code", "name", "address")
