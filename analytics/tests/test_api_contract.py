"""What every analysis endpoint promises, checked for each one in the registry: CSV equal to
JSON, the user's scope applied as a store filter, 401, 403 and 400 answers, empty answers that
are not errors, and an OpenAPI entry listing its parameters. A newly registered analysis is
checked here without a line added; its numbers belong in test_api_<area>.py."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from analytics.registry import Analysis, Param, all_analyses
from analytics.tests.conftest import assert_csv_matches_json

pytestmark = pytest.mark.django_db

ANALYSES = sorted(all_analyses().values(), key=lambda a: a.path)
# What an analysis needs beyond its defaults to have rows on `contract_chain`.
EXAMPLES = {
    "white_spots_by_cell": {"min_customers": "1"},  # C4 alone is a white spot
    "revenue_volatility_by_store": {"iqr_k": "0"},  # every order off the quartiles is an outlier
    "revenue_drops_by_week": {"date_to": "2024-03-03"},  # S4's ninth week, whole
}
# With nothing sold these are zero or empty, in every row that has them.
SALES_COLUMNS = (
    "orders",
    "quantity",
    "revenue",
    "items",
    "customers",
    "active_customers",
    "customers_main",
    "ordering_customers",
    "orders_together",
    "value",
)
EMPTY_PERIODS = [
    {"date_from": "2030-01-01"},  # after the data, open-ended
    {"date_from": "2030-01-01", "date_to": "2030-01-01"},  # one empty day
    {"date_to": "2020-01-01"},  # before the data
]
# One value that does not parse for each vocabulary parameter that can be wrong.
BAD_FILTERS = {
    "date_from": "2022-02-30",
    "date_to": "9999-12-31",
    "state": "Nevada",
    "store": "S1;drop",
    "sku": "P 1",
    "granularity": "hourly",
    "limit": "0",
}


def url(analysis: Analysis) -> str:
    return f"/api/{analysis.path}"


def _views() -> list:
    """Each analysis with its defaults, then with each other choice of each choice parameter."""
    cases = []
    for a in ANALYSES:
        choices = [{}] + [{p.name: c} for p in a.params for c in p.choices if c != p.default]
        for choice in choices:
            label = a.path + (f"?{urlencode(choice)}" if choice else "")
            cases.append(pytest.param(url(a), {**EXAMPLES.get(a.name, {}), **choice}, id=label))
    return cases


def bad_values(param: Param) -> list[str]:
    if param.choices:
        return ["bogus"]
    below, above = str(param.minimum - 1), str(param.maximum + 1)
    if param.type is int:
        return ["two", "2.5", below, above]
    return ["far", "nan", "inf", below, above]


VIEWS = _views()


def nothing_sold(rows: list[dict]) -> bool:
    return all(row.get(c) in (None, 0, "0.00") for row in rows for c in SALES_COLUMNS)


@pytest.fixture
def contract_chain(customer_homes, s4_drop):
    """tiny_chain with homes and S4's weeks of 2024, and C4, who lives in Winnemucca (NV),
    238 km from the nearest store, Reno's S1, and orders there twice."""
    from customers.models import Customer
    from orders.models import Order, OrderItem

    Customer.objects.create(
        id="C4",
        latitude=40.97,
        longitude=-117.74,
        city="Winnemucca",
        state_abbr="NV",
        nearest_store_id="S1",
        nearest_store_km=238.0,
    )
    for day in (2, 3):
        order = Order.objects.create(
            id=200 + day,
            customer_id="C4",
            store_id="S1",
            n_items=1,
            total=Decimal("10.00"),
            ordered_at=dt.datetime(2022, 5, day, 20, tzinfo=dt.UTC),
        )
        OrderItem.objects.create(
            order=order, product_id="P1", quantity=1, unit_price=Decimal("10.00")
        )


