"""Demo users, one per role, for local use only (their password is public in the README)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from accounts.models import User
from stores.models import Store

DEMO_PASSWORD = "slice-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    description: str
    staff: bool = False


DEMO_USERS = [
    DemoUser("admin", "", "staff superuser: admin and everything", staff=True),
    DemoUser("executive", User.Role.EXECUTIVE, "executive: the whole chain"),
    DemoUser("regional", User.Role.REGIONAL_MANAGER, "regional manager: two states"),
    DemoUser("storemanager", User.Role.STORE_MANAGER, "store manager: the busiest store"),
    DemoUser("analyst", User.Role.ANALYST, "analyst: the whole chain, read-only"),
]


def demo_states() -> list[str]:
    """NV and UT when the chain has stores there, else the two states with the most stores."""
    counts = dict(
        Store.objects.values_list("state_abbr").annotate(n=Count("id")).order_by("-n", "state_abbr")
    )
    preferred = [s for s in ("NV", "UT") if s in counts]
    return preferred if len(preferred) == 2 else list(counts)[:2]


def busiest_store() -> Store | None:
    return Store.objects.annotate(n=Count("orders")).order_by("-n", "id").first()


def seed_demo_users(*, reset_passwords: bool) -> list[tuple[DemoUser, User, bool]]:
    """Create the missing demo users (and reset existing ones' passwords if asked).

    Returns (spec, user, created) for each demo user.
    """
    result = []
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(username=spec.username)
        if created or reset_passwords:
            user.set_password(DEMO_PASSWORD)
        user.role = spec.role
        user.is_staff = user.is_superuser = spec.staff
        user.is_active = True
        user.states = demo_states() if spec.role == User.Role.REGIONAL_MANAGER else []
        user.save()
        if spec.role == User.Role.STORE_MANAGER:
            store = busiest_store()
            user.stores.set([store] if store else [])
        result.append((spec, user, created))
    return result


def describe(user: User) -> str:
    if user.role == User.Role.REGIONAL_MANAGER:
        return f"states {', '.join(user.states) or '-'}"
    if user.role == User.Role.STORE_MANAGER:
        return "store " + (", ".join(str(s) for s in user.stores.all()) or "-")
    return "whole chain"
