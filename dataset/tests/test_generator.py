"""The sample-data generator: byte format, determinism, consistency and the realism it
promises, measured on generated exports of a few thousand orders with fixed seeds."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import zipcodes
from django.core.management import CommandError, call_command

from dataset.generator import GeneratorConfig, default_customers, generate
from dataset.generator.config import HOLIDAY_FACTORS
from dataset.generator.orders import draw_products
from dataset.generator.timeline import named_days, super_bowl_sunday, utc_offset_seconds

LOCAL = ZoneInfo("America/Los_Angeles")
FILES = (
    "customers.csv",
    "stores.csv",
    "products.csv",
    "ingredients.csv",
    "productingredients.csv",
    "orders.csv",
    "orderItems.csv",
)
HEADERS = {
    "customers.csv": '"customerID","latitude","longitude"',
    "stores.csv": (
        '"storeID","zipcode","state_abbr","latitude","longitude","city","state","distance"'
    ),
    "products.csv": '"SKU","Name","Price","Category","Size","Ingredients","Launch"',
    "ingredients.csv": '"IngredientID","Name"',
    "productingredients.csv": '"SKU","IngredientID"',
    "orders.csv": '"orderID","customerID","storeID","orderDate","nItems","total"',
    "orderItems.csv": '"SKU","orderID"',
}
NUMBER = r"-?\d+\.\d+"
ROW_PATTERNS = {
    "customers.csv": rf'"C\d{{6}}",{NUMBER},{NUMBER}',
    "stores.csv": (
        rf'"S\d{{6}}",\d{{5}},"[A-Z]{{2}}",{NUMBER},{NUMBER},"[^"]+","[A-Za-z ]+",{NUMBER}'
    ),
    "products.csv": r'"PZ\d{3}","[^"]+",\d+\.\d\d,"[^"]+","[^"]+","[^"]+","\d{4}-\d\d-\d\d"',
    "ingredients.csv": r'\d+,"[^"]+"',
    "productingredients.csv": r'"PZ\d{3}",\d+',
    "orders.csv": r'\d+,"C\d{6}","S\d{6}","\d{4}-\d\d-\d\d \d\d:\d\d:\d\d",[1-9]\d*,\d+\.\d\d',
    "orderItems.csv": r'"PZ\d{3}",\d+',
}


@dataclass
class Export:
    """A generated export: its directory and its files parsed as dicts."""

    directory: Path
    tables: dict[str, list[dict[str, str]]]

    def __getitem__(self, name: str) -> list[dict[str, str]]:
        return self.tables[name]

    def local_times(self) -> list[datetime]:
        """Each order's time converted back from UTC to chain-local time."""
        return [utc(row["orderDate"]).astimezone(LOCAL) for row in self["orders.csv"]]


def utc(text: str) -> datetime:
    """An orderDate as an aware UTC datetime."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def read_export(directory: Path) -> Export:
    """Parse every file of an export."""
    tables = {}
    for name in FILES:
        with open(directory / name, newline="", encoding="utf-8") as handle:
            tables[name] = list(csv.DictReader(handle))
    return Export(directory, tables)


def write(directory: Path, **fields) -> Path:
    """Generate an export into `directory` and return it."""
    generate(GeneratorConfig(**fields), directory)
    return directory


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Export:
    """5,000 orders with seed 2024 and default realism."""
    return read_export(write(tmp_path_factory.mktemp("export"), orders=5_000, seed=2024))


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle km on the mean Earth sphere; arrays broadcast."""
    p1, p2, dl = np.radians(lat1), np.radians(lat2), np.radians(lon2) - np.radians(lon1)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371.0088 * np.arcsin(np.sqrt(h))


