"""Which stores a user may see: the one rule every API view and dashboard filters through."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from stores.models import Store

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


@dataclass(frozen=True)
class Scope:
    """The stores a user may see. `everything` means the whole chain, now and future stores."""

    everything: bool
    store_ids: frozenset[str]

    def stores(self) -> QuerySet[Store]:
        qs = Store.objects.all()
        return qs if self.everything else qs.filter(id__in=self.store_ids)

    def filter(self, queryset: QuerySet, store_field: str = "store") -> QuerySet:
        """Restrict any queryset to this scope through its store field (`"id"` for stores)."""
        if self.everything:
            return queryset
        return queryset.filter(**{f"{store_field}__in": sorted(self.store_ids)})

    def allows(self, store_id: str) -> bool:
        return self.everything or store_id in self.store_ids

    @property
    def key(self) -> str:
        """A stable text for cache keys: two users with the same stores share answers."""
        return "all" if self.everything else ",".join(sorted(self.store_ids)) or "none"


NOTHING = Scope(everything=False, store_ids=frozenset())
EVERYTHING = Scope(everything=True, store_ids=frozenset())


def scope_for(user: User | AnonymousUser | None) -> Scope:
    """Decide which stores `user` may see.

    - inactive or anonymous: none;
    - superuser, staff, executive, analyst: the whole chain;
    - regional manager: every store in their assigned states;
    - store manager: their assigned stores;
    - an active user with no role: none.
    """
    from accounts.models import User

    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser or user.is_staff or user.role in (User.Role.EXECUTIVE, User.Role.ANALYST):
        return EVERYTHING
    if user.role == User.Role.REGIONAL_MANAGER:
        ids = Store.objects.filter(state_abbr__in=user.states or []).values_list("id", flat=True)
        return Scope(everything=False, store_ids=frozenset(ids))
    if user.role == User.Role.STORE_MANAGER:
        return Scope(
            everything=False, store_ids=frozenset(user.stores.values_list("id", flat=True))
        )
    return NOTHING


def visible_stores(user: User | AnonymousUser | None) -> QuerySet[Store]:
    """The stores `user` may see, as a queryset."""
    return scope_for(user).stores()