@pytest.mark.parametrize(("path", "params"), VIEWS)
def test_csv_output_equals_json_output(api, contract_chain, path, params):
    body = assert_csv_matches_json(api(), path, params)
    assert body["results"], "no rows to compare: give the analysis parameters in EXAMPLES"


@pytest.mark.parametrize(("path", "params"), VIEWS)
def test_a_store_manager_gets_the_chains_answer_for_their_store(api, contract_chain, path, params):
    # The one difference by design, a white spot's nearest store shown as null when it is not
    # the user's, cannot arise here: S1 is the nearest store to C4.
    mine = api(User.Role.STORE_MANAGER, stores=["S1", "S4"]).get(path, params).json()
    chain = api().get(path, {**params, "store": ["S1", "S4"]}).json()
    assert (mine["results"], mine["meta"]) == (chain["results"], chain["meta"])
    assert {row["store"] for row in mine["results"] if "store" in row} <= {"S1", "S4"}


@pytest.mark.parametrize(("path", "params"), VIEWS)
def test_a_user_without_stores_sees_no_sales(api, contract_chain, path, params):
    response = api(role="").get(path, params)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert nothing_sold(rows)
    assert not any(row.get(k) for row in rows for k in ("store", "state", "product", "customer"))


@pytest.mark.parametrize(("path", "params"), VIEWS)
def test_an_empty_period_is_an_answer_not_an_error(api, contract_chain, path, params):
    client = api()
    own = {k: v for k, v in params.items() if not k.startswith("date_")}
    for dates in EMPTY_PERIODS:
        response = client.get(path, {**own, **dates})
        assert response.status_code == 200, dates
        assert nothing_sold(response.json()["results"]), dates


@pytest.mark.parametrize(("path", "params"), VIEWS)
def test_an_empty_database_is_an_answer_not_an_error(api, path, params):
    body = assert_csv_matches_json(api(), path, params)
    assert nothing_sold(body["results"])


@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda a: a.path)
def test_anonymous_requests_are_401(analysis):
    assert APIClient().get(url(analysis)).status_code == 401


@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda a: a.path)
def test_a_store_or_state_outside_the_scope_is_403_naming_it(api, tiny_chain, analysis):
    client = api(User.Role.STORE_MANAGER, stores=["S1"])
    for params, named in [({"store": "S2"}, "S2"), ({"state": "CA"}, "CA")]:
        response = client.get(url(analysis), params)
        assert response.status_code == 403, params
        assert named in response.json()["detail"]


@pytest.mark.parametrize("analysis", ANALYSES, ids=lambda a: a.path)
def test_a_bad_filter_is_400_naming_it(api, analysis):
    client = api()
    bad = {k: v for k, v in BAD_FILTERS.items() if k in analysis.filters}
    response = client.get(url(analysis), bad)
    assert response.status_code == 400
    assert set(response.json()) == set(bad)
    reversed_dates = {"date_from": "2022-04-02", "date_to": "2022-04-01"}
    response = client.get(url(analysis), reversed_dates)
    assert response.status_code == 400
    assert list(response.json()) == ["date_to"]


@pytest.mark.parametrize(
    ("path", "name", "values"),
    [
        pytest.param(url(a), p.name, bad_values(p), id=f"{a.path}?{p.name}")
        for a in ANALYSES
        for p in a.params
    ],
)
def test_a_bad_own_parameter_is_400_naming_it(api, path, name, values):
    client = api()
    for value in values:
        response = client.get(path, {name: value})
        assert response.status_code == 400, value
        assert list(response.json()) == [name], value


def test_the_schema_documents_every_analysis_and_its_parameters(api):
    paths = api().get("/api/schema/", {"format": "json"}).json()["paths"]
    for a in ANALYSES:
        op = paths[url(a)]["get"]
        assert op["summary"] == a.summary
        names = {p["name"] for p in op["parameters"]}
        assert names == {*a.filters, *(p.name for p in a.params), "format"}, a.path
