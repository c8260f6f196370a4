import csv
import io
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User

pytestmark = pytest.mark.django_db

TREND = "/api/orders/trend/"


@pytest.fixture
def api(tiny_chain, make_user):
    def client_for(role=User.Role.EXECUTIVE, **assignments) -> APIClient:
        client = APIClient()
        client.force_authenticate(make_user(f"u-{role}", role, **assignments))
        return client

    return client_for


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_trend_by_month_matches_the_hand_count(api):
    body = api().get(TREND, {"date_from": "2022-03-01", "date_to": "2022-05-31"}).json()
    assert body["columns"] == ["period", "orders", "revenue", "average_order_value"]
    assert body["results"] == [
        {"period": "2022-03-01", "orders": 2, "revenue": "51.00", "average_order_value": "25.50"},
        {"period": "2022-04-01", "orders": 1, "revenue": "21.75", "average_order_value": "21.75"},
        {"period": "2022-05-01", "orders": 0, "revenue": "0.00", "average_order_value": "0.00"},
    ]


def test_trend_with_a_product_filter_counts_item_revenue(api):
    body = api().get(TREND, {"category": "Classic", "granularity": "year"}).json()
    # 2022: order 1 (20.00 + 15.50) and order 2 (15.50); 2023: order 4's P1 (10.00).
    assert [(r["period"], r["orders"], r["revenue"]) for r in body["results"]] == [
        ("2022-01-01", 2, "51.00"),
        ("2023-01-01", 1, "10.00"),
    ]


def test_csv_output_equals_json_output(api):
    client = api()
    params = {"granularity": "quarter"}
    as_json = client.get(TREND, params).json()
    as_csv = client.get(TREND, {**params, "format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert csv_rows(as_csv) == [{k: str(v) for k, v in r.items()} for r in as_json["results"]]
    assert len(as_json["results"]) == 5  # 2022-Q1 .. 2023-Q1, empty quarters included


def test_a_store_manager_gets_only_their_store(api):
    client = api(User.Role.STORE_MANAGER, stores=["S2"])
    body = client.get(TREND, {"granularity": "year"}).json()
    assert [(r["orders"], Decimal(r["revenue"])) for r in body["results"]] == [
        (1, Decimal("21.75"))
    ]


def test_asking_for_a_store_outside_the_scope_is_403(api):
    response = api(User.Role.STORE_MANAGER, stores=["S2"]).get(TREND, {"store": "S1"})
    assert response.status_code == 403
    assert "S1" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "name"),
    [({"date_from": "2022-02-30"}, "date_from"), ({"granularity": "hourly"}, "granularity")],
)
def test_a_bad_parameter_is_400_naming_it(api, params, name):
    response = api().get(TREND, params)
    assert response.status_code == 400
    assert list(response.json()) == [name]


def test_anonymous_requests_are_401(tiny_chain):
    response = APIClient().get(TREND)
    assert response.status_code == 401


def test_token_authentication_works(tiny_chain, make_user):
    user = make_user("integration", User.Role.ANALYST)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = client.get(TREND, {"granularity": "year"}).json()
    assert sum(r["orders"] for r in body["results"]) == 4


def test_schema_documents_each_analysis(api):
    response = api().get("/api/schema/", {"format": "json"})
    schema = response.json()
    op = schema["paths"]["/api/orders/trend/"]["get"]
    assert op["summary"] == "Sales trend: orders, revenue and average order value per local period"
    names = {p["name"] for p in op["parameters"]}
    assert {"date_from", "date_to", "state", "store", "granularity", "format"} <= names


def test_swagger_ui_needs_login_and_serves_local_assets(client, make_user):
    assert client.get("/api/docs/").status_code == 302
    client.force_login(make_user("exec", User.Role.EXECUTIVE))
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
