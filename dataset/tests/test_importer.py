import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Round
from django.test import override_settings

from customers.models import Customer
from dataset.importer import ImportFailed, ImportReport, RowError, import_dataset
from dataset.tests.test_geo import brute_force_km
from orders.models import Order, OrderItem
from products.models import Ingredient, Product, ProductIngredient
from stores.models import Store

SMALL = settings.BASE_DIR.parent / "shared" / "data" / "pizza-small"
MODELS = (Store, Customer, Ingredient, Product, ProductIngredient, Order, OrderItem)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the importer writes, in key order."""
    return {m.__name__: list(m.objects.order_by("pk").values_list()) for m in MODELS}


def sum_of_cents(queryset: QuerySet, cents: Any) -> Decimal:
    """An exact money sum on both engines: SQLite keeps decimals as floats, so add whole cents."""
    return Decimal(queryset.aggregate(cents=Sum(cents))["cents"]).quantize(Decimal(1)) / 100


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


# --- A tiny export in the real format -------------------------------------------------------
# Stores and customers sit on ZIP centroids of the zipcodes package, so the derived fields can
# be checked by hand. Its keys differ from conftest's tiny_chain (S1..S4, P1..P3, C1..C3,
# orders 1-4), which several tests load first as data already in the database.


def tiny_files() -> dict[str, list[str]]:
    """File name -> lines (header first). Order 101 = 2 x 10.00 + 12.50; 102 = 7.25;
    103 = 12.50 + 7.25."""
    return {
        "stores.csv": [
            '"storeID","zipcode","state_abbr","latitude","longitude","city","state","distance"',
            '"S10",89501,"NV",39.5268,-119.8113,"Reno","Nevada",10.5',
            '"S11",89101,"NV",36.1721,-115.1224,"Las Vegas","Nevada",3.7',
            '"S12",6103,"CT",41.7672,-72.676,"Hartford","Connecticut",',
        ],
        "customers.csv": [
            '"customerID","latitude","longitude"',
            '"C10",39.5268,-119.8113',
            '"C11",37.1721,-115.1224',
            '"C12",38.5804,-121.4922',
        ],
        "ingredients.csv": [
            '"IngredientID","Name"',
            '101,"Tomato Sauce"',
            '102,"Mozzarella"',
            '103,"Basil"',
        ],
        "products.csv": [
            '"SKU","Name","Price","Category","Size","Ingredients","Launch"',
            '"PZ10","Margherita",10.00,"Classic","Small",'
            '"Tomato Sauce, Mozzarella, Basil","2018-01-01"',
            '"PZ11","Margherita",12.50,"Classic","Large",'
            '"Tomato Sauce, Mozzarella, Basil","2018-01-01"',
            '"PZ12","Marinara",7.25,"Vegetarian","Small","Tomato Sauce","2021-06-01"',
        ],
        "productingredients.csv": [
            '"SKU","IngredientID"',
            '"PZ10",101',
            '"PZ10",102',
            '"PZ10",103',
            '"PZ11",101',
            '"PZ11",102',
            '"PZ11",103',
            '"PZ12",101',
        ],
        "orders.csv": [
            '"orderID","customerID","storeID","orderDate","nItems","total"',
            '101,"C10","S10","2022-07-01 12:00:00",3,32.50',
            '102,"C11","S11","2022-07-02 19:30:00",1,7.25',
            '103,"C12","S10","2023-01-15 23:59:59",2,19.75',
        ],
        "orderItems.csv": [
            '"SKU","orderID"',
            '"PZ10",101',
            '"PZ11",101',
            '"PZ10",101',
            '"PZ12",102',
            '"PZ11",103',
            '"PZ12",103',
        ],
    }


def write_export(directory: Path, files: dict[str, list[str]]) -> Path:
    """Write the files as the chain exports them: UTF-8, CRLF line ends."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, lines in files.items():
        (directory / name).write_bytes("".join(f"{line}\r\n" for line in lines).encode())
    return directory


