import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from accounts.models import User
from accounts.scope import EVERYTHING, scope_for
from analytics.filters import Filters, InvalidFilter, parse_filters

LA = ZoneInfo("America/Los_Angeles")


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_no_parameters_give_the_defaults():
    assert parse_filters(q("")) == Filters()


def test_every_parameter_is_parsed():
    f = parse_filters(
        q(
            "date_from=2022-01-01&date_to=2022-03-31&state=nv&state=UT&city=Reno&store=S1"
            "&store=S2&category=Classic&size=Large&sku=P1&sku=P2&granularity=week&limit=5"
        )
    )
    assert f == Filters(
        date_from=dt.date(2022, 1, 1),
        date_to=dt.date(2022, 3, 31),
        state=("NV", "UT"),
        city="Reno",
        store=("S1", "S2"),
        category="Classic",
        size="Large",
        sku=("P1", "P2"),
        granularity="week",
        limit=5,
    )
    assert f.has_product_filter


def test_repeated_values_are_kept_once_in_order():
    assert parse_filters(q("store=S2&store=S1&store=S2")).store == ("S2", "S1")


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("date_from=2022-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("date_from=2022-02-01&date_to=2022-01-31", "date_to"),
        ("state=Nevada", "state"),
        ("store=S1;drop", "store"),
        ("sku=P%201", "sku"),
        ("granularity=fortnight", "granularity"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("date_to=9999-12-31", "date_to"),
        ("date_from=0001-01-01", "date_from"),
    ],
)
def test_a_value_that_does_not_parse_names_its_parameter(query, param):
    with pytest.raises(InvalidFilter) as caught:
        parse_filters(q(query))
    assert list(caught.value.errors) == [param]
    assert param in str(caught.value)


def test_defaults_apply_only_when_the_parameter_is_absent():
    assert parse_filters(q(""), defaults={"limit": 20}).limit == 20
    assert parse_filters(q("limit=3"), defaults={"limit": 20}).limit == 3


def test_plain_mappings_work_like_query_dicts():
    f = parse_filters({"store": ["S1", "S3"], "date_from": "2022-01-01"})
    assert f.store == ("S1", "S3") and f.date_from == dt.date(2022, 1, 1)


def test_dates_are_local_days_with_an_exclusive_end():
    f = Filters(date_from=dt.date(2022, 3, 13), date_to=dt.date(2022, 3, 13))
    assert f.start_instant() == dt.datetime(2022, 3, 13, tzinfo=LA)
    assert f.end_instant() == dt.datetime(2022, 3, 14, tzinfo=LA)
    # DST starts on 2022-03-13 in Los Angeles: that local day lasts 23 hours.
    utc = ZoneInfo("UTC")
    hours = f.end_instant().astimezone(utc) - f.start_instant().astimezone(utc)
    assert hours == dt.timedelta(hours=23)


def test_previous_period_is_the_equal_length_period_just_before():
    f = Filters(date_from=dt.date(2022, 3, 1), date_to=dt.date(2022, 3, 31), store=("S1",))
    prev = f.previous_period()
    assert (prev.date_from, prev.date_to) == (dt.date(2022, 1, 29), dt.date(2022, 2, 28))
    assert prev.store == ("S1",)
    assert Filters(date_from=dt.date(2022, 3, 1)).previous_period() is None


def test_as_params_round_trips():
    f = Filters(date_from=dt.date(2022, 1, 1), state=("NV",), limit=5)
    assert f.as_params() == {"date_from": "2022-01-01", "state": ["NV"], "limit": 5}
    assert parse_filters(f.as_params()) == f


@pytest.mark.django_db
def test_a_store_outside_the_scope_is_refused(tiny_chain, make_user):
    scope = scope_for(make_user("mgr", User.Role.STORE_MANAGER, stores=["S1"]))
    assert parse_filters(q("store=S1"), scope=scope).store == ("S1",)
    with pytest.raises(PermissionDenied, match="S2"):
        parse_filters(q("store=S1&store=S2"), scope=scope)


@pytest.mark.django_db
def test_a_state_without_any_store_in_scope_is_refused(tiny_chain, make_user):
    scope = scope_for(make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"]))
    assert parse_filters(q("state=NV"), scope=scope).state == ("NV",)
    with pytest.raises(PermissionDenied, match="CA"):
        parse_filters(q("state=CA"), scope=scope)


@pytest.mark.django_db
def test_the_whole_chain_may_ask_for_any_store(tiny_chain):
    assert parse_filters(q("store=S9&state=WY"), scope=EVERYTHING).store == ("S9",)
