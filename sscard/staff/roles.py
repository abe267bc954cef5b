"""Staff roles (DOMAIN.md section 2): what each may do in the console, where it works, and the
channel its business is recorded under.

Roles are Django groups named by the role; the console checks the permissions below. The data
migration `0002_role_groups` created the groups from a frozen copy of this table;
`services.ensure_role_group` brings a group back in line with it.
"""

from __future__ import annotations

from sscard.common.context import Channel, Role
from sscard.outlets.models import OutletType

STAFF_ROLES: tuple[str, ...] = (
    Role.COMMUNITY_CLERK,
    Role.WINDOW_CLERK,
    Role.BANK_CLERK,
    Role.HOTLINE_AGENT,
    Role.SUPERVISOR,
    Role.ADMIN,
)

# codename -> description; all on staff.StaffMember.
CONSOLE_PERMISSIONS: dict[str, str] = {
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
    "manage_guardianships": "Record, change and end guardianships (audited)",
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
    "read_records": "Read a person's contribution records and rights (audited)",
    "manage_authorisations": "Record and end written authorisations to read records",
    "answer_disputes": "See the disputes queue, answer disputes and correct records",
}

_COUNTER = frozenset(
    {
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
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COMMUNITY_CLERK: frozenset({"find_person", "record_intake", "view_outlet_lists"}),
    Role.WINDOW_CLERK: _COUNTER
    | {
        "complete_intake",
        "manage_guardianships",
        "read_records",
        "manage_authorisations",
        "answer_disputes",
    },
    Role.BANK_CLERK: _COUNTER | {"accept_receipt", "record_production"},
    Role.HOTLINE_AGENT: frozenset(
        {"check_caller_identity", "report_loss_by_phone", "view_hotline_reports", "read_records"}
    ),
    Role.SUPERVISOR: frozenset(
        {
            "find_person",
            "reveal_id_number",
            "view_all_lists",
            "view_dashboard",
            "view_audit_log",
            "export_csv",
            "read_records",
            "answer_disputes",
        }
    ),
    Role.ADMIN: frozenset(),
}

# What system administrators keep in the Django admin: every permission on these models.
ADMIN_MODELS: tuple[tuple[str, str], ...] = (
    ("outlets", "outlet"),
    ("policy", "regionalpolicy"),
    ("partners", "bank"),
    ("partners", "apiclient"),
    ("auth", "user"),
    ("staff", "staffmember"),
    ("axes", "accessattempt"),
    ("axes", "accesslog"),
    ("axes", "accessfailurelog"),
)

# Where each role works.
ROLE_OUTLET_TYPES: dict[str, frozenset[str]] = {
    Role.COMMUNITY_CLERK: frozenset(
        {OutletType.COMMUNITY_COMMITTEE, OutletType.SUBDISTRICT_OFFICE}
    ),
    Role.WINDOW_CLERK: frozenset(
        {
            OutletType.SUBDISTRICT_OFFICE,
            OutletType.SOCIAL_INSURANCE_AGENCY,
            OutletType.HRSS_BUREAU,
        }
    ),
    Role.BANK_CLERK: frozenset({OutletType.BANK_OUTLET}),
    # The 12333 hotline and the supervisors belong to the bureau.
    Role.HOTLINE_AGENT: frozenset({OutletType.HRSS_BUREAU}),
    Role.SUPERVISOR: frozenset({OutletType.HRSS_BUREAU}),
    Role.ADMIN: frozenset({OutletType.HRSS_BUREAU}),
}

# The channel a role's business is recorded under.
ROLE_CHANNELS: dict[str, str] = {
    Role.COMMUNITY_CLERK: Channel.WINDOW,
    Role.WINDOW_CLERK: Channel.WINDOW,
    Role.BANK_CLERK: Channel.BANK,
    Role.HOTLINE_AGENT: Channel.HOTLINE,
    Role.SUPERVISOR: Channel.WINDOW,
    Role.ADMIN: Channel.SYSTEM,
}
