"""The customer admin: rows with their nearest store, search, the state filter, bounded queries."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from config.admin_utils import EstimatedCountPaginator
from customers.models import Customer

pytestmark = pytest.mark.django_db

CUSTOMERS = "/admin/customers/customer/"
# Session, user, count (+ the pg_class estimate on PostgreSQL), page, state choices.
MAX_QUERIES = 6


@pytest.fixture
def located(tiny_chain):
    """The tiny chain's customers with the places and nearest stores the importer derives."""
    for cid, city, state, store, km in [
        ("C1", "Reno", "NV", "S1", 0.4),
        ("C2", "Las Vegas", "NV", "S2", 0.1),
        ("C3", "Sacramento", "CA", "S3", 0.6),
    ]:
        Customer.objects.filter(id=cid).update(
            city=city, state_abbr=state, nearest_store_id=store, nearest_store_km=km
        )
    return tiny_chain


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [c.pk for c in response.context["cl"].result_list]


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_customer_changelist_lists_customers_with_their_nearest_store(admin_client, located):
    response = admin_client.get(CUSTOMERS)
    assert listed(response) == ["C1", "C2", "C3"]
    html = response.content.decode()
    assert "S2 · Las Vegas, NV" in html and "Sacramento" in html and "0.6" in html
    assert f'href="{CUSTOMERS}C3/change/' in html


@pytest.mark.parametrize("query", ["", "?state_abbr=NV", "?q=C"])
def test_customer_changelist_queries_do_not_grow_with_rows(
    admin_client, located, django_assert_max_num_queries, query
):
    before = queries_for(admin_client, CUSTOMERS + query)
    Customer.objects.bulk_create(
        Customer(
            id=f"C{100 + n}",
            latitude=39.5,
            longitude=-119.8,
            city="Reno",
            state_abbr="NV",
            nearest_store_id=f"S{n % 4 + 1}",
            nearest_store_km=1.0,
        )
        for n in range(50)
    )
    with django_assert_max_num_queries(MAX_QUERIES):
        response = admin_client.get(CUSTOMERS + query)
    assert len(listed(response)) > 3
    assert queries_for(admin_client, CUSTOMERS + query) == before


@pytest.mark.parametrize(
    ("term", "expected"),
    [("C2", ["C2"]), ("c2", ["C2"]), ("C", ["C1", "C2", "C3"]), ("2", []), ("vegas", ["C2"])],
)
def test_customer_search_matches_the_id_or_its_beginning_or_the_city(
    admin_client, located, term, expected
):
    assert listed(admin_client.get(CUSTOMERS, {"q": term})) == expected


def test_customer_state_filter_keeps_that_states_customers(admin_client, located):
    assert listed(admin_client.get(CUSTOMERS, {"state_abbr": "NV"})) == ["C1", "C2"]
    assert listed(admin_client.get(CUSTOMERS, {"state_abbr": "CA"})) == ["C3"]


def test_customer_nearest_store_is_an_autocomplete(admin_client, located):
    html = admin_client.get(f"{CUSTOMERS}C1/change/").content.decode()
    assert "admin-autocomplete" in html and "S4 · Salt Lake City" not in html


def test_customer_changelist_uses_the_estimating_paginator_without_full_counts():
    model_admin = admin.site._registry[Customer]
    assert model_admin.paginator is EstimatedCountPaginator
    assert model_admin.show_full_result_count is False