def headers_only() -> dict[str, list[str]]:
    return {name: lines[:1] for name, lines in tiny_files().items()}


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_export(tmp_path / "tiny", tiny_files())


def import_with(tmp_path: Path, file: str, line: int, old: str, new: str) -> ImportReport:
    """Import the tiny export with `old` replaced by `new` in one line of one file.

    With `old` empty, `new` is a line added at the end (`line` is then the new last line).
    """
    files = tiny_files()
    if not old:
        files[file].append(new)
        assert len(files[file]) == line
    else:
        assert old in files[file][line - 1]
        files[file][line - 1] = files[file][line - 1].replace(old, new, 1)
    return import_dataset(write_export(tmp_path / "altered", files))


# --- pizza-small: imported twice, once per module, in a transaction rolled back after --------


@dataclass
class PizzaImport:
    first: ImportReport
    second: ImportReport
    counts: dict[str, int]
    quantity: int
    total: Decimal
    item_amount: Decimal
    order_1: Order
    customers: list[Customer]
    stores: list[Store]
    after_first: dict[str, list[tuple[Any, ...]]]
    after_second: dict[str, list[tuple[Any, ...]]]


@pytest.fixture(scope="module")
def pizza_small(django_db_setup, django_db_blocker) -> PizzaImport:
    with django_db_blocker.unblock(), transaction.atomic():
        first = import_dataset(SMALL)
        after_first = snapshot()
        second = import_dataset(SMALL)
        result = PizzaImport(
            first=first,
            second=second,
            counts={m.__name__: m.objects.count() for m in MODELS},
            quantity=OrderItem.objects.aggregate(n=Sum("quantity"))["n"],
            total=sum_of_cents(Order.objects.all(), Round(F("total") * 100)),
            item_amount=sum_of_cents(
                OrderItem.objects.all(), F("quantity") * Round(F("unit_price") * 100)
            ),
            order_1=Order.objects.get(pk=1),
            customers=list(Customer.objects.order_by("id")[:200]),
            stores=list(Store.objects.all()),
            after_first=after_first,
            after_second=snapshot(),
        )
        transaction.set_rollback(True)
    return result


def test_pizza_small_imports_exactly_the_rows_of_the_files(pizza_small):
    items = read_csv(SMALL / "orderItems.csv")
    assert pizza_small.counts == {
        "Store": 32,
        "Customer": 34_761,
        "Ingredient": 20,
        "Product": 36,
        "ProductIngredient": len(read_csv(SMALL / "productingredients.csv")),
        "Order": 20_000,
        "OrderItem": len({(row["orderID"], row["SKU"]) for row in items}),
    }
    assert pizza_small.counts["OrderItem"] == 41_409
    assert pizza_small.quantity == len(items) == 47_039
    assert pizza_small.first.rows_read["orderItems.csv"] == 47_039
    assert pizza_small.first.inserted["order_items"] == 41_409


def test_pizza_small_money_adds_up_to_the_cent(pizza_small):
    totals = sum(Decimal(row["total"]) for row in read_csv(SMALL / "orders.csv"))
    prices = {row["SKU"]: Decimal(row["Price"]) for row in read_csv(SMALL / "products.csv")}
    items = sum(prices[row["SKU"]] for row in read_csv(SMALL / "orderItems.csv"))
    assert pizza_small.total == totals == Decimal("860052.61")
    assert pizza_small.item_amount == items


def test_pizza_small_reads_order_dates_as_utc(pizza_small):
    # orders.csv line 2: 1,"C930155","S486166","2020-01-01 19:52:53",2,32.98
    order = pizza_small.order_1
    assert order.ordered_at == datetime(2020, 1, 1, 19, 52, 53, tzinfo=UTC)
    assert (order.customer_id, order.store_id, order.n_items) == ("C930155", "S486166", 2)
    assert order.total == Decimal("32.98")


