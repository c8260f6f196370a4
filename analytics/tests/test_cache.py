"""The analyses' cache: the same question on the same data is answered from the cache (one
query: the data version), an answer never crosses scopes, and every committed write (model save,
the API, an import) makes the next answer fresh. Runs with the cache on (`cached` marker)."""

from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection

from accounts.models import User
from accounts.scope import scope_for
from analytics.cache import CACHE_ALIAS, cache_key
from analytics.filters import Filters
from analytics.registry import all_analyses
from analytics.tests.test_version import POSTED_ORDER, commits  # noqa: F401 - fixture
from analytics.version import data_version
from dataset.importer import import_dataset
from dataset.tests.test_importer import tiny_files, write_export
from orders.models import Order

pytestmark = [pytest.mark.django_db, pytest.mark.cached]

KPIS = "kpis_by_period"


def revenue(user, filters: Filters | None = None) -> Decimal:
    result = all_analyses()["sales_by_store"].run(
        filters=filters or Filters(), scope=scope_for(user)
    )
    return sum((r["revenue"] for r in result.rows), Decimal("0"))


def test_the_same_question_is_answered_from_the_cache(
    tiny_chain, make_user, django_assert_num_queries
):
    user = make_user("exec", User.Role.EXECUTIVE)
    first = revenue(user)
    with django_assert_num_queries(1):  # the data version, nothing else
        assert revenue(user) == first == Decimal("90.00")


def test_an_answer_never_crosses_scopes(tiny_chain, make_user):
    assert revenue(make_user("exec", User.Role.EXECUTIVE)) == Decimal("90.00")
    # S1 only: orders 1 and 2, 35.50 + 15.50; same filters, same version, another scope.
    assert revenue(make_user("boss", User.Role.STORE_MANAGER, stores=["S1"])) == Decimal("51.00")
    assert revenue(make_user("reg", User.Role.REGIONAL_MANAGER, states=["NV"])) == Decimal("72.75")


def test_filters_and_parameters_are_part_of_the_key(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    assert revenue(user) == Decimal("90.00")
    assert revenue(user, Filters(state=("CA",))) == Decimal("17.25")
    scope = scope_for(user)
    keys = {
        cache_key("sales_by_product", Filters(), scope, {"level": level}, 0)
        for level in ("product", "category")
    }
    assert len(keys) == 2


def test_a_committed_save_makes_the_next_answer_fresh(tiny_chain, make_user, commits):  # noqa: F811
    user = make_user("exec", User.Role.EXECUTIVE)
    assert revenue(user) == Decimal("90.00")
    with commits():
        order = Order.objects.get(pk=4)
        order.total = Decimal("27.25")
        order.save()
    assert revenue(user) == Decimal("100.00")


def test_an_order_posted_through_the_api_shows_at_once(tiny_chain, api, commits):  # noqa: F811
    reader = api()
    before = reader.get("/api/stores/sales/").json()["meta"]["revenue"]
    with commits():
        posted = api("", is_staff=True).post("/api/orders/", POSTED_ORDER, format="json")
    assert posted.status_code == 201
    # The posted order: 2 × 10.00 + 15.50 = 35.50 more.
    after = reader.get("/api/stores/sales/").json()["meta"]["revenue"]
    assert (Decimal(before), Decimal(after)) == (Decimal("90.00"), Decimal("125.50"))


def test_an_import_makes_the_next_answer_fresh(tmp_path, make_user, commits):  # noqa: F811
    user = make_user("exec", User.Role.EXECUTIVE)
    assert revenue(user) == Decimal("0")
    with commits():
        import_dataset(write_export(tmp_path / "export", tiny_files()))
    # Orders 101 (2 × 10.00 + 12.50), 102 (7.25) and 103 (12.50 + 7.25).
    assert revenue(user) == Decimal("59.50")


def test_uncommitted_writes_are_neither_served_from_nor_stored_in_the_cache(tiny_chain, make_user):
    user = make_user("exec", User.Role.EXECUTIVE)
    assert revenue(user) == Decimal("90.00")
    order = Order.objects.get(pk=4)
    order.total = Decimal("27.25")
    order.save()  # queued a bump for a commit that never comes in this test
    assert revenue(user) == Decimal("100.00")
    assert connection.in_atomic_block
    stored = caches[CACHE_ALIAS].get(
        cache_key("sales_by_store", Filters(), scope_for(user), {}, data_version())
    )
    assert sum(r["revenue"] for r in stored.rows) == Decimal("90.00")  # the committed answer


def test_every_analysis_answers_the_same_from_the_cache(tiny_chain, make_user, settings):
    scope = scope_for(make_user("exec", User.Role.EXECUTIVE))
    for analysis in all_analyses().values():
        params = {p.name: p.default for p in analysis.params}
        settings.ANALYSIS_CACHE_SECONDS = 0
        direct = analysis.run(filters=Filters(), scope=scope, **params)
        settings.ANALYSIS_CACHE_SECONDS = 3600
        first = analysis.run(filters=Filters(), scope=scope, **params)
        again = analysis.run(filters=Filters(), scope=scope, **params)
        assert (again.rows, again.meta) == (first.rows, first.meta) == (direct.rows, direct.meta)


def test_answers_are_shared_through_redis_when_configured(tiny_chain, make_user, settings):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/5"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        **settings.CACHES,
        CACHE_ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "slice-test",
        },
    }
    caches[CACHE_ALIAS].clear()
    user = make_user("exec", User.Role.EXECUTIVE)
    assert revenue(user) == Decimal("90.00")
    key = cache_key("sales_by_store", Filters(), scope_for(user), {}, data_version())
    raw = redis.Redis.from_url(url)
    assert raw.exists(f"slice-test:1:{key}")  # Django's key: prefix, version 1, our key
    caches[CACHE_ALIAS].clear()
