"""Fixtures shared by every app's tests: a tiny chain with hand-countable numbers."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

UTC = ZoneInfo("UTC")


@pytest.fixture
def tiny_chain(db):
    """Four stores in three states, three products, three customers, four orders.

    Revenue by hand: order 1 = 2×10.00 + 1×15.50 = 35.50; order 2 = 1×15.50 = 15.50;
    order 3 = 3×7.25 = 21.75; order 4 = 1×10.00 + 1×7.25 = 17.25; chain total 90.00.
    """
    from customers.models import Customer
    from orders.models import Order, OrderItem
    from products.models import Product
    from stores.models import Store

    stores = {
        s.id: s
        for s in Store.objects.bulk_create(
            [
                Store(
                    id="S1",
                    zipcode="89501",
                    city="Reno",
                    state="Nevada",
                    state_abbr="NV",
                    latitude=39.5296,
                    longitude=-119.8138,
                    distance=10.0,
                ),
                Store(
                    id="S2",
                    zipcode="89101",
                    city="Las Vegas",
                    state="Nevada",
                    state_abbr="NV",
                    latitude=36.1699,
                    longitude=-115.1398,
                    distance=12.5,
                ),
                Store(
                    id="S3",
                    zipcode="95814",
                    city="Sacramento",
                    state="California",
                    state_abbr="CA",
                    latitude=38.5816,
                    longitude=-121.4944,
                    distance=3.7,
                ),
                Store(
                    id="S4",
                    zipcode="84101",
                    city="Salt Lake City",
                    state="Utah",
                    state_abbr="UT",
                    latitude=40.7608,
                    longitude=-111.8910,
                    distance=30.0,
                ),
            ]
        )
    }
    products = {
        p.id: p
        for p in Product.objects.bulk_create(
            [
                Product(
                    id="P1",
                    name="Margherita",
                    price=Decimal("10.00"),
                    category="Classic",
                    size="Small",
                    launch_date=date(2020, 1, 1),
                ),
                Product(
                    id="P2",
                    name="Margherita",
                    price=Decimal("15.50"),
                    category="Classic",
                    size="Large",
                    launch_date=date(2020, 1, 1),
                ),
                Product(
                    id="P3",
                    name="Veggie",
                    price=Decimal("7.25"),
                    category="Vegetarian",
                    size="Small",
                    launch_date=date(2021, 6, 1),
                ),
            ]
        )
    }
    customers = {
        c.id: c
        for c in Customer.objects.bulk_create(
            [
                Customer(id="C1", latitude=39.53, longitude=-119.81),
                Customer(id="C2", latitude=36.17, longitude=-115.14),
                Customer(id="C3", latitude=38.58, longitude=-121.49),
            ]
        )
    }
    orders = Order.objects.bulk_create(
        [
            Order(
                id=1,
                customer_id="C1",
                store_id="S1",
                n_items=3,
                total=Decimal("35.50"),
                ordered_at=datetime(2022, 3, 1, 19, 0, tzinfo=UTC),
            ),
            Order(
                id=2,
                customer_id="C1",
                store_id="S1",
                n_items=1,
                total=Decimal("15.50"),
                ordered_at=datetime(2022, 3, 8, 20, 30, tzinfo=UTC),
            ),
            Order(
                id=3,
                customer_id="C2",
                store_id="S2",
                n_items=3,
                total=Decimal("21.75"),
                ordered_at=datetime(2022, 4, 2, 2, 15, tzinfo=UTC),
            ),
            Order(
                id=4,
                customer_id="C3",
                store_id="S3",
                n_items=2,
                total=Decimal("17.25"),
                ordered_at=datetime(2023, 1, 15, 23, 59, tzinfo=UTC),
            ),
        ]
    )
    OrderItem.objects.bulk_create(
        [
            OrderItem(order_id=1, product_id="P1", quantity=2, unit_price=Decimal("10.00")),
            OrderItem(order_id=1, product_id="P2", quantity=1, unit_price=Decimal("15.50")),
            OrderItem(order_id=2, product_id="P2", quantity=1, unit_price=Decimal("15.50")),
            OrderItem(order_id=3, product_id="P3", quantity=3, unit_price=Decimal("7.25")),
            OrderItem(order_id=4, product_id="P1", quantity=1, unit_price=Decimal("10.00")),
            OrderItem(order_id=4, product_id="P3", quantity=1, unit_price=Decimal("7.25")),
        ]
    )
    _reset_sequences(Order, OrderItem)
    return {"stores": stores, "products": products, "customers": customers, "orders": orders}


def _reset_sequences(*models) -> None:
    """Explicit ids do not advance PostgreSQL's sequences; later creates would collide."""
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
            cursor.execute(sql)


@pytest.fixture
def make_user(db):
    """Create a user with a role; `states` for regional managers, `stores` for store managers."""
    from accounts.models import User

    def make(username: str, role: str = "", *, states=(), stores=(), **extra):
        user = User.objects.create_user(
            username=username, password="pw-for-tests", role=role, states=list(states), **extra
        )
        if stores:
            user.stores.set(stores)
        return user

    return make


@pytest.fixture(autouse=True)
def _plain_http_test_client(settings):
    """Tests run with production defaults (DEBUG off), so the HTTPS redirect is on; the test
    client speaks plain HTTP. The redirect itself is covered in config/tests/test_settings.py."""
    settings.SECURE_SSL_REDIRECT = False
    # Hashing a test password at production strength costs ~0.5 s a user; tests need no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests do not run collectstatic: serve static names unhashed, as DEBUG does.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _analysis_cache(request, settings):
    """Tests change data inside a transaction, often with bulk writes that send no signal, so
    the data version (bumped on commit) does not move: answers are cached only in tests marked
    `cached` (the cache's own tests, which commit their writes) and in browser tests (a live
    server, real commits). Every test starts with an empty cache."""
    from django.core.cache import caches

    caches["analyses"].clear()
    if "cached" not in request.keywords and "browser" not in request.keywords:
        settings.ANALYSIS_CACHE_SECONDS = 0


SHARED_DATA = __import__("pathlib").Path(__file__).resolve().parent.parent / "shared" / "data"


@pytest.fixture(scope="module")
def pizza_small_db(django_db_setup, django_db_blocker):
    """The 20,000-order export imported (committed) once per module, removed afterwards.

    Tests using it still need `@pytest.mark.django_db`; their own writes roll back."""
    from django.core.management import call_command

    from dataset.importer import import_dataset

    directory = SHARED_DATA / "pizza-small"
    with django_db_blocker.unblock():
        import_dataset(directory)
        try:
            yield directory
        finally:
            call_command("flush", interactive=False, verbosity=0)
