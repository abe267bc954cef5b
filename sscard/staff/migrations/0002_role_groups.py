"""One group per staff role with the role's permissions (a frozen copy of `roles.py` as it
stood when this migration was written; `services.ensure_role_group` follows later changes)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "find_person": "Find a person by ID number",
    "reveal_id_number": "Reveal a whole ID number (audited)",
    "report_loss": "File a loss report at a counter",
    "lift_loss_report": "Lift a loss report",
    "apply_for_card": "Take new, reissue and replacement applications",
    "print_receipt": "Print the Receipt for Reissuing",
    "issue_instantly": "Issue a card on the spot",
    "hand_over_card": "Hand over a card",
    "activate_card": "Activate a card (the holder types the PIN)",
    "reset_pin": "Reset and unlock a PIN (the holder types the PIN)",
    "cancel_application": "Withdraw an application",
    "record_intake": "Take a preliminary intake",
    "complete_intake": "Complete a preliminary intake at a window",
    "accept_receipt": "Accept a receipt at the bank",
    "record_production": "Record production events and see the bank's queue",
    "check_caller_identity": "Check a caller's identity by phone",
    "report_loss_by_phone": "File a temporary loss report for a caller",
    "view_outlet_lists": "See the applications and loss reports of one's own outlet",
    "view_hotline_reports": "See the loss reports made through the hotline",
    "view_all_lists": "See the applications and loss reports of every outlet",
    "view_dashboard": "See the supervisor's dashboard",
    "view_audit_log": "Read the audit log and verify its chain",
    "export_csv": "Export lists as CSV",
}
COUNTER = [
    "find_person",
    "reveal_id_number",
    "report_loss",
    "lift_loss_report",
    "apply_for_card",
    "print_receipt",
    "issue_instantly",
    "hand_over_card",
    "activate_card",
    "reset_pin",
    "cancel_application",
    "view_outlet_lists",
]
ROLES = {
    "community_clerk": ["find_person", "record_intake", "view_outlet_lists"],
    "window_clerk": [*COUNTER, "complete_intake"],
    "bank_clerk": [*COUNTER, "accept_receipt", "record_production"],
    "hotline_agent": ["check_caller_identity", "report_loss_by_phone", "view_hotline_reports"],
    "supervisor": [
        "find_person",
        "reveal_id_number",
        "view_all_lists",
        "view_dashboard",
        "view_audit_log",
        "export_csv",
    ],
    "admin": [],
}
ADMIN_MODELS = [
    ("outlets", "outlet"),
    ("policy", "regionalpolicy"),
    ("partners", "bank"),
    ("partners", "apiclient"),
    ("auth", "user"),
    ("staff", "staffmember"),
    ("axes", "accessattempt"),
    ("axes", "accesslog"),
    ("axes", "accessfailurelog"),
]


def create_role_groups(apps, schema_editor):
    # Model permissions are made after all migrations; make them now for the admin group.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    staff_type, _ = ContentType.objects.get_or_create(app_label="staff", model="staffmember")
    console = {}
    for codename, name in PERMISSIONS.items():
        console[codename], _ = Permission.objects.get_or_create(
            content_type=staff_type, codename=codename, defaults={"name": name}
        )
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = [console[c] for c in codenames]
        if role == "admin":
            for app_label, model in ADMIN_MODELS:
                perms += list(
                    Permission.objects.filter(
                        content_type__app_label=app_label,
                        codename__in=[f"{a}_{model}" for a in ("add", "change", "delete", "view")],
                    )
                )
        group.permissions.set(perms)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_staff_members_and_pin_pads"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("outlets", "0001_initial"),
        ("policy", "0002_default_policy"),
        ("partners", "0002_api_clients_and_citizen_tokens"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
