"""The sales trend over HTTP on `tiny_chain`, token authentication and the API docs. What every
endpoint promises (CSV, scope, 400/401/403) is checked in test_api_contract.py."""

from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tiny_chain")]

TREND = "/api/orders/trend/"


def test_trend_by_month_matches_the_hand_count(api):
    body = api().get(TREND, {"date_from": "2022-03-01", "date_to": "2022-05-31"}).json()
    assert body["columns"] == ["period", "orders", "revenue", "average_order_value"]
    assert body["results"] == [
        {"period": "2022-03-01", "orders": 2, "revenue": "51.00", "average_order_value": "25.50"},
        {"period": "2022-04-01", "orders": 1, "revenue": "21.75", "average_order_value": "21.75"},
        {"period": "2022-05-01", "orders": 0, "revenue": "0.00", "average_order_value": "0.00"},
    ]


def test_trend_by_quarter_includes_the_empty_quarters(api):
    body = api().get(TREND, {"granularity": "quarter"}).json()
    assert [(r["period"], r["orders"]) for r in body["results"]] == [
        ("2022-01-01", 2),
        ("2022-04-01", 1),
        ("2022-07-01", 0),
        ("2022-10-01", 0),
        ("2023-01-01", 1),
    ]


def test_trend_with_a_product_filter_counts_item_revenue(api):
    body = api().get(TREND, {"category": "Classic", "granularity": "year"}).json()
    # 2022: order 1 (20.00 + 15.50) and order 2 (15.50); 2023: order 4's P1 (10.00).
    assert [(r["period"], r["orders"], r["revenue"]) for r in body["results"]] == [
        ("2022-01-01", 2, "51.00"),
        ("2023-01-01", 1, "10.00"),
    ]


def test_a_store_manager_gets_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    body = client.get(TREND, {"granularity": "year"}).json()
    assert [(r["orders"], Decimal(r["revenue"])) for r in body["results"]] == [
        (1, Decimal("21.75"))
    ]


def test_token_authentication_works(make_user):
    user = make_user("integration", User.Role.ANALYST)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = client.get(TREND, {"granularity": "year"}).json()
    assert sum(r["orders"] for r in body["results"]) == 4


def test_schema_summarises_an_analysis_from_its_docstring(api):
    op = api().get("/api/schema/", {"format": "json"}).json()["paths"][TREND]["get"]
    assert op["summary"] == "Sales trend: orders, revenue and average order value per local period"


def test_swagger_ui_needs_login_and_serves_local_assets(client, make_user):
    assert client.get("/api/docs/").status_code == 302
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
