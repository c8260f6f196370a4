import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from accounts.scope import scope_for

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_creates_one_user_per_role_with_the_right_scope(tiny_chain):
    call_command("seed_demo")
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {"admin", "executive", "regional", "storemanager", "analyst"}
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not any(users[n].is_staff for n in ("executive", "regional", "storemanager", "analyst"))
    assert users["regional"].states == ["NV", "UT"]
    assert scope_for(users["regional"]).store_ids == {"S1", "S2", "S4"}
    # S1 has two orders, the others one or none: the busiest store.
    assert scope_for(users["storemanager"]).store_ids == {"S1"}
    assert scope_for(users["executive"]).everything and scope_for(users["analyst"]).everything


@override_settings(DEBUG=True)
def test_seed_demo_only_missing_keeps_changed_passwords(tiny_chain):
    call_command("seed_demo")
    user = User.objects.get(username="executive")
    user.set_password("changed-by-the-user-1")
    user.save()
    call_command("seed_demo", only_missing=True)
    user.refresh_from_db()
    assert user.check_password("changed-by-the-user-1")


@override_settings(DEBUG=False)
def test_seed_demo_refuses_with_debug_off(tiny_chain):
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()
