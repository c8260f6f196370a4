"""The store admin: rows, search by ID, city and ZIP code, the state filter."""

import pytest

from stores.models import Store

pytestmark = pytest.mark.django_db

STORES = "/admin/stores/store/"


def listed(response) -> list[str]:
    assert response.status_code == 200
    return [s.pk for s in response.context["cl"].result_list]


def test_store_changelist_lists_stores_by_state_and_city(
    admin_client, tiny_chain, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = admin_client.get(STORES)
    assert listed(response) == ["S3", "S2", "S1", "S4"]
    html = response.content.decode()
    assert "Salt Lake City" in html and "84101" in html and "39.5296" in html


def test_store_changelist_queries_do_not_grow_with_rows(
    admin_client, tiny_chain, django_assert_num_queries
):
    Store.objects.bulk_create(
        Store(
            id=f"S{100 + n}",
            zipcode="89501",
            city="Reno",
            state="Nevada",
            state_abbr="NV",
            latitude=39.5,
            longitude=-119.8,
        )
        for n in range(50)
    )
    with django_assert_num_queries(6):
        assert len(listed(admin_client.get(STORES))) == 54


@pytest.mark.parametrize(
    ("term", "expected"),
    [("S4", ["S4"]), ("sacramento", ["S3"]), ("89101", ["S2"]), ("Portland", [])],
)
def test_store_search_matches_id_city_or_zipcode(admin_client, tiny_chain, term, expected):
    assert listed(admin_client.get(STORES, {"q": term})) == expected


def test_store_state_filter_keeps_that_states_stores(admin_client, tiny_chain):
    assert listed(admin_client.get(STORES, {"state_abbr": "NV"})) == ["S2", "S1"]
    assert listed(admin_client.get(STORES, {"state_abbr": "UT"})) == ["S4"]
