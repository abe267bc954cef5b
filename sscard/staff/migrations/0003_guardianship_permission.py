"""Window clerks record, change and end guardianships: the permission, and the window clerks'
group holding it (a frozen copy of the change to `roles.py`, as in `0002_role_groups`)."""

from django.db import migrations

CODENAME = "manage_guardianships"
NAME = "Record, change and end guardianships (audited)"
ROLE = "window_clerk"


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    staff_type, _ = ContentType.objects.get_or_create(app_label="staff", model="staffmember")
    permission, _ = Permission.objects.get_or_create(
        content_type=staff_type, codename=CODENAME, defaults={"name": NAME}
    )
    group, _ = Group.objects.get_or_create(name=ROLE)
    group.permissions.add(permission)


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="staff", codename=CODENAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0002_role_groups'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='staffmember',
            options={'permissions': [('accept_receipt', 'Accept a receipt at the bank'), ('activate_card', 'Activate a card (the holder types the PIN)'), ('apply_for_card', 'Take new, reissue and replacement applications'), ('cancel_application', 'Withdraw an application'), ('check_caller_identity', "Check a caller's identity by phone"), ('complete_intake', 'Complete a preliminary intake at a window'), ('export_csv', 'Export lists as CSV'), ('find_person', 'Find a person by ID number'), ('hand_over_card', 'Hand over a card'), ('issue_instantly', 'Issue a card on the spot'), ('lift_loss_report', 'Lift a loss report'), ('manage_guardianships', 'Record, change and end guardianships (audited)'), ('print_receipt', 'Print the Receipt for Reissuing'), ('record_intake', 'Take a preliminary intake'), ('record_production', "Record production events and see the bank's queue"), ('report_loss', 'File a loss report at a counter'), ('report_loss_by_phone', 'File a temporary loss report for a caller'), ('reset_pin', 'Reset and unlock a PIN (the holder types the PIN)'), ('reveal_id_number', 'Reveal a whole ID number (audited)'), ('view_all_lists', 'See the applications and loss reports of every outlet'), ('view_audit_log', 'Read the audit log and verify its chain'), ('view_dashboard', "See the supervisor's dashboard"), ('view_hotline_reports', 'See the loss reports made through the hotline'), ('view_outlet_lists', "See the applications and loss reports of one's own outlet")], 'verbose_name': 'staff member'},
        ),
        migrations.RunPython(grant, revoke),
    ]