def test_pizza_small_orders_all_agree_with_their_items(pizza_small):
    report = pizza_small.first
    assert (report.mismatched_orders, report.orders_without_items) == (0, 0)
    assert report.recipe_text_mismatches == 0


def test_pizza_small_second_import_changes_nothing(pizza_small):
    assert pizza_small.after_second == pizza_small.after_first
    assert set(pizza_small.second.inserted.values()) == {0}
    assert set(pizza_small.second.updated.values()) == {0}


def test_pizza_small_zipcodes_are_five_digit_strings(pizza_small):
    zipcodes = {s.id: s.zipcode for s in pizza_small.stores}
    assert zipcodes["S490972"] == "89834"
    assert all(len(z) == 5 and z.isdigit() for z in zipcodes.values())


def test_pizza_small_nearest_store_is_the_brute_force_nearest(pizza_small):
    stores = sorted(pizza_small.stores, key=lambda s: s.id)
    for customer in pizza_small.customers:
        km = [
            brute_force_km(customer.latitude, customer.longitude, s.latitude, s.longitude)
            for s in stores
        ]
        assert customer.nearest_store_id == stores[km.index(min(km))].id
        assert customer.nearest_store_km == pytest.approx(min(km), abs=1e-9)
        assert len(customer.state_abbr) == 2 and customer.city and len(customer.zipcode) == 5


# --- the tiny export ----------------------------------------------------------------------


@pytest.mark.django_db
def test_tiny_export_imports_rows_quantities_and_prices(tiny):
    report = import_dataset(tiny)
    assert report.inserted == {
        "ingredients": 3,
        "stores": 3,
        "products": 3,
        "product_ingredients": 7,
        "customers": 3,
        "orders": 3,
        "order_items": 5,
    }
    assert report.rows_read["orderItems.csv"] == 6
    items = {
        (i.order_id, i.product_id): (i.quantity, i.unit_price) for i in OrderItem.objects.all()
    }
    assert items == {
        (101, "PZ10"): (2, Decimal("10.00")),
        (101, "PZ11"): (1, Decimal("12.50")),
        (102, "PZ12"): (1, Decimal("7.25")),
        (103, "PZ11"): (1, Decimal("12.50")),
        (103, "PZ12"): (1, Decimal("7.25")),
    }
    product = Product.objects.get(pk="PZ12")
    assert (product.price, product.launch_date) == (Decimal("7.25"), date(2021, 6, 1))
    assert sorted(product.ingredients.values_list("name", flat=True)) == ["Tomato Sauce"]
    assert Store.objects.get(pk="S12").zipcode == "06103"
    assert Store.objects.get(pk="S12").distance is None


@pytest.mark.django_db
def test_customer_fields_are_derived_from_stores_and_zip_centroids(tiny):
    import_dataset(tiny)
    c10, c11, c12 = Customer.objects.order_by("id")
    # C10 stands on store S10, both at ZIP 89501's centroid.
    assert (c10.nearest_store_id, c10.nearest_store_km) == ("S10", 0.0)
    assert (c10.zipcode, c10.city, c10.state_abbr) == ("89501", "Reno", "NV")
    # C11 is one degree of latitude north of S11: 6371.0088 km x pi / 180 = 111.19508 km.
    assert c11.nearest_store_id == "S11"
    assert c11.nearest_store_km == pytest.approx(111.195080, abs=1e-6)
    assert (c11.city, c11.state_abbr) == ("Alamo", "NV")
    # C12 stands on ZIP 95814's centroid in Sacramento; Reno is the nearest store.
    assert (c12.zipcode, c12.city, c12.state_abbr) == ("95814", "Sacramento", "CA")
    assert c12.nearest_store_id == "S10"
    assert c12.nearest_store_km == pytest.approx(
        brute_force_km(38.5804, -121.4922, 39.5268, -119.8113)
    )
    assert c12.nearest_store_km == pytest.approx(179.27, abs=0.01)


