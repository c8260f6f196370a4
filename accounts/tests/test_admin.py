"""The admin site: who gets in, its title, and the user admin's role, states and stores."""

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.mark.parametrize("path", ["/admin/", "/admin/orders/order/", USERS])
def test_admin_sends_anonymous_visitors_to_the_admin_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={path}"


@pytest.mark.parametrize("path", ["/admin/", "/admin/orders/order/", USERS])
def test_admin_sends_signed_in_users_who_are_not_staff_to_the_admin_login(client, make_user, path):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={path}"


def test_admin_login_page_is_reachable_and_titled_slice_administration(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert "Slice administration" in response.content.decode()


def test_admin_index_lists_every_model(admin_client):
    html = admin_client.get("/admin/").content.decode()
    assert "<title>Data maintenance | Slice administration</title>" in html
    for path in [
        "accounts/user",
        "stores/store",
        "customers/customer",
        "products/product",
        "products/ingredient",
        "products/productingredient",
        "orders/order",
        "orders/orderitem",
    ]:
        assert f'href="/admin/{path}/"' in html


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [u.username for u in response.context["cl"].result_list]


def test_user_changelist_shows_roles_and_filters_by_role(
    admin_client, make_user, django_assert_max_num_queries
):
    make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])
    make_user("ana", User.Role.ANALYST)
    with django_assert_max_num_queries(6):
        response = admin_client.get(USERS)
    assert listed(response) == ["admin", "ana", "reg"]
    assert "Regional manager (assigned states)" in response.content.decode()
    regional = admin_client.get(USERS, {"role__exact": User.Role.REGIONAL_MANAGER})
    assert listed(regional) == ["reg"]


def change_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": "2024-01-01",
        "date_joined_1": "09:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "role": user.role,
        "states": [],
        "stores": [],
    }
    data.update(changes)
    return data


def test_user_change_form_offers_states_as_checkboxes(admin_client, tiny_chain, make_user):
    user = make_user("reg", User.Role.REGIONAL_MANAGER, states=["TX"])
    response = admin_client.get(f"{USERS}{user.pk}/change/")
    field = response.context["adminform"].form.fields["states"]
    codes = [code for code, _ in field.choices]
    assert {"CA", "NV", "UT", "AZ", "WA"} <= set(codes) and codes == sorted(codes)
    assert "TX" in codes  # a code the user already has is kept, not silently dropped
    assert 'type="checkbox" name="states" value="NV"' in response.content.decode()


def test_user_change_form_saves_states_as_a_list_of_codes(admin_client, tiny_chain, make_user):
    user = make_user("reg", User.Role.REGIONAL_MANAGER)
    data = change_data(user, states=["UT", "NV"])
    response = admin_client.post(f"{USERS}{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.states == ["NV", "UT"]


def test_user_change_form_saves_a_store_managers_stores(admin_client, tiny_chain, make_user):
    user = make_user("sm", User.Role.STORE_MANAGER)
    data = change_data(user, stores=["S1", "S3"])
    assert admin_client.post(f"{USERS}{user.pk}/change/", data).status_code == 302
    assert sorted(user.stores.values_list("id", flat=True)) == ["S1", "S3"]


def test_user_change_form_refuses_states_for_other_roles(admin_client, tiny_chain, make_user):
    user = make_user("ana", User.Role.ANALYST)
    response = admin_client.post(f"{USERS}{user.pk}/change/", change_data(user, states=["NV"]))
    assert response.status_code == 200
    assert "states" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.states == []


def test_user_add_form_creates_a_regional_manager_with_states(admin_client, tiny_chain):
    data = {
        "username": "newreg",
        "usable_password": "true",
        "password1": "a-long-Passphrase-42",
        "password2": "a-long-Passphrase-42",
        "role": User.Role.REGIONAL_MANAGER,
        "states": ["CA", "NV"],
    }
    response = admin_client.post(f"{USERS}add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="newreg")
    assert (user.role, user.states) == (User.Role.REGIONAL_MANAGER, ["CA", "NV"])
    assert user.check_password("a-long-Passphrase-42")


def test_user_stores_use_autocomplete(admin_client, tiny_chain, make_user):
    user = make_user("sm", User.Role.STORE_MANAGER, stores=["S2"])
    html = admin_client.get(f"{USERS}{user.pk}/change/").content.decode()
    assert "admin-autocomplete" in html and 'name="stores"' in html
