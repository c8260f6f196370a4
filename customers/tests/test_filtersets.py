"""CustomerFilterSet, one test per parameter. Each row: (id, orders, revenue).

tiny_chain: C1 orders 1 (2022-03-01) and 2 (2022-03-08) at S1, 51.00; C2 order 3 at S2,
2022-04-02 02:15 UTC = 2022-04-01 local, 21.75; C3 order 4 at S3 (2023-01-15), 17.25.
Homes: C1 Reno NV, C2 Las Vegas NV, C3 Sacramento CA.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.test import RequestFactory

from accounts.models import User
from customers.filtersets import CustomerFilterSet
from customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as(tiny_chain, make_user):
    for cid, city, state in [
        ("C1", "Reno", "NV"),
        ("C2", "Las Vegas", "NV"),
        ("C3", "Sacramento", "CA"),
    ]:
        Customer.objects.filter(id=cid).update(city=city, state_abbr=state)

    def make(role=User.Role.EXECUTIVE, **assignments):
        request = RequestFactory().get("/api/customers/")
        request.user = make_user(f"u{User.objects.count()}", role, **assignments)
        return request

    return make


@pytest.fixture
def filtered(request_as):
    def run(query: str, request=None) -> list[tuple[str, int, str]]:
        filterset = CustomerFilterSet(
            QueryDict(query), queryset=Customer.objects.all(), request=request or request_as()
        )
        assert filterset.is_valid(), filterset.errors
        return [(c.id, c.order_count, f"{c.revenue:.2f}") for c in filterset.qs]

    return run


ALL = [("C1", 2, "51.00"), ("C2", 1, "21.75"), ("C3", 1, "17.25")]


def test_no_parameters_count_every_order(filtered):
    assert filtered("") == ALL


def test_state_is_the_home_state(filtered):
    assert filtered("state=NV") == ALL[:2]


def test_state_repeated(filtered):
    assert filtered("state=CA&state=NV") == ALL


def test_city_is_the_home_city(filtered):
    assert filtered("city=sacramento") == [("C3", 1, "17.25")]


def test_store_keeps_customers_who_ordered_there_and_counts_those_orders(filtered):
    assert filtered("store=S2") == [("C2", 1, "21.75")]


def test_store_repeated(filtered):
    assert filtered("store=S1&store=S3") == [("C1", 2, "51.00"), ("C3", 1, "17.25")]


def test_date_from_is_a_local_day(filtered):
    # Order 3 is 2022-04-02 in UTC but 2022-04-01 in Los Angeles: it counts.
    assert filtered("date_from=2022-04-01") == [("C2", 1, "21.75"), ("C3", 1, "17.25")]


def test_date_to_is_inclusive(filtered):
    assert filtered("date_to=2022-03-08") == [("C1", 2, "51.00")]


def test_store_and_dates_apply_to_the_same_orders(filtered):
    assert filtered("store=S1&date_from=2022-03-02") == [("C1", 1, "15.50")]
    assert filtered("store=S2&date_to=2022-03-31") == []


def test_ordering_by_orders_then_id(filtered):
    assert [row[0] for row in filtered("ordering=-orders,-id")] == ["C1", "C3", "C2"]


def test_without_a_request_nothing_is_counted(request_as):
    filterset = CustomerFilterSet(QueryDict("store=S1"), queryset=Customer.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs) == []


def test_a_store_outside_the_scope_is_permission_denied(filtered, request_as):
    request = request_as(User.Role.STORE_MANAGER, stores=["S2"])
    with pytest.raises(PermissionDenied, match="S1"):
        filtered("store=S1", request)


def test_a_bad_date_is_refused_under_its_name(request_as):
    filterset = CustomerFilterSet(QueryDict("date_to=2022-02-30"), queryset=Customer.objects.all())
    assert not filterset.is_valid()
    assert list(filterset.errors) == ["date_to"]
