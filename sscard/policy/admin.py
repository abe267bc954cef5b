from django.contrib import admin

from sscard.policy.models import RegionalPolicy


@admin.register(RegionalPolicy)
class RegionalPolicyAdmin(admin.ModelAdmin):
    list_display = (
        "region_prefix",
        "name",
        "temporary_validity",
        "temporary_validity_unit",
        "on_temporary_lapse",
        "reissue_fee",
        "wrong_pins_before_lock",
    )
    search_fields = ("region_prefix", "name")
