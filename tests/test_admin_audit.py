"""The Django admin as a system administrator uses it (signed in like `demo-admin`, through
Django's test client): no way to more power than the role gives, and every change leaves
exactly one chained audit event, written in the same transaction as the change."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client

from sscard.audit.models import AuditEvent
from sscard.common.context import Actor
from sscard.outlets.models import Outlet, OutletType
from sscard.partners.models import ApiClient, Bank
from sscard.partners.services import create_api_client
from sscard.policy.models import RegionalPolicy
from sscard.staff.models import StaffMember
from sscard.staff.services import create_staff_user
from tests.factories import BankFactory, OutletFactory, db_state, make_policy

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "desk-Passw0rd-2026"
NEW_PASSWORD = "another-Passw0rd-2027"


class Scene:
    admin: Any
    clerk: Any

    def __init__(self) -> None:
        self.bureau = OutletFactory.create(
            code="HR0001", name="广州市人力资源和社会保障局", type=OutletType.HRSS_BUREAU
        )
        self.bank = BankFactory.create(code="ICBC", name="中国工商银行")
        self.bank.webhook_url, self.bank.webhook_secret = "https://8.8.8.8/hooks", "whsec_old"
        self.bank.save()
        self.admin = create_staff_user(
            actor=Actor.system(),
            username="sys-admin",
            password=None,
            role="admin",
            outlet_code=self.bureau.code,
        )
        self.clerk = create_staff_user(
            actor=Actor.system(),
            username="clerk-1",
            password=PASSWORD,
            role="supervisor",
            outlet_code=self.bureau.code,
        )
        self.client = Client()
        self.client.force_login(self.admin)
        self.seq = self.last_seq()

    @staticmethod
    def last_seq() -> int:
        # Events are in many chains: the newest written has the highest id.
        last = AuditEvent.objects.order_by("-id").first()
        return last.id if last else 0

    def new_events(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(id__gt=self.seq).order_by("id"))

    def one_event(self) -> AuditEvent:
        events = self.new_events()
        assert [e.action for e in events][:1] == [events[0].action] and len(events) == 1, [
            (e.action, e.after) for e in events
        ]
        return events[0]


@pytest.fixture
def scene() -> Scene:
    return Scene()


def by_admin(event: AuditEvent) -> tuple[str, str, str, str, str]:
    return (event.actor_kind, event.actor_id, event.actor_role, event.outlet_code, event.channel)


ADMIN = ("staff", "sys-admin", "admin", "HR0001", "system")


def chain_intact() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def user_form(user: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "_save": "Save",
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def policy_form(policy: RegionalPolicy, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in RegionalPolicy._meta.concrete_fields:
        if field.name == "id":
            continue
        value = getattr(policy, field.name)
        if isinstance(value, bool):
            if value:
                data[field.name] = "on"
        else:
            data[field.name] = str(value)
    data.update(changes)
    for key in [k for k, v in data.items() if v is False]:
        del data[key]
    return data


def outlet_form(outlet: Outlet, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": outlet.code,
        "name": outlet.name,
        "type": outlet.type,
        "address": outlet.address,
        "region_code": outlet.region_code,
        "lat": str(outlet.lat),
        "lon": str(outlet.lon),
        "phone": outlet.phone,
        "hours": json.dumps(outlet.hours),
        "services": json.dumps(outlet.services),
        "bank": outlet.bank_id or "",
    }
    if outlet.active:
        data["active"] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False}


# ---------------------------------------------------------------- no way to more power


def test_an_administrator_cannot_make_themselves_superuser_or_add_groups_or_permissions(scene):
    reveal = Permission.objects.get(codename="reveal_id_number")
    supervisors = Group.objects.get(name="supervisor")
    page = scene.client.get(f"/admin/auth/user/{scene.admin.pk}/change/").content.decode()
    before = db_state(scene.admin)

    answer = scene.client.post(
        f"/admin/auth/user/{scene.admin.pk}/change/",
        user_form(
            scene.admin,
            is_superuser="on",
            is_staff="on",
            groups=[supervisors.pk],
            user_permissions=[reveal.pk],
        ),
    )

    assert answer.status_code == 302
    for field in ("is_superuser", "groups", "user_permissions"):
        assert f'name="{field}"' not in page
    scene.admin.refresh_from_db()
    assert db_state(scene.admin) == before
    assert scene.admin.is_superuser is False
    assert list(scene.admin.groups.values_list("name", flat=True)) == ["admin"]
    assert scene.admin.user_permissions.count() == 0
    fresh = User.objects.get(pk=scene.admin.pk)
    assert not fresh.has_perm("staff.reveal_id_number")
    assert not fresh.has_perm("staff.export_csv")
    assert scene.new_events() == []
    console = scene.client.get("/console/applications/?format=csv")
    assert console.status_code == 403


def test_another_users_flags_groups_and_permissions_cannot_be_set_either(scene):
    reveal = Permission.objects.get(codename="reveal_id_number")
    admins = Group.objects.get(name="admin")

    answer = scene.client.post(
        f"/admin/auth/user/{scene.clerk.pk}/change/",
        user_form(
            scene.clerk,
            is_superuser="on",
            is_staff="on",
            groups=[admins.pk],
            user_permissions=[reveal.pk],
        ),
    )

    assert answer.status_code == 302
    clerk = User.objects.get(pk=scene.clerk.pk)
    assert (clerk.is_superuser, clerk.is_staff) == (False, False)
    assert list(clerk.groups.values_list("name", flat=True)) == ["supervisor"]
    assert clerk.user_permissions.count() == 0
    assert scene.new_events() == []


def test_an_administrator_cannot_bind_themselves_to_another_role(scene):
    member = StaffMember.objects.get(user=scene.admin)
    before = db_state(member, scene.admin)

    answer = scene.client.post(
        f"/admin/staff/staffmember/{member.pk}/change/",
        {"role": "supervisor", "outlet": scene.bureau.pk, "_save": "Save"},
    )

    assert answer.status_code == 200
    assert "You cannot change your own role or outlet" in answer.content.decode()
    member.refresh_from_db()
    scene.admin.refresh_from_db()
    assert db_state(member, scene.admin) == before
    assert list(scene.admin.groups.values_list("name", flat=True)) == ["admin"]
    assert scene.new_events() == []


def test_a_superusers_account_is_not_changed_by_an_administrator(scene):
    root = User.objects.create_superuser(username="root", password=PASSWORD)
    before = db_state(root)

    changed = scene.client.post(
        f"/admin/auth/user/{root.pk}/change/", user_form(root, email="x@example.cn")
    )
    password = scene.client.post(
        f"/admin/auth/user/{root.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert (changed.status_code, password.status_code) == (403, 403)
    root.refresh_from_db()
    assert db_state(root) == before
    assert root.check_password(PASSWORD)
    assert scene.new_events() == []


def test_users_are_never_deleted_in_the_admin(scene):
    answer = scene.client.post(f"/admin/auth/user/{scene.clerk.pk}/delete/", {"post": "yes"})

    assert answer.status_code == 403
    assert User.objects.filter(pk=scene.clerk.pk).exists()


# ---------------------------------------------------------------- staff


def test_a_new_user_and_their_binding_are_each_audited(scene):
    created = scene.client.post(
        "/admin/auth/user/add/",
        {
            "username": "window-2",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "usable_password": "true",
            "_save": "Save",
        },
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    user = User.objects.get(username="window-2")
    agency = OutletFactory.create(code="SI0001")

    bound = scene.client.post(
        "/admin/staff/staffmember/add/",
        {"user": user.pk, "role": "window_clerk", "outlet": agency.pk, "_save": "Save"},
    )

    assert bound.status_code == 302
    events = scene.new_events()
    assert [(e.action, e.object_id, e.before, e.after) for e in events] == [
        (
            "staff.created",
            "window-2",
            {},
            {
                "email": "unset",
                "first_name": "unset",
                "is_active": True,
                "last_name": "unset",
                "username": "window-2",
            },
        ),
        ("staff.bound", "window-2", {}, {"role": "window_clerk", "outlet": "SI0001"}),
    ]
    assert [by_admin(e) for e in events] == [ADMIN, ADMIN]
    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert list(user.groups.values_list("name", flat=True)) == ["window_clerk"]
    assert "audit chain intact" in chain_intact()


def test_an_account_change_records_what_changed_without_personal_values(scene):
    answer = scene.client.post(
        f"/admin/auth/user/{scene.clerk.pk}/change/",
        user_form(scene.clerk, email="chen@example.cn", is_active=False),
    )

    assert answer.status_code == 302
    event = scene.one_event()
    assert (event.action, event.object_type, event.object_id) == (
        "staff.changed",
        "staff",
        "clerk-1",
    )
    assert (event.before, event.after) == (
        {"email": "unset", "is_active": True},
        {"email": "changed", "is_active": False},
    )
    assert "chen@example.cn" not in json.dumps([event.before, event.after])
    assert by_admin(event) == ADMIN
    assert User.objects.get(pk=scene.clerk.pk).is_active is False


def test_a_password_set_by_an_administrator_is_audited(scene):
    answer = scene.client.post(
        f"/admin/auth/user/{scene.clerk.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert answer.status_code == 302
    assert User.objects.get(pk=scene.clerk.pk).check_password(NEW_PASSWORD)
    event = scene.one_event()
    assert (event.action, event.object_id, event.before, event.after) == (
        "staff.password_set",
        "clerk-1",
        {},
        {"password": "changed"},
    )
    assert by_admin(event) == ADMIN


def test_rebinding_another_user_is_audited_with_before_and_after(scene):
    member = StaffMember.objects.get(user=scene.clerk)
    hotline_role = scene.client.post(
        f"/admin/staff/staffmember/{member.pk}/change/",
        {"role": "hotline_agent", "outlet": scene.bureau.pk, "_save": "Save"},
    )

    assert hotline_role.status_code == 302
    event = scene.one_event()
    assert (event.action, event.before, event.after) == (
        "staff.bound",
        {"role": "supervisor", "outlet": "HR0001"},
        {"role": "hotline_agent", "outlet": "HR0001"},
    )
    assert list(scene.clerk.groups.values_list("name", flat=True)) == ["hotline_agent"]


# ---------------------------------------------------------------- policies, outlets, banks, clients


def test_a_policy_change_is_audited_with_the_fields_that_changed(scene, default_policy):
    answer = scene.client.post(
        f"/admin/policy/regionalpolicy/{default_policy.pk}/change/",
        policy_form(default_policy, reissue_fee="15.00", temporary_validity="10", _save="Save"),
    )

    assert answer.status_code == 302, answer.content.decode()[:3000]
    event = scene.one_event()
    assert (event.action, event.object_type, event.object_id) == (
        "policy.changed",
        "policy",
        str(default_policy.pk),
    )
    assert (event.before, event.after) == (
        {"reissue_fee": "20.00", "temporary_validity": 7},
        {"reissue_fee": "15.00", "temporary_validity": 10},
    )
    assert by_admin(event) == ADMIN
    assert "audit chain intact" in chain_intact()


def test_a_new_policy_and_its_deletion_are_audited(scene, default_policy):
    created = scene.client.post(
        "/admin/policy/regionalpolicy/add/",
        policy_form(default_policy, region_prefix="4401", name="广州市", _save="Save"),
    )
    assert created.status_code == 302, created.content.decode()[:3000]
    policy = RegionalPolicy.objects.get(region_prefix="4401")

    deleted = scene.client.post(
        f"/admin/policy/regionalpolicy/{policy.pk}/delete/", {"post": "yes"}
    )

    assert deleted.status_code == 302
    events = scene.new_events()
    assert [(e.action, e.object_id) for e in events] == [
        ("policy.created", str(policy.pk)),
        ("policy.deleted", str(policy.pk)),
    ]
    assert events[0].after["region_prefix"] == "4401"
    assert events[1].before["region_prefix"] == "4401"
    assert not RegionalPolicy.objects.filter(region_prefix="4401").exists()


def test_the_default_policy_cannot_be_deleted(scene, default_policy):
    other = make_policy(region_prefix="4401", name="广州市")

    single = scene.client.post(
        f"/admin/policy/regionalpolicy/{default_policy.pk}/delete/", {"post": "yes"}
    )
    bulk = scene.client.post(
        "/admin/policy/regionalpolicy/",
        {
            "action": "delete_selected",
            "_selected_action": [default_policy.pk, other.pk],
            "post": "yes",
        },
    )

    assert (single.status_code, bulk.status_code) == (403, 403)
    assert RegionalPolicy.objects.filter(region_prefix__in=["", "4401"]).count() == 2
    assert scene.new_events() == []


def test_closing_an_outlet_is_audited(scene):
    outlet = OutletFactory.create(code="SI0009")

    answer = scene.client.post(
        f"/admin/outlets/outlet/{outlet.pk}/change/",
        outlet_form(outlet, active=False, _save="Save"),
    )

    assert answer.status_code == 302, answer.content.decode()[:3000]
    event = scene.one_event()
    assert (event.action, event.object_id, event.before, event.after) == (
        "outlet.changed",
        "SI0009",
        {"active": True},
        {"active": False},
    )
    assert Outlet.objects.get(pk=outlet.pk).active is False


def test_a_bank_webhook_change_is_audited_as_changed_never_with_its_values(scene):
    answer = scene.client.post(
        f"/admin/partners/bank/{scene.bank.pk}/change/",
        {
            "code": "ICBC",
            "name": "中国工商银行",
            "webhook_url": "https://1.1.1.1/sscard/hooks",
            "webhook_secret": "whsec_new_one",
            "_save": "Save",
        },
    )

    assert answer.status_code == 302, answer.content.decode()[:3000]
    event = scene.one_event()
    assert (event.action, event.object_type, event.object_id) == ("bank.changed", "bank", "ICBC")
    assert (event.before, event.after) == (
        {"webhook_secret": "set", "webhook_url": "set"},
        {"webhook_secret": "changed", "webhook_url": "changed"},
    )
    recorded = json.dumps([event.before, event.after])
    for value in ("whsec_new_one", "whsec_old", "1.1.1.1", "8.8.8.8"):
        assert value not in recorded
    assert by_admin(event) == ADMIN
    bank = Bank.objects.get(pk=scene.bank.pk)
    assert (bank.webhook_url, bank.webhook_secret) == (
        "https://1.1.1.1/sscard/hooks",
        "whsec_new_one",
    )
    assert "audit chain intact" in chain_intact()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://8.8.8.8/hooks", "must use https"),
        ("https://10.1.2.3/hooks", "private, loopback, link-local"),
        ("https://169.254.169.254/latest/meta-data", "private, loopback, link-local"),
        ("https://localhost/hooks", "private, loopback, link-local"),
    ],
)
def test_a_bank_webhook_url_the_rules_refuse_changes_nothing(scene, settings, url, message):
    settings.WEBHOOK_ALLOWED_NETWORKS = []
    before = db_state(scene.bank)

    answer = scene.client.post(
        f"/admin/partners/bank/{scene.bank.pk}/change/",
        {
            "code": "ICBC",
            "name": "中国工商银行",
            "webhook_url": url,
            "webhook_secret": "s",
            "_save": "Save",
        },
    )

    assert answer.status_code == 200
    assert message in answer.content.decode()
    scene.bank.refresh_from_db()
    assert db_state(scene.bank) == before
    assert scene.new_events() == []


def test_banks_and_outlets_are_never_deleted_in_the_admin(scene):
    outlet = OutletFactory.create(code="SI0009")

    bank = scene.client.post(f"/admin/partners/bank/{scene.bank.pk}/delete/", {"post": "yes"})
    place = scene.client.post(f"/admin/outlets/outlet/{outlet.pk}/delete/", {"post": "yes"})

    assert (bank.status_code, place.status_code) == (403, 403)
    assert scene.new_events() == []


def test_revoking_an_api_client_in_the_admin_is_audited_as_the_administrator(scene):
    client = create_api_client(actor=Actor.system(), name="hospital-1", scopes="cards:verify")
    scene.seq = scene.last_seq()

    answer = scene.client.post(
        "/admin/partners/apiclient/",
        {"action": "revoke", "_selected_action": [client.client.pk]},
    )
    saved = scene.client.post(
        f"/admin/partners/apiclient/{client.client.pk}/change/", {"_save": "Save"}
    )

    assert answer.status_code == 302
    assert saved.status_code in (302, 403)
    event = scene.one_event()
    assert (event.action, event.object_id, event.before, event.after) == (
        "api_client.revoked",
        str(client.client.pk),
        {"revoked": False},
        {"revoked": True},
    )
    assert by_admin(event) == ADMIN
    assert ApiClient.objects.get(pk=client.client.pk).revoked_at is not None


def test_the_policy_list_shows_whether_a_loss_blocks_the_electronic_card(scene, default_policy):
    make_policy(region_prefix="4401", name="广州市", ecard_blocked_by_loss=True)

    page = scene.client.get("/admin/policy/regionalpolicy/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "column-ecard_blocked_by_loss" in html
    rows = {
        name: row
        for row in html.split("<tr")
        for name in ("广州市", default_policy.name)
        if f">{name}<" in row
    }
    assert 'alt="True"' in rows["广州市"]
    assert 'alt="False"' in rows[default_policy.name]


def _fail_sign_ins(username: str, times: int) -> Client:
    """Wrong passwords at the console's sign-in, as a clerk who forgot theirs does."""
    clerk = Client()
    for _ in range(times):
        clerk.post("/console/sign-in/", {"username": username, "password": "not-the-password"})
    return clerk


