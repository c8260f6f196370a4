"""OrderFilterSet, one test per parameter, newest first.

tiny_chain: order 1 C1 at S1 (Reno NV) 2022-03-01 19:00 UTC, P1×2 + P2, 35.50; order 2 C1 at
S1 2022-03-08 20:30 UTC, P2, 15.50; order 3 C2 at S2 (Las Vegas NV) 2022-04-02 02:15 UTC =
2022-04-01 19:15 in Los Angeles, P3×3, 21.75; order 4 C3 at S3 (Sacramento CA) 2023-01-15
23:59 UTC, P1 + P3, 17.25. P1 Classic Small, P2 Classic Large, P3 Vegetarian Small.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.test import RequestFactory

from accounts.models import User
from orders.filtersets import OrderFilterSet
from orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as(tiny_chain, make_user):
    def make(role=User.Role.EXECUTIVE, **assignments):
        request = RequestFactory().get("/api/orders/")
        request.user = make_user(f"u{User.objects.count()}", role, **assignments)
        return request

    return make


@pytest.fixture
def filtered(request_as):
    def run(query: str, request=None) -> list[int]:
        filterset = OrderFilterSet(
            QueryDict(query), queryset=Order.objects.all(), request=request or request_as()
        )
        assert filterset.is_valid(), filterset.errors
        return list(filterset.qs.values_list("id", flat=True))

    return run


def errors(query: str) -> dict:
    filterset = OrderFilterSet(QueryDict(query), queryset=Order.objects.all())
    assert not filterset.is_valid()
    return filterset.errors


def test_no_parameters_keep_every_order(filtered):
    assert filtered("") == [4, 3, 2, 1]


def test_date_from_is_the_first_local_day(filtered):
    # Order 3 is 2022-04-02 in UTC but 2022-04-01 in the chain's zone.
    assert filtered("date_from=2022-04-01") == [4, 3]
    assert filtered("date_from=2022-04-02") == [4]


def test_date_to_is_the_last_local_day_included(filtered):
    assert filtered("date_to=2022-04-01") == [3, 2, 1]
    assert filtered("date_to=2022-03-31") == [2, 1]


def test_date_from_and_date_to_together(filtered):
    assert filtered("date_from=2022-03-01&date_to=2022-03-01") == [1]


def test_state_is_the_stores_state(filtered):
    assert filtered("state=CA") == [4]


def test_state_repeated(filtered):
    assert filtered("state=CA&state=nv") == [4, 3, 2, 1]


def test_city_is_the_stores_city_in_any_case(filtered):
    assert filtered("city=las%20vegas") == [3]


def test_store_repeated(filtered):
    assert filtered("store=S3&store=S1") == [4, 2, 1]


def test_customer_repeated(filtered):
    assert filtered("customer=C1") == [2, 1]
    assert filtered("customer=C1&customer=C3") == [4, 2, 1]


def test_category_keeps_orders_holding_such_a_product(filtered):
    assert filtered("category=vegetarian") == [4, 3]


def test_size_keeps_orders_holding_such_a_product(filtered):
    assert filtered("size=Large") == [2, 1]


def test_sku_repeated(filtered):
    assert filtered("sku=P3") == [4, 3]
    assert filtered("sku=P2&sku=P3") == [4, 3, 2, 1]


def test_product_filters_match_one_and_the_same_item(filtered):
    # Orders holding a Classic *and* Large product: P2. Order 4 has Classic P1 and is Small.
    assert filtered("category=Classic&size=Large") == [2, 1]
    assert filtered("category=Vegetarian&sku=P1") == []


def test_min_total_is_inclusive(filtered):
    assert filtered("min_total=21.75") == [3, 1]


def test_max_total_is_inclusive(filtered):
    assert filtered("max_total=17.25") == [4, 2]


def test_filters_combine(filtered):
    assert filtered("state=NV&sku=P2&max_total=20") == [2]


def test_a_bad_date_is_refused_with_the_vocabularys_message(tiny_chain):
    assert errors("date_from=01/03/2022") == {"date_from": ["Enter a valid date."]}


def test_date_to_before_date_from_is_refused(tiny_chain):
    assert errors("date_from=2022-03-02&date_to=2022-03-01") == {
        "date_to": ["must not be before date_from (2022-03-02)."]
    }


def test_a_bad_customer_is_refused(tiny_chain):
    assert errors("customer=C1&customer=C%3B1") == {
        "customer": ["'C;1' is not a customer ID such as C772113."]
    }


def test_a_store_outside_the_scope_is_permission_denied(filtered, request_as):
    request = request_as(User.Role.REGIONAL_MANAGER, states=["NV"])
    assert filtered("store=S2", request) == [3]
    with pytest.raises(PermissionDenied, match="S3"):
        filtered("store=S3", request)


def test_a_state_outside_the_scope_is_permission_denied(filtered, request_as):
    request = request_as(User.Role.STORE_MANAGER, stores=["S3"])
    with pytest.raises(PermissionDenied, match="NV"):
        filtered("state=NV", request)
