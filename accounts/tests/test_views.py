"""Every page needs a login except the login page and the health check."""

import re

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_health_answers_without_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_login_page_is_served_without_login_and_uses_local_bootstrap(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html and 'name="password"' in html
    links = re.findall(r'(?:href|src)="([^"]+\.(?:css|js))"', html)
    assert "/static/vendor/bootstrap/bootstrap.min.css" in links
    assert all(link.startswith("/static/") for link in links), links


@pytest.mark.parametrize("path", ["/", "/accounts/password_change/"])
def test_pages_redirect_anonymous_users_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def test_login_with_right_password_lands_on_home(client, make_user):
    make_user("exec", User.Role.EXECUTIVE)
    response = client.post(reverse("login"), {"username": "exec", "password": "pw-for-tests"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("dashboard-overview")


def test_login_with_wrong_password_shows_an_error(client, make_user):
    make_user("exec", User.Role.EXECUTIVE)
    response = client.post(reverse("login"), {"username": "exec", "password": "wrong"})
    assert response.status_code == 200
    assert "Your username and password didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_home_lists_the_stores_in_scope_for_users_without_a_role(client, tiny_chain, make_user):
    # Every role is sent to its landing page (analytics/tests/dash/test_pages.py); a staff
    # member without one sees the whole chain listed, anyone else is told they see nothing.
    client.force_login(make_user("staff", "", is_staff=True))
    html = client.get("/").content.decode()
    assert "You see the whole chain (4 stores)." in html
    assert all(city in html for city in ("Reno", "Las Vegas", "Sacramento", "Salt Lake City"))
    client.force_login(make_user("nobody", ""))
    assert "No stores are assigned to you yet" in client.get("/").content.decode()


def test_logout_is_a_post_and_ends_the_session(client, make_user):
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_change_changes_the_password(client, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-for-tests",
            "new_password1": "a-much-longer-passphrase-42",
            "new_password2": "a-much-longer-passphrase-42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("a-much-longer-passphrase-42")