def customer_store_km(export: Export) -> tuple[dict[str, int], list[str], np.ndarray]:
    """Customer ID -> row, store IDs, and the km matrix (customers x stores)."""
    customers, stores = export["customers.csv"], export["stores.csv"]
    lat = np.array([float(c["latitude"]) for c in customers])
    lon = np.array([float(c["longitude"]) for c in customers])
    slat = np.array([float(s["latitude"]) for s in stores])
    slon = np.array([float(s["longitude"]) for s in stores])
    km = haversine_km(lat[:, None], lon[:, None], slat[None, :], slon[None, :])
    return {c["customerID"]: i for i, c in enumerate(customers)}, [s["storeID"] for s in stores], km


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_and_arguments_write_byte_identical_files(tmp_path):
    first = write(tmp_path / "a", orders=2_000, seed=5)
    second = write(tmp_path / "b", orders=2_000, seed=5)
    for name in FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_different_seed_writes_different_files(tmp_path):
    first = write(tmp_path / "a", orders=2_000, seed=5)
    second = write(tmp_path / "b", orders=2_000, seed=6)
    for name in ("customers.csv", "stores.csv", "orders.csv", "orderItems.csv"):
        assert (first / name).read_bytes() != (second / name).read_bytes(), name


def test_a_mismatch_rate_changes_only_totals(tmp_path):
    plain = read_export(write(tmp_path / "a", orders=2_000, seed=5))
    skewed = read_export(write(tmp_path / "b", orders=2_000, seed=5, mismatch_rate=0.1))
    for name in FILES:
        if name != "orders.csv":
            assert plain[name] == skewed[name], name
    strip = [{k: v for k, v in row.items() if k != "total"} for row in plain["orders.csv"]]
    assert strip == [{k: v for k, v in r.items() if k != "total"} for r in skewed["orders.csv"]]


# --- format ----------------------------------------------------------------------------------


def test_every_file_starts_with_the_exports_quoted_header(export):
    for name in FILES:
        first_line = (export.directory / name).read_bytes().split(b"\r\n", 1)[0]
        assert first_line.decode() == HEADERS[name], name


def test_every_line_ends_in_crlf(export):
    for name in FILES:
        data = (export.directory / name).read_bytes()
        assert data.endswith(b"\r\n"), name
        assert data.count(b"\n") == data.count(b"\r\n") == data.count(b"\r"), name


def test_strings_are_quoted_and_numbers_bare_on_every_row(export):
    for name in FILES:
        lines = (export.directory / name).read_bytes().decode().split("\r\n")[1:-1]
        pattern = re.compile(ROW_PATTERNS[name])
        bad = [line for line in lines if not pattern.fullmatch(line)]
        assert lines and not bad, (name, bad[:3])


def test_ids_are_unique_and_shaped_like_the_chains(export):
    for name, column in (("customers.csv", "customerID"), ("stores.csv", "storeID")):
        ids = [row[column] for row in export[name]]
        assert len(set(ids)) == len(ids)
    skus = [row["SKU"] for row in export["products.csv"]]
    assert skus == [f"PZ{n:03d}" for n in range(1, 37)]


def test_order_ids_run_from_one_in_time_order(export):
    orders = export["orders.csv"]
    assert [int(row["orderID"]) for row in orders] == list(range(1, 5_001))
    stamps = [row["orderDate"] for row in orders]
    assert stamps == sorted(stamps)


def test_orders_are_placed_between_10_and_midnight_chain_local_time(export):
    local = export.local_times()
    assert min(t.hour for t in local) == 10
    assert max(t.hour for t in local) == 23
    assert min(t.date() for t in local) >= date(2020, 1, 1)
    assert max(t.date() for t in local) <= date(2022, 12, 31)


def test_utc_offset_follows_daylight_saving_time():
    assert utc_offset_seconds(date(2021, 1, 15)) == -8 * 3600
    assert utc_offset_seconds(date(2021, 7, 15)) == -7 * 3600
    assert utc_offset_seconds(date(2021, 3, 14)) == -7 * 3600  # DST starts at 2:00 that day


