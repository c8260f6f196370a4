"""The data version: every committed write to the sales data moves it by one, whichever way it
comes in (model save and delete, the admin, the API, the importer); a rolled-back one does not.

Inside a test's transaction nothing commits, so `django_capture_on_commit_callbacks(execute=True)`
runs the on-commit callbacks as a commit would; the `transactional_db` tests commit for real.
"""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client

from analytics.models import DataVersion
from analytics.version import PendingBump, bump_data_version, data_version
from dataset.importer import ImportFailed, import_dataset
from dataset.tests.test_importer import tiny_files, write_export
from orders.models import Order, OrderItem
from products.models import Ingredient, Product, ProductIngredient
from stores.models import Store

POSTED_ORDER = {
    "customer": "C1",
    "store": "S1",
    "ordered_at": "2023-02-01T19:30:00-08:00",
    "items": [{"product": "P1", "quantity": 2}, {"product": "P2", "quantity": 1}],
}


@pytest.fixture
def commits(django_capture_on_commit_callbacks) -> Callable[[], AbstractContextManager]:
    """`with commits() as bumps:` runs the block's on-commit callbacks as a commit would and
    leaves in `bumps` how many increments of the version it queued."""

    @contextmanager
    def block() -> Iterator[list]:
        bumps: list = []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield bumps
        bumps.extend(c for c in callbacks if isinstance(c, PendingBump))

    return block


def new_store(store_id: str = "S9") -> Store:
    return Store.objects.create(
        id=store_id,
        zipcode="89501",
        city="Reno",
        state="Nevada",
        state_abbr="NV",
        latitude=39.5,
        longitude=-119.8,
    )


# --- Reading -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_version_of_an_empty_table_is_zero_and_reading_writes_nothing(
    django_assert_num_queries,
):
    with django_assert_num_queries(1):
        assert data_version() == 0
    assert not DataVersion.objects.exists()


@pytest.mark.django_db
def test_reading_the_version_is_one_primary_key_query(django_assert_num_queries):
    DataVersion.objects.create(version=41)
    with django_assert_num_queries(1) as captured:
        assert data_version() == 41
    sql = captured.captured_queries[0]["sql"]
    assert "analytics_dataversion" in sql and '"id" = 1' in sql


# --- Bumping -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_bump_creates_the_row_and_later_ones_add_one(commits):
    for expected in (1, 2, 3):
        with commits():
            bump_data_version()
        assert data_version() == expected
    assert DataVersion.objects.count() == 1


@pytest.mark.django_db
def test_bumps_in_one_transaction_coalesce_into_one(commits):
    with commits() as bumps:
        bump_data_version()
        store = new_store()
        store.city = "Sparks"
        store.save()
        store.delete()
    assert len(bumps) == 1
    assert data_version() == 1


@pytest.mark.django_db
def test_a_rolled_back_savepoint_does_not_bump(commits):
    with commits() as bumps, pytest.raises(RuntimeError), transaction.atomic():
        new_store()
        raise RuntimeError("cancelled")
    assert (bumps, data_version()) == ([], 0)
    assert not Store.objects.filter(pk="S9").exists()


@pytest.mark.django_db
def test_a_write_after_a_rolled_back_savepoint_still_bumps(commits):
    with commits() as bumps:
        with pytest.raises(RuntimeError), transaction.atomic():
            new_store("S8")
            raise RuntimeError("cancelled")
        new_store("S9")
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_the_increment_is_one_update_in_sql_not_a_read_then_write(
    commits, django_assert_num_queries
):
    """`version = version + 1` in the UPDATE, so concurrent bumps by other processes add up."""
    DataVersion.objects.create(version=10)
    with django_assert_num_queries(1) as captured, commits():
        bump_data_version()
    sql = captured.captured_queries[0]["sql"]
    assert sql.startswith("UPDATE") and '"version" + 1' in sql
    assert data_version() == 11


# --- Each write path -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda: new_store(), id="store create"),
        pytest.param(lambda: Store.objects.get(pk="S4").delete(), id="store delete"),
        pytest.param(lambda: Product.objects.get(pk="P1").save(), id="product save"),
        pytest.param(lambda: Ingredient.objects.create(id=7, name="Basil"), id="ingredient"),
        pytest.param(lambda: Order.objects.get(pk=2).delete(), id="order delete (cascades)"),
        pytest.param(
            lambda: OrderItem.objects.filter(order_id=4, product_id="P3").delete(),
            id="queryset delete",
        ),
    ],
)
def test_a_model_write_bumps_once(tiny_chain, commits, write):
    with commits() as bumps:
        write()
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_changing_a_recipe_through_the_m2m_manager_bumps(tiny_chain, commits):
    with commits():
        Ingredient.objects.create(id=7, name="Basil")
    product = Product.objects.get(pk="P1")
    with commits():
        product.ingredients.add(7)  # bulk inserts ProductIngredient rows: m2m_changed only
    assert (ProductIngredient.objects.count(), data_version()) == (1, 2)
    with commits():
        product.ingredients.clear()
    assert (ProductIngredient.objects.count(), data_version()) == (0, 3)


