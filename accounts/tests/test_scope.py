import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.scope import scope_for, visible_stores
from orders.models import Order

pytestmark = pytest.mark.django_db


def ids(user) -> set[str]:
    return set(visible_stores(user).values_list("id", flat=True))


def test_executive_sees_every_store(tiny_chain, make_user):
    assert ids(make_user("exec", User.Role.EXECUTIVE)) == {"S1", "S2", "S3", "S4"}


def test_analyst_sees_every_store(tiny_chain, make_user):
    assert ids(make_user("ana", User.Role.ANALYST)) == {"S1", "S2", "S3", "S4"}


def test_regional_manager_sees_exactly_the_stores_of_their_states(tiny_chain, make_user):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV", "UT"])
    assert ids(user) == {"S1", "S2", "S4"}


def test_regional_manager_without_states_sees_nothing(tiny_chain, make_user):
    assert ids(make_user("reg", User.Role.REGIONAL_MANAGER)) == set()


def test_store_manager_sees_exactly_their_stores(tiny_chain, make_user):
    user = make_user("mgr", User.Role.STORE_MANAGER, stores=["S3"])
    assert ids(user) == {"S3"}


def test_store_manager_assigned_states_still_sees_only_their_stores(tiny_chain, make_user):
    user = make_user("mgr", User.Role.STORE_MANAGER, stores=["S2"])
    user.states = ["CA"]  # ignored: states belong to regional managers
    assert ids(user) == {"S2"}


def test_staff_without_role_sees_every_store(tiny_chain, make_user):
    assert ids(make_user("ops", is_staff=True)) == {"S1", "S2", "S3", "S4"}


def test_user_without_role_sees_nothing(tiny_chain, make_user):
    assert ids(make_user("nobody")) == set()


def test_inactive_and_anonymous_users_see_nothing(tiny_chain, make_user):
    user = make_user("gone", User.Role.EXECUTIVE, is_active=False)
    assert ids(user) == set()
    assert ids(AnonymousUser()) == set()
    assert ids(None) == set()


def test_scope_filters_orders_through_their_store(tiny_chain, make_user):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    orders = scope_for(user).filter(Order.objects.all())
    assert sorted(orders.values_list("id", flat=True)) == [1, 2, 3]


def test_scope_allows_and_key(tiny_chain, make_user):
    mgr = scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=["S3", "S1"]))
    assert mgr.allows("S1") and not mgr.allows("S2")
    assert mgr.key == "S1,S3"
    assert scope_for(make_user("exec", User.Role.EXECUTIVE)).key == "all"


def test_regional_scope_follows_a_new_store_in_their_state(tiny_chain, make_user):
    from stores.models import Store

    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["UT"])
    Store.objects.create(
        id="S9",
        zipcode="84601",
        city="Provo",
        state="Utah",
        state_abbr="UT",
        latitude=40.23,
        longitude=-111.66,
    )
    assert ids(user) == {"S4", "S9"}