def test_unlocking_a_locked_out_account_in_the_admin_is_audited(scene, settings):
    from axes.models import AccessAttempt

    clerk = _fail_sign_ins("clerk-1", settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="clerk-1")
    locked = clerk.post("/console/sign-in/", {"username": "clerk-1", "password": PASSWORD})
    assert locked.status_code == 429
    scene.seq = scene.last_seq()

    url = f"/admin/axes/accessattempt/{attempt.pk}/delete/"
    assert scene.client.post(url, {"post": "yes"}).status_code == 302
    event = scene.one_event()
    assert by_admin(event) == ADMIN
    assert (event.action, event.object_id) == ("signin.lockout_cleared", "clerk-1")
    assert (event.before, event.after) == ({"records": 1}, {"records": 0})
    assert "127.0.0.1" not in json.dumps([event.before, event.after])
    signed_in = clerk.post("/console/sign-in/", {"username": "clerk-1", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert "audit chain intact" in chain_intact()


def test_deleting_sign_in_logs_in_bulk_is_audited_per_user(scene):
    from axes.models import AccessLog

    AccessLog.objects.all().delete()  # the administrator's own sign-in of the scene
    for username in ("clerk-1", "clerk-1", "sys-admin"):
        AccessLog.objects.create(username=username, ip_address="10.1.2.3", user_agent="x")
    scene.seq = scene.last_seq()
    chosen = [str(pk) for pk in AccessLog.objects.values_list("pk", flat=True)]
    answer = scene.client.post(
        "/admin/axes/accesslog/",
        {"action": "delete_selected", "_selected_action": chosen, "post": "yes"},
    )
    assert answer.status_code == 302
    assert not AccessLog.objects.exists()
    events = scene.new_events()
    assert [(e.action, e.object_id, e.before["records"]) for e in events] == [
        ("signin.log_deleted", "clerk-1", 2),
        ("signin.log_deleted", "sys-admin", 1),
    ]
    assert all(by_admin(e) == ADMIN for e in events)