@pytest.mark.django_db
def test_order_dates_are_read_in_utc_by_default(tiny):
    import_dataset(tiny)
    assert Order.objects.get(pk=101).ordered_at == datetime(2022, 7, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
@override_settings(EXPORT_TIME_ZONE="America/Los_Angeles")
def test_order_dates_are_read_in_the_export_time_zone(tiny):
    import_dataset(tiny)
    # July: PDT, UTC-7; January: PST, UTC-8 (and the next day in UTC).
    assert Order.objects.get(pk=101).ordered_at == datetime(2022, 7, 1, 19, 0, tzinfo=UTC)
    assert Order.objects.get(pk=103).ordered_at == datetime(2023, 1, 16, 7, 59, 59, tzinfo=UTC)


@pytest.mark.django_db
def test_second_import_of_the_same_files_changes_nothing(tiny_chain, tiny):
    import_dataset(tiny)
    before = snapshot()
    report = import_dataset(tiny)
    assert snapshot() == before
    assert set(report.inserted.values()) == {0} and set(report.updated.values()) == {0}


@pytest.mark.django_db
def test_reimport_updates_a_changed_price_and_adds_a_new_order(tmp_path, tiny):
    import_dataset(tiny)
    files = tiny_files()
    files["products.csv"][1] = files["products.csv"][1].replace("10.00", "11.00")
    files["orders.csv"].append('104,"C12","S11","2023-02-01 18:00:00",2,23.50')
    files["orderItems.csv"] += ['"PZ10",104', '"PZ11",104']
    report = import_dataset(write_export(tmp_path / "changed", files))

    assert Product.objects.get(pk="PZ10").price == Decimal("11.00")
    assert (report.updated["products"], report.inserted["products"]) == (1, 0)
    assert (report.inserted["orders"], report.updated["orders"]) == (1, 0)
    assert (report.inserted["order_items"], report.updated["order_items"]) == (2, 0)
    assert report.inserted["customers"] == report.updated["customers"] == 0
    # The item recorded before the price change keeps its price; the new one has the new one.
    assert OrderItem.objects.get(order=101, product="PZ10").unit_price == Decimal("10.00")
    assert OrderItem.objects.get(order=104, product="PZ10").unit_price == Decimal("11.00")
    assert report.mismatched_orders == 0


@pytest.mark.django_db
def test_reimport_updates_quantity_and_order_figures(tmp_path, tiny):
    import_dataset(tiny)
    files = tiny_files()
    files["orders.csv"][1] = '101,"C10","S10","2022-07-01 12:00:00",4,45.00'
    files["orderItems.csv"].append('"PZ11",101')
    report = import_dataset(write_export(tmp_path / "more", files))
    assert OrderItem.objects.get(order=101, product="PZ11").quantity == 2
    assert (report.updated["order_items"], report.inserted["order_items"]) == (1, 0)
    assert report.updated["orders"] == 1
    assert (Order.objects.get(pk=101).n_items, Order.objects.get(pk=101).total) == (
        4,
        Decimal("45.00"),
    )


@pytest.mark.django_db
def test_rows_may_refer_to_keys_already_in_the_database(tmp_path, tiny_chain):
    files = headers_only()
    files["orders.csv"].append('105,"C1","S1","2023-03-01 18:00:00",2,25.50')
    files["orderItems.csv"] += ['"P1",105', '"P2",105']
    report = import_dataset(write_export(tmp_path / "orders-only", files))
    order = Order.objects.get(pk=105)
    assert (order.customer_id, order.store_id) == ("C1", "S1")
    # The unit price comes from the database when products.csv does not list the SKU.
    prices = dict(order.items.values_list("product_id", "unit_price"))
    assert prices == {"P1": Decimal("10.00"), "P2": Decimal("15.50")}
    assert report.mismatched_orders == 0
    assert report.rows_read["customers.csv"] == 0


@pytest.mark.django_db
def test_a_new_store_becomes_the_nearest_store_of_existing_customers(tmp_path, tiny):
    import_dataset(tiny)
    files = headers_only()
    files["stores.csv"].append('"S13",89001,"NV",37.1721,-115.1224,"Alamo","Nevada",1.0')
    report = import_dataset(write_export(tmp_path / "new-store", files))
    c11 = Customer.objects.get(pk="C11")
    assert (c11.nearest_store_id, c11.nearest_store_km, c11.city) == ("S13", 0.0, "Alamo")
    assert report.updated["customers"] == 1
    assert Customer.objects.get(pk="C10").nearest_store_id == "S10"


@pytest.mark.django_db
def test_orders_that_disagree_with_their_items_are_kept_and_reported(tmp_path):
    files = tiny_files()
    files["orders.csv"][1] = '101,"C10","S10","2022-07-01 12:00:00",4,32.50'  # 3 items
    files["orders.csv"][2] = '102,"C11","S11","2022-07-02 19:30:00",1,7.24'  # 7.25
    files["orders.csv"].append('104,"C12","S11","2023-02-01 18:00:00",0,0.00')  # no items
    report = import_dataset(write_export(tmp_path / "mismatched", files))
    assert (report.mismatched_orders, report.mismatched_order_ids) == (2, [101, 102])
    assert (report.orders_without_items, report.orders_without_items_ids) == (1, [104])
    assert Order.objects.get(pk=101).n_items == 4
    assert Order.objects.get(pk=102).total == Decimal("7.24")
    assert "disagree with their items: 2 (101, 102)" in report.summary()


@pytest.mark.django_db
def test_ingredient_text_that_disagrees_with_the_relation_is_a_warning(tmp_path):
    files = tiny_files()
    files["products.csv"][3] = files["products.csv"][3].replace(
        '"Tomato Sauce"', '"Tomato Sauce, Basil"'
    )
    report = import_dataset(write_export(tmp_path / "recipe", files))
    assert (report.recipe_text_mismatches, report.recipe_text_mismatch_skus) == (1, ["PZ12"])
    assert list(Product.objects.get(pk="PZ12").ingredients.values_list("name", flat=True)) == [
        "Tomato Sauce"
    ]


# --- rejected rows: file, line, reason; nothing written ------------------------------------

BAD_ROWS = [
    # (file, line, old text, new text, reason)
    ("orders.csv", 3, ",7.25", ",-3.00", "total '-3.00' is negative"),
    ("orders.csv", 2, ",32.50", ",32.505", "total '32.505' has more than 2 decimal places"),
    ("orders.csv", 2, ",3,", ",three,", "nItems 'three' is not a whole number"),
    ("orders.csv", 2, ",3,", ",-3,", "nItems '-3' is negative"),
    (
        "orders.csv",
        4,
        "2023-01-15 23:59:59",
        "2023-02-30 10:00:00",
        "orderDate '2023-02-30 10:00:00' is not a date and time (YYYY-MM-DD HH:MM:SS)",
    ),
    (
        "orders.csv",
        4,
        "2023-01-15 23:59:59",
        "2023-01-15T23:59:59",
        "orderDate '2023-01-15T23:59:59' is not a date and time (YYYY-MM-DD HH:MM:SS)",
    ),
    (
        "orders.csv",
        3,
        '"C11"',
        '"C99"',
        "customerID 'C99' is neither in customers.csv nor in the database",
    ),
    (
        "orders.csv",
        3,
        '"S11"',
        '"S99"',
        "storeID 'S99' is neither in stores.csv nor in the database",
    ),
    ("orders.csv", 3, '"C11"', '""', "customerID is empty"),
    (
        "orders.csv",
        5,
        "",
        '101,"C10","S10","2022-07-01 12:00:00",3,32.50',
        "duplicate orderID '101' (first on line 2)",
    ),
    (
        "orders.csv",
        5,
        "",
        '0,"C10","S10","2022-07-01 12:00:00",0,0.00',
        "orderID '0' is less than 1",
    ),
    (
        "orders.csv",
        5,
        "",
        '104,"C10","S10","2022-07-01 12:00:00",0,0.00,1',
        "expected 6 fields, found 7",
    ),
    (
        "orders.csv",
        5,
        "",
        '104,"C10","S10","2022-07-01 12:00:00",0.00',
        "expected 6 fields, found 5",
    ),
    (
        "orderItems.csv",
        5,
        '"PZ12"',
        '"PZ99"',
        "SKU 'PZ99' is neither in products.csv nor in the database",
    ),
    (
        "orderItems.csv",
        5,
        ",102",
        ",999",
        "orderID '999' is neither in orders.csv nor in the database",
    ),
    ("orderItems.csv", 5, '"PZ12"', '""', "SKU is empty"),
    ("products.csv", 2, ",10.00,", ",-10.00,", "Price '-10.00' is negative"),
    ("products.csv", 2, ",10.00,", ",ten,", "Price 'ten' is not a number"),
    (
        "products.csv",
        4,
        "2021-06-01",
        "2021-06-31",
        "Launch '2021-06-31' is not a date (YYYY-MM-DD)",
    ),
    ("products.csv", 4, '"Marinara"', '""', "Name is empty"),
    (
        "products.csv",
        5,
        "",
        '"PZ11","Margherita",12.50,"Classic","Large","","2018-01-01"',
        "duplicate SKU 'PZ11' (first on line 3)",
    ),
    ("customers.csv", 2, "39.5268", "abc", "latitude 'abc' is not a number"),
    ("customers.csv", 2, "39.5268", "91.5", "latitude '91.5' is out of range (-90 to 90)"),
    (
        "customers.csv",
        5,
        "",
        '"C10",39.5268,-119.8113',
        "duplicate customerID 'C10' (first on line 2)",
    ),
    ("stores.csv", 3, "-115.1224", "-181", "longitude '-181' is out of range (-180 to 180)"),
    ("stores.csv", 3, "89101", "ABC", "zipcode 'ABC' is not a 5-digit ZIP code"),
    ("stores.csv", 3, '"NV"', '"NEV"', "state_abbr 'NEV' is longer than 2 characters"),
    (
        "stores.csv",
        5,
        "",
        '"S10",89501,"NV",39.5268,-119.8113,"Reno","Nevada",10.5',
        "duplicate storeID 'S10' (first on line 2)",
    ),
    ("ingredients.csv", 5, "", '101,"Sauce"', "duplicate IngredientID '101' (first on line 2)"),
    (
        "ingredients.csv",
        5,
        "",
        '104,"Tomato Sauce"',
        "duplicate Name 'Tomato Sauce' (first on line 2)",
    ),
    ("ingredients.csv", 5, "", '-2,"Oregano"', "IngredientID '-2' is negative"),
    (
        "productingredients.csv",
        9,
        "",
        '"PZ10",101',
        "duplicate pair SKU 'PZ10', IngredientID '101' (first on line 2)",
    ),
    (
        "productingredients.csv",
        3,
        ",102",
        ",999",
        "IngredientID '999' is neither in ingredients.csv nor in the database",
    ),
    (
        "productingredients.csv",
        8,
        '"PZ12"',
        '"PZ99"',
        "SKU 'PZ99' is neither in products.csv nor in the database",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "line", "old", "new", "reason"), BAD_ROWS, ids=[case[-1] for case in BAD_ROWS]
)
def test_a_bad_row_is_rejected_with_file_line_and_reason(
    tmp_path, tiny_chain, file, line, old, new, reason
):
    before = snapshot()
    with pytest.raises(ImportFailed) as failed:
        import_with(tmp_path, file, line, old, new)
    assert failed.value.errors == [RowError(file, line, reason)]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_missing_file_is_rejected(tmp_path, tiny_chain, tiny):
    (tiny / "orderItems.csv").unlink()
    before = snapshot()
    with pytest.raises(ImportFailed) as failed:
        import_dataset(tiny)
    assert failed.value.errors == [RowError("orderItems.csv", None, "file not found")]
    assert snapshot() == before


@pytest.mark.django_db
def test_a_missing_directory_is_rejected(tmp_path):
    with pytest.raises(ImportFailed, match="directory not found"):
        import_dataset(tmp_path / "nowhere")


@pytest.mark.django_db
def test_a_missing_column_is_rejected_without_a_flood_of_unknown_keys(tmp_path, tiny_chain):
    before = snapshot()
    with pytest.raises(ImportFailed) as failed:
        import_with(tmp_path, "customers.csv", 1, ',"latitude"', "")
    # Orders refer to these customers: the broken file does not make them unknown.
    assert failed.value.errors == [RowError("customers.csv", 1, "missing column 'latitude'")]
    assert snapshot() == before


@pytest.mark.django_db
def test_lines_are_physical_lines_when_a_quoted_field_spans_two(tmp_path):
    files = tiny_files()
    files["products.csv"][1] = files["products.csv"][1].replace(
        "Mozzarella, Basil", "Mozzarella,\r\nBasil"
    )
    files["products.csv"][2] = files["products.csv"][2].replace("12.50", "-12.50")
    with pytest.raises(ImportFailed) as failed:
        import_dataset(write_export(tmp_path / "multiline", files))
    assert failed.value.errors == [RowError("products.csv", 4, "Price '-12.50' is negative")]


@pytest.mark.django_db
def test_blank_lines_are_skipped_and_still_counted_as_lines(tmp_path):
    files = tiny_files()
    files["orders.csv"].insert(2, "")
    files["orders.csv"][4] = files["orders.csv"][4].replace("19.75", "-19.75")
    with pytest.raises(ImportFailed) as failed:
        import_dataset(write_export(tmp_path / "blank", files))
    assert failed.value.errors == [RowError("orders.csv", 5, "total '-19.75' is negative")]


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_rejected_at_its_line(tmp_path, tiny):
    lines = (tiny / "customers.csv").read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"C11", b"C\xe911")  # Latin-1 e-acute
    (tiny / "customers.csv").write_bytes(b"\r\n".join(lines))
    with pytest.raises(ImportFailed) as failed:
        import_dataset(tiny)
    assert failed.value.errors == [RowError("customers.csv", 3, "is not UTF-8 text")]