def test_summer_orders_are_seven_hours_behind_utc_and_winter_orders_eight(export):
    offsets = Counter(
        (t.month, int(t.utcoffset().total_seconds()) // 3600)
        for t in export.local_times()
        if t.month in (1, 7)
    )
    assert set(offsets) == {(1, -8), (7, -7)}


# --- consistency -----------------------------------------------------------------------------


def item_sums(export: Export) -> tuple[Counter, dict[str, Decimal]]:
    """Item rows and their price sum per orderID."""
    price = {row["SKU"]: Decimal(row["Price"]) for row in export["products.csv"]}
    count: Counter = Counter()
    total: dict[str, Decimal] = {}
    for row in export["orderItems.csv"]:
        count[row["orderID"]] += 1
        total[row["orderID"]] = total.get(row["orderID"], Decimal("0")) + price[row["SKU"]]
    return count, total


def test_n_items_and_total_agree_exactly_with_the_item_rows(export):
    count, total = item_sums(export)
    for row in export["orders.csv"]:
        assert int(row["nItems"]) == count[row["orderID"]]
        assert Decimal(row["total"]) == total[row["orderID"]]


def test_mismatch_rate_makes_exactly_that_share_of_totals_wrong(tmp_path):
    skewed = read_export(write(tmp_path, orders=2_000, seed=9, mismatch_rate=0.05))
    count, total = item_sums(skewed)
    orders = skewed["orders.csv"]
    assert all(int(row["nItems"]) == count[row["orderID"]] for row in orders)
    wrong = [row for row in orders if Decimal(row["total"]) != total[row["orderID"]]]
    assert len(wrong) == 100
    assert all(Decimal(row["total"]) > 0 for row in wrong)


def test_product_ingredients_text_matches_the_productingredients_rows(export):
    name = {row["IngredientID"]: row["Name"] for row in export["ingredients.csv"]}
    recipe: dict[str, list[str]] = {}
    for row in export["productingredients.csv"]:
        recipe.setdefault(row["SKU"], []).append(name[row["IngredientID"]])
    for product in export["products.csv"]:
        assert product["Ingredients"].split(", ") == recipe[product["SKU"]]


def test_prices_rise_with_size_for_every_pizza(export):
    sizes = ["Small", "Medium", "Large", "Extra Large"]
    by_name: dict[str, dict[str, Decimal]] = {}
    for row in export["products.csv"]:
        by_name.setdefault(row["Name"], {})[row["Size"]] = Decimal(row["Price"])
    assert len(by_name) == 9
    for prices in by_name.values():
        assert [prices[size] for size in sizes] == sorted({prices[size] for size in sizes})


# --- realism ---------------------------------------------------------------------------------


def test_no_item_is_sold_before_its_products_launch(export):
    launch = {row["SKU"]: date.fromisoformat(row["Launch"]) for row in export["products.csv"]}
    placed = {
        row["orderID"]: utc(row["orderDate"]).astimezone(LOCAL).date()
        for row in export["orders.csv"]
    }
    early = [r for r in export["orderItems.csv"] if placed[r["orderID"]] < launch[r["SKU"]]]
    assert early == []


def test_launches_run_from_before_the_first_order_into_the_period(export):
    launches = {date.fromisoformat(row["Launch"]) for row in export["products.csv"]}
    assert min(launches) < date(2020, 1, 1)
    inside = {day for day in launches if date(2020, 1, 1) < day <= date(2022, 12, 31)}
    assert len(inside) >= 2
    sold = {row["SKU"] for row in export["orderItems.csv"]}
    assert len(sold) == 36  # late launches sell too


def test_fridays_and_saturdays_sell_more_per_day_than_mondays_and_tuesdays(export):
    per_weekday = Counter(t.weekday() for t in export.local_times())
    # Each weekday occurs 156 or 157 times in 2020-2022: compare per day.
    days = Counter(date.fromordinal(n).weekday() for n in range(737425, 738521))
    weekend = (per_weekday[4] + per_weekday[5]) / (days[4] + days[5])
    early_week = (per_weekday[0] + per_weekday[1]) / (days[0] + days[1])
    assert weekend > 1.3 * early_week


def test_every_later_year_has_more_orders_than_the_first(export):
    per_year = Counter(t.year for t in export.local_times())
    assert per_year[2021] > 1.1 * per_year[2020]
    assert per_year[2022] > 1.1 * per_year[2021]


def test_orders_peak_at_lunch_and_dinner(export):
    per_hour = Counter(t.hour for t in export.local_times())
    assert per_hour[12] > 2 * per_hour[15]
    assert per_hour[18] > 3 * per_hour[15]
    assert per_hour[18] > per_hour[12]


def test_holidays_and_peak_days_sell_more_than_an_average_day(export):
    local = export.local_times()
    per_day = Counter(t.date() for t in local)
    peaks = [date(y, m, d) for y in (2020, 2021, 2022) for m, d in ((1, 1), (7, 4), (10, 31))]
    peaks += [date(y, 12, 31) for y in (2020, 2021, 2022)]
    peaks += [super_bowl_sunday(y) for y in (2020, 2021, 2022)]
    average = len(local) / 1096
    assert sum(per_day[day] for day in peaks) / len(peaks) > 1.5 * average


def test_super_bowl_sunday_is_the_second_sunday_of_february():
    assert super_bowl_sunday(2022) == date(2022, 2, 13)
    assert super_bowl_sunday(2021) == date(2021, 2, 14)
    assert super_bowl_sunday(2026) == date(2026, 2, 8)


def test_every_holiday_factor_names_a_day_of_every_year():
    found = Counter(name for names in named_days([2020, 2021, 2022]).values() for name in names)
    assert {name: found[name] for name, _ in HOLIDAY_FACTORS} == {
        name: 3 for name, _ in HOLIDAY_FACTORS
    }


def test_draw_products_follows_the_months_weights_and_never_picks_weight_zero():
    weights = np.array([[1.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 5.0]])
    month = np.repeat([0, 1], 10_000)
    drawn = draw_products(np.random.default_rng(0), month, weights)
    assert set(drawn[:10_000].tolist()) == {0, 2}
    assert set(drawn[10_000:].tolist()) == {3}
    assert 0.64 < np.mean(drawn[:10_000] == 2) < 0.69


def test_a_product_launched_in_the_period_ramps_up(tmp_path):
    ramp = read_export(write(tmp_path, orders=10_000, seed=4))
    launch = {row["SKU"]: row["Launch"] for row in ramp["products.csv"]}
    month = {
        row["orderID"]: utc(row["orderDate"]).astimezone(LOCAL).strftime("%Y-%m")
        for row in ramp["orders.csv"]
    }
    items = ramp["orderItems.csv"]
    new = [month[row["orderID"]] for row in items if launch[row["SKU"]] == "2021-05-01"]
    first_months, year_on = {"2021-05", "2021-06"}, {"2022-05", "2022-06"}

    def share(months: set[str]) -> float:
        return sum(m in months for m in new) / sum(month[r["orderID"]] in months for r in items)

    assert "2021-04" not in new
    assert share(first_months) < 0.7 * share(year_on)


def test_most_orders_go_to_the_customers_nearest_store(export):
    row, store_ids, km = customer_store_km(export)
    nearest = [store_ids[i] for i in km.argmin(axis=1)]
    orders = export["orders.csv"]
    at_nearest = sum(nearest[row[o["customerID"]]] == o["storeID"] for o in orders)
    assert 0.78 < at_nearest / len(orders) < 0.92


def test_most_customers_live_within_10_km_of_a_store_with_a_tail_beyond_40(tmp_path):
    spread = read_export(write(tmp_path, orders=500, customers=5_000, seed=3))
    _, _, km = customer_store_km(spread)
    nearest_km = km.min(axis=1)
    assert 0.75 < np.mean(nearest_km < 10) < 0.95
    assert 0.01 < np.mean(nearest_km > 20) < 0.15
    assert 5 < np.sum(nearest_km > 40) < 100


def test_top_tenth_of_customers_place_over_30_percent_of_orders(export):
    per_customer = sorted(Counter(row["customerID"] for row in export["orders.csv"]).values())
    everyone = per_customer + [0] * (len(export["customers.csv"]) - len(per_customer))
    top = sorted(everyone, reverse=True)[: len(everyone) // 10]
    assert sum(top) > 0.30 * len(export["orders.csv"])


def test_items_per_order_run_1_to_6_mostly_1_to_3(export):
    n_items = Counter(int(row["nItems"]) for row in export["orders.csv"])
    assert set(n_items) == {1, 2, 3, 4, 5, 6}
    assert n_items[1] + n_items[2] + n_items[3] > 0.75 * 5_000


def test_some_orders_hold_two_of_the_same_pizza(export):
    pairs = Counter((row["orderID"], row["SKU"]) for row in export["orderItems.csv"])
    orders_with_repeats = {order for (order, _), n in pairs.items() if n > 1}
    assert 0.05 * 5_000 < len(orders_with_repeats) < 0.4 * 5_000


def test_stores_sit_at_real_zip_codes_in_ca_nv_az_ut_weighted_to_california(export):
    names = {"CA": "California", "NV": "Nevada", "AZ": "Arizona", "UT": "Utah"}
    stores = export["stores.csv"]
    assert len(stores) == 32
    for store in stores:
        entry = zipcodes.matching(store["zipcode"])[0]
        assert (entry["state"], entry["city"]) == (store["state_abbr"], store["city"])
        assert store["state"] == names[store["state_abbr"]]
        assert float(store["distance"]) > 0
    per_state = Counter(store["state_abbr"] for store in stores)
    assert set(per_state) == set(names)
    assert per_state["CA"] == max(per_state.values())


# --- parameters and command ------------------------------------------------------------------


def test_default_customers_scale_with_orders():
    assert default_customers(1_000) == 200
    assert default_customers(120_000) == 10_000
    assert default_customers(10_000_000) == 35_000


def test_config_refuses_a_mismatch_rate_outside_0_to_1():
    with pytest.raises(ValueError, match="mismatch_rate"):
        GeneratorConfig(orders=10, mismatch_rate=1.5)


def test_command_writes_the_seven_files_and_reports_counts(tmp_path):
    out = io.StringIO()
    call_command("generate_sample_data", orders=500, seed=1, out=str(tmp_path), years=1, stdout=out)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(FILES)
    assert "Wrote 500 orders" in out.getvalue()
    local = read_export(tmp_path).local_times()
    assert {t.year for t in local} == {2020}


def test_command_turns_bad_arguments_into_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="mismatch_rate"):
        call_command("generate_sample_data", orders=10, out=str(tmp_path), mismatch_rate=2.0)


# --- round trip through the importer ----------------------------------------------------------


@pytest.mark.django_db
def test_a_generated_export_imports_with_the_files_counts_and_revenue(tmp_path):
    from django.db.models import F, Sum

    from customers.models import Customer
    from dataset.importer import import_dataset
    from orders.models import Order, OrderItem
    from products.models import Ingredient, Product, ProductIngredient
    from stores.models import Store

    files = read_export(write(tmp_path, orders=2_000, seed=11, mismatch_rate=0.01))
    report = import_dataset(tmp_path)

    assert Store.objects.count() == len(files["stores.csv"]) == 32
    assert Customer.objects.count() == len(files["customers.csv"])
    assert Product.objects.count() == len(files["products.csv"]) == 36
    assert Ingredient.objects.count() == len(files["ingredients.csv"])
    assert ProductIngredient.objects.count() == len(files["productingredients.csv"])
    assert Order.objects.count() == len(files["orders.csv"]) == 2_000
    pairs = {(row["orderID"], row["SKU"]) for row in files["orderItems.csv"]}
    assert OrderItem.objects.count() == len(pairs)
    assert OrderItem.objects.aggregate(n=Sum("quantity"))["n"] == len(files["orderItems.csv"])
    # SQLite sums decimals in floating point: round the database's sums to the cent.
    cent = Decimal("0.01")
    file_revenue = sum(Decimal(row["total"]) for row in files["orders.csv"])
    order_revenue = Order.objects.aggregate(total=Sum("total"))["total"]
    assert Decimal(order_revenue).quantize(cent) == file_revenue
    _, item_total = item_sums(files)
    item_revenue = OrderItem.objects.aggregate(total=Sum(F("quantity") * F("unit_price")))
    assert Decimal(item_revenue["total"]).quantize(cent) == sum(item_total.values())
    assert file_revenue != sum(item_total.values())  # the 20 wrong totals
    assert report.mismatched_orders == 20
    assert report.recipe_text_mismatches == 0
