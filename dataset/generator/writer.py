"""The seven CSV files, byte for byte in the chain's export format: headers and strings
double-quoted, numbers bare, CRLF line ends, UTF-8."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import numpy as np
from tqdm import tqdm

from .config import STATE_NAMES
from .customers import Customers
from .menu import Menu
from .orders import Orders
from .sites import Stores

EOL = "\r\n"
CHUNK_ROWS = 200_000
STORE_COLUMNS = (
    "storeID",
    "zipcode",
    "state_abbr",
    "latitude",
    "longitude",
    "city",
    "state",
    "distance",
)


def quote(text: str) -> str:
    """A CSV string field: double-quoted, inner quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def header(*names: str) -> str:
    """The header line: every column name quoted."""
    return ",".join(quote(name) for name in names) + EOL


def money(cents: int) -> str:
    """Cents as a bare decimal with two places: 1099 -> 10.99."""
    return f"{cents // 100}.{cents % 100:02d}"


@contextmanager
def csv_file(directory: Path, name: str) -> Iterator[TextIO]:
    """A file of `directory` opened for writing exactly the characters given."""
    with open(directory / name, "w", encoding="utf-8", newline="") as handle:
        yield handle


def write_stores(directory: Path, stores: Stores) -> None:
    """stores.csv: storeID, zipcode, state_abbr, latitude, longitude, city, state, distance."""
    with csv_file(directory, "stores.csv") as out:
        out.write(header(*STORE_COLUMNS))
        for i, store_id in enumerate(stores.ids):
            out.write(
                f"{quote(store_id)},{stores.zip_codes[i]},{quote(stores.states[i])},"
                f"{float(stores.lat[i])!r},{float(stores.lon[i])!r},{quote(stores.cities[i])},"
                f"{quote(STATE_NAMES[stores.states[i]])},{float(stores.service_km[i])!r}{EOL}"
            )


def write_customers(directory: Path, customers: Customers) -> None:
    """customers.csv: customerID, latitude, longitude (coordinates at full float precision)."""
    rows = zip(customers.ids, customers.lat.tolist(), customers.lon.tolist(), strict=True)
    with csv_file(directory, "customers.csv") as out:
        out.write(header("customerID", "latitude", "longitude"))
        out.write("".join(f'"{cid}",{lat!r},{lon!r}{EOL}' for cid, lat, lon in rows))


def write_menu(directory: Path, menu: Menu) -> None:
    """products.csv, ingredients.csv and productingredients.csv (recipe order per SKU)."""
    ids = menu.ingredient_ids
    with csv_file(directory, "products.csv") as out:
        out.write(header("SKU", "Name", "Price", "Category", "Size", "Ingredients", "Launch"))
        for i, sku in enumerate(menu.skus):
            fields = (quote(sku), quote(menu.names[i]), money(int(menu.price_cents[i])))
            fields += tuple(map(quote, (menu.categories[i], menu.sizes[i])))
            fields += (quote(", ".join(menu.recipes[i])), quote(menu.launches[i].isoformat()))
            out.write(",".join(fields) + EOL)
    with csv_file(directory, "ingredients.csv") as out:
        out.write(header("IngredientID", "Name"))
        out.write("".join(f"{ids[name]},{quote(name)}{EOL}" for name in menu.ingredients))
    with csv_file(directory, "productingredients.csv") as out:
        out.write(header("SKU", "IngredientID"))
        for sku, recipe in zip(menu.skus, menu.recipes, strict=True):
            out.write("".join(f"{quote(sku)},{ids[name]}{EOL}" for name in recipe))


def utc_text(seconds: np.ndarray) -> list[str]:
    """Unix seconds as 'YYYY-MM-DD HH:MM:SS' (UTC, no zone)."""
    iso = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return [text[:10] + " " + text[11:] for text in iso.tolist()]


def write_orders(
    directory: Path, orders: Orders, customers: Customers, stores: Stores, progress: bool
) -> None:
    """orders.csv: orderID (1.. in time order), customerID, storeID, orderDate, nItems, total."""
    customer_field = [quote(cid) for cid in customers.ids]
    store_field = [quote(sid) for sid in stores.ids]

    def rows(start: int, stop: int) -> Iterable[str]:
        columns = zip(
            range(start + 1, stop + 1),
            orders.customer[start:stop].tolist(),
            orders.store[start:stop].tolist(),
            utc_text(orders.utc_seconds[start:stop]),
            orders.n_items[start:stop].tolist(),
            orders.total_cents[start:stop].tolist(),
            strict=True,
        )
        return (
            f'{oid},{customer_field[c]},{store_field[s]},"{when}",{n},{money(t)}{EOL}'
            for oid, c, s, when, n, t in columns
        )

    header_line = header("orderID", "customerID", "storeID", "orderDate", "nItems", "total")
    write_chunked(directory, "orders.csv", header_line, len(orders.n_items), rows, progress)


def write_order_items(directory: Path, orders: Orders, menu: Menu, progress: bool) -> None:
    """orderItems.csv: SKU, orderID; one row per pizza, grouped by order."""
    sku_field = [quote(sku) + "," for sku in menu.skus]

    def rows(start: int, stop: int) -> Iterable[str]:
        products = orders.item_product[start:stop].tolist()
        order_ids = (orders.item_order[start:stop] + 1).tolist()
        return (f"{sku_field[p]}{o}{EOL}" for p, o in zip(products, order_ids, strict=True))

    total = len(orders.item_order)
    write_chunked(directory, "orderItems.csv", header("SKU", "orderID"), total, rows, progress)


def write_chunked(
    directory: Path,
    name: str,
    header_line: str,
    total: int,
    rows: Callable[[int, int], Iterable[str]],
    progress: bool,
) -> None:
    """Write `total` rows, CHUNK_ROWS at a time, with a progress bar when asked."""
    with (
        csv_file(directory, name) as out,
        tqdm(total=total, desc=name, unit=" rows", disable=not progress, leave=False) as bar,
    ):
        out.write(header_line)
        for start in range(0, total, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, total)
            out.write("".join(rows(start, stop)))
            bar.update(stop - start)


def write_export(
    directory: Path,
    stores: Stores,
    customers: Customers,
    menu: Menu,
    orders: Orders,
    progress: bool = False,
) -> None:
    """All seven files into `directory` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    write_stores(directory, stores)
    write_customers(directory, customers)
    write_menu(directory, menu)
    write_orders(directory, orders, customers, stores, progress)
    write_order_items(directory, orders, menu, progress)