@pytest.mark.django_db
def test_all_problems_in_all_files_are_reported_together(tmp_path, tiny_chain):
    files = tiny_files()
    files["stores.csv"][2] = files["stores.csv"][2].replace("36.1721", "-95")
    files["orders.csv"][3] = files["orders.csv"][3].replace("19.75", "-1.00")
    files["orderItems.csv"].append('"PZ10",777')
    before = snapshot()
    with pytest.raises(ImportFailed) as failed:
        import_dataset(write_export(tmp_path / "several", files))
    assert [str(error) for error in failed.value.errors] == [
        "stores.csv line 3: latitude '-95' is out of range (-90 to 90)",
        "orders.csv line 4: total '-1.00' is negative",
        "orderItems.csv line 8: orderID '777' is neither in orders.csv nor in the database",
    ]
    assert snapshot() == before


@pytest.mark.django_db
def test_an_ingredient_name_may_not_move_onto_another_id(tmp_path):
    import_dataset(write_export(tmp_path / "first", tiny_files()))
    files = headers_only()
    files["ingredients.csv"].append('104,"Basil"')
    with pytest.raises(ImportFailed) as failed:
        import_dataset(write_export(tmp_path / "second", files))
    assert failed.value.errors == [
        RowError("ingredients.csv", 2, "Name 'Basil' belongs to ingredient 103 in the database")
    ]