@pytest.mark.django_db
def test_an_admin_save_bumps(tiny_chain, make_user, commits):
    client = Client()
    client.force_login(make_user("admin-1", is_staff=True, is_superuser=True))
    form = {
        "id": "P1",
        "name": "Margherita",
        "price": "11.00",
        "category": "Classic",
        "size": "Small",
        "launch_date": "2020-01-01",
        "recipe-TOTAL_FORMS": "0",
        "recipe-INITIAL_FORMS": "0",
        "recipe-MIN_NUM_FORMS": "0",
        "recipe-MAX_NUM_FORMS": "1000",
    }
    with commits() as bumps:
        response = client.post("/admin/products/product/P1/change/", form)
    assert response.status_code == 302, response.content
    assert Product.objects.get(pk="P1").price == Decimal("11.00")
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_an_admin_bulk_delete_action_bumps(tiny_chain, make_user, commits):
    client = Client()
    client.force_login(make_user("admin-1", is_staff=True, is_superuser=True))
    form = {"action": "delete_selected", "_selected_action": ["3", "4"], "post": "yes"}
    with commits() as bumps:
        response = client.post("/admin/orders/order/", form)
    assert response.status_code == 302
    assert sorted(Order.objects.values_list("id", flat=True)) == [1, 2]
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_an_order_posted_through_the_api_bumps(tiny_chain, api, commits):
    staff = api("", is_staff=True)
    with commits() as bumps:
        response = staff.post("/api/orders/", POSTED_ORDER, format="json")
    assert response.status_code == 201, response.content
    # 2 × 10.00 + 1 × 15.50
    assert Order.objects.get(pk=response.json()["id"]).total == Decimal("35.50")
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_an_order_changed_through_the_api_bumps(tiny_chain, api, commits):
    staff = api("", is_staff=True)
    items = [{"product": "P3", "quantity": 2}]
    with commits() as bumps:
        response = staff.patch("/api/orders/2/", {"items": items}, format="json")
    assert response.status_code == 200, response.content
    assert Order.objects.get(pk=2).total == Decimal("14.50")  # 2 × 7.25
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_a_store_deleted_through_the_api_bumps(tiny_chain, api, commits):
    staff = api("", is_staff=True)
    with commits() as bumps:
        response = staff.delete("/api/stores/S4/")
    assert response.status_code == 204
    assert (len(bumps), data_version()) == (1, 1)


@pytest.mark.django_db
def test_a_refused_api_write_does_not_bump(tiny_chain, api, commits):
    staff = api("", is_staff=True)
    with commits() as bumps:
        response = staff.post("/api/orders/", {**POSTED_ORDER, "total": "30.00"}, format="json")
    assert response.status_code == 400
    assert (bumps, data_version()) == ([], 0)


# --- The importer --------------------------------------------------------------------------


@pytest.fixture
def tiny_export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "tiny", tiny_files())


@pytest.mark.django_db
def test_an_import_bumps_once_and_a_repeat_that_changes_nothing_does_not(tiny_export, commits):
    with commits() as bumps:
        report = import_dataset(tiny_export)
    assert report.inserted["orders"] == 3
    assert (len(bumps), data_version()) == (1, 1)
    with commits() as bumps:
        report = import_dataset(tiny_export)
    assert set(report.inserted.values()) == set(report.updated.values()) == {0}
    assert (bumps, data_version()) == ([], 1)


@pytest.mark.django_db
def test_a_rejected_import_does_not_bump(tmp_path, commits):
    files = tiny_files()
    files["orders.csv"][1] = files["orders.csv"][1].replace('"S10"', '"S99"')
    with commits() as bumps, pytest.raises(ImportFailed):
        import_dataset(write_export(tmp_path / "bad", files))
    assert (bumps, data_version()) == ([], 0)


@pytest.mark.django_db
def test_an_import_failing_while_writing_does_not_bump(tiny_export, monkeypatch, commits):
    monkeypatch.setattr("dataset.importer.run.check_orders", lambda imported: 1 / 0)
    with commits() as bumps, pytest.raises(ZeroDivisionError):
        import_dataset(tiny_export)
    assert (bumps, data_version(), Order.objects.count()) == ([], 0, 0)


# --- Real commits --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_committed_writes_bump_and_rolled_back_ones_do_not(tiny_export, monkeypatch):
    new_store("S9")  # autocommit: its own transaction
    assert data_version() == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        new_store("S8")
        raise RuntimeError("cancelled")
    assert data_version() == 1
    with monkeypatch.context() as patched:
        patched.setattr("dataset.importer.run.check_orders", lambda imported: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            import_dataset(tiny_export)
    assert (data_version(), Order.objects.count()) == (1, 0)
    import_dataset(tiny_export)
    assert (data_version(), Order.objects.count()) == (2, 3)
