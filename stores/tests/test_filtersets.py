"""StoreFilterSet, one test per parameter, and the vocabulary bridge every FilterSet uses."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.test import RequestFactory

from accounts.models import User
from stores.filtersets import StoreFilterSet
from stores.models import Store

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_as(make_user):
    def make(role=User.Role.EXECUTIVE, **assignments):
        request = RequestFactory().get("/api/stores/")
        request.user = make_user(f"u{User.objects.count()}", role, **assignments)
        return request

    return make


@pytest.fixture
def filtered(tiny_chain, request_as):
    def run(query: str, request=None) -> list[str]:
        filterset = StoreFilterSet(
            QueryDict(query), queryset=Store.objects.all(), request=request or request_as()
        )
        assert filterset.is_valid(), filterset.errors
        return list(filterset.qs.values_list("id", flat=True))

    return run


def errors(query: str) -> dict:
    filterset = StoreFilterSet(QueryDict(query), queryset=Store.objects.all())
    assert not filterset.is_valid()
    return filterset.errors


def test_no_parameters_keep_every_store(filtered):
    assert filtered("") == ["S3", "S2", "S1", "S4"]


def test_state(filtered):
    assert filtered("state=NV") == ["S2", "S1"]


def test_state_repeated_and_in_lower_case(filtered):
    assert filtered("state=ut&state=ca") == ["S3", "S4"]


def test_city_ignores_case(filtered):
    assert filtered("city=LAS VEGAS") == ["S2"]


def test_store_repeated(filtered):
    assert filtered("store=S4&store=S1") == ["S1", "S4"]


def test_ordering(filtered):
    assert filtered("ordering=-id") == ["S4", "S3", "S2", "S1"]


def test_blank_values_are_no_restriction(filtered):
    assert filtered("state=&city=&store=") == ["S3", "S2", "S1", "S4"]


def test_a_bad_state_is_refused_with_the_vocabularys_message(tiny_chain):
    assert errors("state=NEV") == {"state": ["'NEV' is not a two-letter state code such as NV."]}


def test_a_bad_store_is_refused_with_the_vocabularys_message(tiny_chain):
    assert errors("store=S1;drop") == {"store": ["'S1;drop' is not a store ID such as S490972."]}


def test_a_store_outside_the_scope_is_permission_denied(filtered, request_as):
    request = request_as(User.Role.STORE_MANAGER, stores=["S2"])
    assert filtered("store=S2", request) == ["S2"]
    with pytest.raises(PermissionDenied, match="S1"):
        filtered("store=S1", request)


def test_a_state_without_stores_of_the_scope_is_permission_denied(filtered, request_as):
    request = request_as(User.Role.REGIONAL_MANAGER, states=["NV", "UT"])
    assert filtered("state=UT", request) == ["S4"]
    with pytest.raises(PermissionDenied, match="CA"):
        filtered("state=CA", request)