@pytest.mark.django_db
def test_a_failure_while_writing_rolls_everything_back(monkeypatch, tiny_chain, tiny):
    before = snapshot()

    def fail(imported):
        raise RuntimeError("disk full")

    monkeypatch.setattr("dataset.importer.run.check_orders", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_dataset(tiny)
    assert snapshot() == before


@pytest.mark.django_db
def test_the_stored_errors_are_capped_but_all_are_counted(tmp_path):
    files = tiny_files()
    files["orderItems.csv"] += [f'"PZ10",{9000 + n}' for n in range(1_200)]
    with pytest.raises(ImportFailed) as failed:
        import_dataset(write_export(tmp_path / "many", files))
    assert (len(failed.value.errors), failed.value.total) == (1_000, 1_200)
    assert failed.value.errors[-1] == RowError(
        "orderItems.csv", 1_007, "orderID '9999' is neither in orders.csv nor in the database"
    )


def table_structure() -> dict[str, set[tuple[Any, ...]]]:
    """Each written table's indexes and constraints, as the database describes them."""
    structure = {}
    with connection.cursor() as cursor:
        for model in MODELS:
            table = model._meta.db_table
            found = connection.introspection.get_constraints(cursor, table)
            structure[table] = {
                (name, tuple(c["columns"]), c["unique"], c["index"], c["foreign_key"])
                for name, c in found.items()
            }
    return structure


@pytest.mark.django_db
def test_a_bulk_load_rebuilds_the_indexes_and_keys_it_dropped(monkeypatch, tiny):
    monkeypatch.setattr("dataset.importer.bulkload.BULK_LOAD_ROWS", 1)
    before = table_structure()
    report = import_dataset(tiny)
    assert table_structure() == before
    assert report.inserted["order_items"] == OrderItem.objects.count() == 5
    assert Order.objects.filter(store__city="Reno").count() == 2


@pytest.mark.django_db
def test_a_failed_bulk_load_gets_its_indexes_back(monkeypatch, tiny):
    monkeypatch.setattr("dataset.importer.bulkload.BULK_LOAD_ROWS", 1)
    monkeypatch.setattr("dataset.importer.run.check_orders", lambda imported: 1 / 0)
    before, rows = table_structure(), snapshot()
    with pytest.raises(ZeroDivisionError):
        import_dataset(tiny)
    assert table_structure() == before
    assert snapshot() == rows


# --- the management command ----------------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_the_summary(tiny, capsys):
    call_command("import_dataset", str(tiny), "--no-progress")
    out = capsys.readouterr().out
    assert "order_items                   5          0" in out
    assert "Orders whose nItems or total disagree with their items: 0" in out
    assert Order.objects.count() == 3


@pytest.mark.django_db
def test_command_shows_progress_bars_when_asked(tiny, capsys):
    call_command("import_dataset", str(tiny), "--progress")
    err = capsys.readouterr().err
    assert "read orderItems.csv" in err and "write order_items" in err


@pytest.mark.django_db
def test_command_lists_rejected_rows(tmp_path):
    files = tiny_files()
    files["orders.csv"][2] = files["orders.csv"][2].replace("7.25", "-3.00")
    with pytest.raises(CommandError) as failed:
        call_command("import_dataset", str(write_export(tmp_path / "bad", files)))
    assert "orders.csv line 3: total '-3.00' is negative" in str(failed.value)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_command_lists_the_first_50_problems_and_counts_the_rest(tmp_path):
    files = tiny_files()
    files["orderItems.csv"] += [f'"PZ10",{9000 + n}' for n in range(60)]
    with pytest.raises(CommandError) as failed:
        call_command("import_dataset", str(write_export(tmp_path / "many", files)))
    lines = str(failed.value).splitlines()
    assert lines[0] == "The export was rejected (60 problems); nothing was written."
    assert (
        lines[1]
        == "orderItems.csv line 8: orderID '9000' is neither in orders.csv nor in the database"
    )
    assert len(lines) == 52 and lines[-1] == "... and 10 more"
