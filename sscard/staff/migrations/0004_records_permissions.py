"""Contribution records at the console (DOMAIN.md section 11): reading a person's records,
recording and ending written authorisations, and answering disputes, and the roles' groups
holding them (a frozen copy of the change to `roles.py`, as in `0003_guardianship_permission`):
window clerks all three; hotline agents read (for the caller whose identity they checked, the
records read model decides); supervisors read and answer disputes."""

from django.db import migrations

PERMISSIONS = {
    "read_records": "Read a person's contribution records and rights (audited)",
    "manage_authorisations": "Record and end written authorisations to read records",
    "answer_disputes": "See the disputes queue, answer disputes and correct records",
}
GRANTS = {
    "window_clerk": ("read_records", "manage_authorisations", "answer_disputes"),
    "hotline_agent": ("read_records",),
    "supervisor": ("read_records", "answer_disputes"),
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    staff_type, _ = ContentType.objects.get_or_create(app_label="staff", model="staffmember")
    found = {}
    for codename, name in PERMISSIONS.items():
        found[codename], _ = Permission.objects.get_or_create(
            content_type=staff_type, codename=codename, defaults={"name": name}
        )
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*(found[c] for c in codenames))


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="staff", codename__in=list(PERMISSIONS)
    ).delete()



class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0003_guardianship_permission'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='staffmember',
            options={'permissions': [('accept_receipt', 'Accept a receipt at the bank'), ('activate_card', 'Activate a card (the holder types the PIN)'), ('answer_disputes', 'See the disputes queue, answer disputes and correct records'), ('apply_for_card', 'Take new, reissue and replacement applications'), ('cancel_application', 'Withdraw an application'), ('check_caller_identity', "Check a caller's identity by phone"), ('complete_intake', 'Complete a preliminary intake at a window'), ('export_csv', 'Export lists as CSV'), ('find_person', 'Find a person by ID number'), ('hand_over_card', 'Hand over a card'), ('issue_instantly', 'Issue a card on the spot'), ('lift_loss_report', 'Lift a loss report'), ('manage_authorisations', 'Record and end written authorisations to read records'), ('manage_guardianships', 'Record, change and end guardianships (audited)'), ('print_receipt', 'Print the Receipt for Reissuing'), ('read_records', "Read a person's contribution records and rights (audited)"), ('record_intake', 'Take a preliminary intake'), ('record_production', "Record production events and see the bank's queue"), ('report_loss', 'File a loss report at a counter'), ('report_loss_by_phone', 'File a temporary loss report for a caller'), ('reset_pin', 'Reset and unlock a PIN (the holder types the PIN)'), ('reveal_id_number', 'Reveal a whole ID number (audited)'), ('view_all_lists', 'See the applications and loss reports of every outlet'), ('view_audit_log', 'Read the audit log and verify its chain'), ('view_dashboard', "See the supervisor's dashboard"), ('view_hotline_reports', 'See the loss reports made through the hotline'), ('view_outlet_lists', "See the applications and loss reports of one's own outlet")], 'verbose_name': 'staff member'},
        ),
        migrations.RunPython(grant, revoke),
    ]
