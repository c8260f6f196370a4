"""Reading and validating the seven files of an export into rows, ready to write.

Nothing here writes. Every rejected row is logged with its file, line and reason; keys are
checked for duplicates within a file and for existence in the files or, when absent from them,
in the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any

from django.db import models

from customers.models import Customer
from dataset.importer.csvfile import CsvRows, Row, tally_rows
from dataset.importer.errors import ErrorLog
from dataset.importer.keys import Keys
from dataset.importer.parsers import (
    Field,
    day,
    latitude,
    longitude,
    memoized,
    moment,
    money,
    optional,
    real,
    text,
    whole,
    zipcode,
)
from orders.models import Order
from products.models import Ingredient, Product
from stores.models import Store

INGREDIENTS, STORES, PRODUCTS = "ingredients.csv", "stores.csv", "products.csv"
PRODUCT_INGREDIENTS, CUSTOMERS = "productingredients.csv", "customers.csv"
ORDERS, ORDER_ITEMS = "orders.csv", "orderItems.csv"
FILES = (INGREDIENTS, STORES, PRODUCTS, PRODUCT_INGREDIENTS, CUSTOMERS, ORDERS, ORDER_ITEMS)


def _id(header: str, model: type[models.Model]) -> Field:
    """A text key column, parsed once per distinct value (keys repeat in the big files)."""
    return Field(header, memoized(text(model._meta.pk.max_length)))  # type: ignore[union-attr]


def _text(header: str, model: type[models.Model], name: str) -> Field:
    return Field(header, text(model._meta.get_field(name).max_length))  # type: ignore[union-attr,arg-type]


def _money(header: str, model: type[models.Model], name: str) -> Field:
    digits = model._meta.get_field(name).max_digits  # type: ignore[union-attr]
    return Field(header, memoized(money(digits)))  # type: ignore[arg-type]


def _fields(zone: tzinfo) -> dict[str, tuple[Field, ...]]:
    """The columns read from each file, in the order of the rows built from them."""
    return {
        INGREDIENTS: (Field("IngredientID", whole()), _text("Name", Ingredient, "name")),
        STORES: (
            _id("storeID", Store),
            Field("zipcode", zipcode),
            _text("city", Store, "city"),
            _text("state", Store, "state"),
            _text("state_abbr", Store, "state_abbr"),
            Field("latitude", latitude),
            Field("longitude", longitude),
            Field("distance", optional(real), required=False),
        ),
        PRODUCTS: (
            _id("SKU", Product),
            _text("Name", Product, "name"),
            _money("Price", Product, "price"),
            _text("Category", Product, "category"),
            _text("Size", Product, "size"),
            Field("Launch", day),
            Field("Ingredients", str, required=False),
        ),
        PRODUCT_INGREDIENTS: (_id("SKU", Product), Field("IngredientID", memoized(whole()))),
        CUSTOMERS: (
            _id("customerID", Customer),
            Field("latitude", latitude),
            Field("longitude", longitude),
        ),
        ORDERS: (
            Field("orderID", whole(minimum=1)),
            _id("customerID", Customer),
            _id("storeID", Store),
            Field("orderDate", moment(zone)),
            Field("nItems", memoized(whole())),
            _money("total", Order, "total"),
        ),
        ORDER_ITEMS: (_id("SKU", Product), Field("orderID", whole(minimum=1))),
    }


@dataclass
class Export:
    """The validated content of an export, as rows in the column order the writer uses.

    Money is decimal text and order times naive UTC text (see `parsers`). `items` are
    (orderID, SKU, quantity, unit price) with repeats of a pair added up; the unit price is
    the product's in products.csv, else in the database.
    """

    rows_read: dict[str, int] = field(default_factory=dict)
    ingredients: list[tuple[int, str]] = field(default_factory=list)
    stores: list[tuple[Any, ...]] = field(default_factory=list)
    products: list[tuple[Any, ...]] = field(default_factory=list)
    ingredient_text: dict[str, str] = field(default_factory=dict)
    product_ingredients: list[tuple[str, int]] = field(default_factory=list)
    customers: list[tuple[str, float, float]] = field(default_factory=list)
    orders: list[tuple[Any, ...]] = field(default_factory=list)
    items: list[tuple[int, str, int, str]] = field(default_factory=list)


class ExportReader:
    """Reads the files of one export directory in dependency order, logging every problem."""

    def __init__(self, directory: Path, zone: tzinfo, log: ErrorLog, *, progress: bool) -> None:
        self.directory, self.log, self.progress = directory, log, progress
        self.fields = _fields(zone)
        self.export = Export()
        self.keys = {
            INGREDIENTS: Keys(Ingredient, INGREDIENTS, log),
            STORES: Keys(Store, STORES, log),
            PRODUCTS: Keys(Product, PRODUCTS, log),
            CUSTOMERS: Keys(Customer, CUSTOMERS, log),
            ORDERS: Keys(Order, ORDERS, log),
        }

    def read(self) -> Export:
        self._ingredients()
        self._stores()
        self._products()
        self._product_ingredients()
        self._customers()
        self._orders()
        self._order_items()
        return self.export

    def _rows(self, file: str) -> Iterator[Row]:
        """Rows of one file, counted in `rows_read`."""
        progress = self.progress and file in (ORDERS, ORDER_ITEMS)
        rows = CsvRows(self.directory / file, self.fields[file], self.log, progress=progress)
        yield from rows
        self.export.rows_read[file] = rows.count

    def _keyed(self, file: str) -> Iterator[Row]:
        """Rows of a file whose first column is its key, with duplicate keys rejected."""
        keys, header = self.keys[file], self.fields[file][0].header
        for line, texts, values, ok in self._rows(file):
            if values[0] is not None:
                ok = keys.add(values[0], line, header, texts[0]) and ok
            yield line, texts, values, ok

    def _ingredients(self) -> None:
        names: dict[str, tuple[int, int]] = {}  # name -> (line, id)
        for line, texts, (key, name), ok in self._keyed(INGREDIENTS):
            if None not in (key, name) and names.setdefault(name, (line, key))[0] != line:
                first = names[name][0]
                self.log.add(
                    INGREDIENTS, line, f"duplicate Name {texts[1]!r} (first on line {first})"
                )
                ok = False
            if ok:
                self.export.ingredients.append((key, name))
        self._check_names_against_database(names)

    def _check_names_against_database(self, names: dict[str, tuple[int, int]]) -> None:
        """Ingredient names are unique: a name may not move onto another ingredient's ID."""
        in_file = self.keys[INGREDIENTS].lines
        for other, name in Ingredient.objects.values_list("id", "name"):
            line, key = names.get(name, (0, other))
            if key != other and other not in in_file:
                reason = f"Name {name!r} belongs to ingredient {other} in the database"
                self.log.add(INGREDIENTS, line, reason)

    def _stores(self) -> None:
        self.export.stores = [tuple(values) for _, _, values, ok in self._keyed(STORES) if ok]

    def _products(self) -> None:
        for _, _, values, ok in self._keyed(PRODUCTS):
            if ok:
                *row, ingredient_text = values
                self.export.products.append(tuple(row))
                self.export.ingredient_text[row[0]] = ingredient_text or ""

    def _product_ingredients(self) -> None:
        first: dict[tuple[str, int], int] = {}
        products, ingredients = self.keys[PRODUCTS], self.keys[INGREDIENTS]
        for line, texts, (sku, ingredient), ok in self._rows(PRODUCT_INGREDIENTS):
            ok = products.refer(sku, PRODUCT_INGREDIENTS, line, "SKU", texts[0]) and ok
            ok = (
                ingredients.refer(ingredient, PRODUCT_INGREDIENTS, line, "IngredientID", texts[1])
                and ok
            )
            if ok and first.setdefault((sku, ingredient), line) != line:
                pair = f"SKU {texts[0]!r}, IngredientID {texts[1]!r}"
                reason = f"duplicate pair {pair} (first on line {first[sku, ingredient]})"
                self.log.add(PRODUCT_INGREDIENTS, line, reason)
            elif ok:
                self.export.product_ingredients.append((sku, ingredient))

    def _customers(self) -> None:
        rows = self._keyed(CUSTOMERS)
        self.export.customers = [tuple(values) for _, _, values, ok in rows if ok]  # type: ignore[misc]

    def _orders(self) -> None:
        orders, customers, stores = self.keys[ORDERS], self.keys[CUSTOMERS], self.keys[STORES]
        rows = self.export.orders
        for line, texts, values, ok in self._rows(ORDERS):
            if values[0] is not None:
                ok = orders.add(values[0], line, "orderID", texts[0]) and ok
            ok = customers.refer(values[1], ORDERS, line, "customerID", texts[1]) and ok
            ok = stores.refer(values[2], ORDERS, line, "storeID", texts[2]) and ok
            if ok:
                rows.append(tuple(values))

    def _order_items(self) -> None:
        """One row per item: repeats of an (orderID, SKU) pair add up to its quantity.

        The file is first tallied in C and its distinct values checked; only when that finds
        a problem is it read row by row, to report each bad row with its line.
        """
        fields = self.fields[ORDER_ITEMS]
        tally = tally_rows(self.directory / ORDER_ITEMS, fields, progress=self.progress)
        if tally is None or not self._tallied_items(tally):
            self._items_row_by_row()

    def _tallied_items(self, tally: Counter) -> bool:
        """Build the items from a tally of (SKU, orderID) texts, if every value is good."""
        parse_sku, parse_order = (f.parse for f in self.fields[ORDER_ITEMS])
        try:
            skus = {text: parse_sku(text) for text in {sku for sku, _ in tally}}
            ids = {text: parse_order(text) for text in {order for _, order in tally}}
        except ValueError:
            return False
        known = self.keys[PRODUCTS].knows_all(skus.values())
        if not known or not self.keys[ORDERS].knows_all(ids.values()):
            return False
        self.export.rows_read[ORDER_ITEMS] = tally.total()
        self._item_rows(((ids[order], skus[sku]), n) for (sku, order), n in tally.items())
        return True

    def _items_row_by_row(self) -> None:
        counts: dict[tuple[int, str], int] = {}
        products, orders = self.keys[PRODUCTS], self.keys[ORDERS]
        for line, texts, (sku, order), ok in self._rows(ORDER_ITEMS):
            ok = products.refer(sku, ORDER_ITEMS, line, "SKU", texts[0]) and ok
            ok = orders.refer(order, ORDER_ITEMS, line, "orderID", texts[1]) and ok
            if ok:
                counts[order, sku] = counts.get((order, sku), 0) + 1
        self._item_rows(counts.items())

    def _item_rows(self, counts: Iterable[tuple[tuple[int, str], int]]) -> None:
        """Rows (orderID, SKU, quantity, unit price) from ((orderID, SKU), quantity) pairs."""
        if self.log.total:  # the import is rejected: a rejected product may lack its price
            return
        prices = self._prices()
        self.export.items = [(order, sku, n, prices[sku]) for (order, sku), n in counts]

    def _prices(self) -> dict[str, str]:
        """Each product's price as text: the file's, else the database's."""
        prices = {sku: str(price) for sku, price in Product.objects.values_list("id", "price")}
        prices.update((row[0], row[2]) for row in self.export.products)
        return prices
