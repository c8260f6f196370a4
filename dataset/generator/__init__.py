"""Generate a realistic sample export of a pizza chain, in exactly the chain's own format.

`generate(GeneratorConfig(orders=N, seed=S), out_dir)` writes the seven files the importer
reads (`customers.csv`, `stores.csv`, `products.csv`, `ingredients.csv`,
`productingredients.csv`, `orders.csv`, `orderItems.csv`): headers and strings double-quoted,
numbers bare, CRLF line ends, prices and totals with two decimals, `orderDate` as
`YYYY-MM-DD HH:MM:SS` in UTC without a zone, one `orderItems` row per pizza. The management
command `generate_sample_data` wraps it; importing the files stays the one way in.

Deterministic: one `numpy.random.default_rng(seed)` spawns an independent stream per step
(stores, customers, calendar, orders, items, mismatches), nothing depends on dict or set
order or on the clock, so the same config gives byte-identical files, and changing e.g.
`mismatch_rate` leaves every other column as it was.

Parameters (fields of `GeneratorConfig`, defaults in brackets)
----------------------------------------------------------------
Size and period
- `orders` (required): orders in the export; orderID runs 1..N in time order.
- `seed` [42].
- `start` [2020-01-01] and `years` [3]: orders are placed on local days from `start` for
  `years` calendar years, between 10:00:00 and 23:59:59 chain-local time
  (America/Los_Angeles, DST included: each day's UTC offset comes from `zoneinfo`).
- `customers` [min(35,000, max(200, orders // 12))]: about 12 orders per customer over the
  period at small sizes, capped so large exports get a heavier repeat business.

Stores
- `stores` [32], split over `state_weights` [CA 0.55, NV 0.20, AZ 0.15, UT 0.10]: one per
  state first, the rest by largest remainder (32 -> CA 16, NV 7, AZ 5, UT 4). Each is a
  random active STANDARD ZIP code of its state from the offline `zipcodes` table (a real
  town; cities with many ZIP codes are likelier), distinct coordinates; `zipcode`, `city`,
  `latitude`, `longitude` come from that entry and `state` is the full state name.
- `distance` column: the store's service radius in km, the distance within which 90 % of the
  customers generated around the store live.
- `store_size_sigma` [0.5]: stores get customers in proportion to a lognormal size factor.

Customers
- Placed around a store at a lognormal distance (median `customer_median_km` [4.5 km],
  `customer_spread_sigma` [0.85]: about 83 % within 10 km, 4 % beyond 20 km, a tail past
  40 km) in a random direction. A point more than 4 km from every ZIP centroid (sea,
  empty desert) is moved to within about 1 km of the nearest one, so customers live where
  people do and rural customers cluster in towns.
- `far_away_share` [0.005]: customers living near a random ZIP of the four states instead.
- `loyalty_sigma` [1.2]: each customer's order rate is lognormal, so the top 10 % place
  about half the orders; divided by (1 + km to nearest store / `distance_decay_km` [15]).
- `initial_customer_share` [0.35]: customers already acquired on the first day; the rest
  join on a day drawn in proportion to the expected orders, so the base grows with sales.
  A customer orders only from their join day on (no churn is modelled).
- `store_choice` [0.85, 0.10, 0.05]: an order goes to the customer's nearest, 2nd or 3rd
  nearest store (haversine, as the importer measures).

Calendar (expected orders per local day = product of)
- `annual_growth` [0.20]: (1 + growth) ** (years since start).
- `weekday_factors` Mon..Sun [0.78, 0.80, 0.90, 0.97, 1.32, 1.38, 1.10].
- `month_factors` Jan..Dec [1.06, 1.02, 0.97, 0.95, 0.96, 0.93, 0.95, 0.96, 1.00, 1.04,
  1.02, 1.10].
- `holiday_factors`: New Year's Day 1.8, Memorial Day 1.3, Independence Day 1.7, Labor Day
  1.3, Thanksgiving 0.6, Christmas 0.5 (US holidays from the `holidays` package, on the day
  itself), Super Bowl Sunday (taken as the 2nd Sunday of February) 2.5, Halloween 1.6,
  New Year's Eve 2.0.
- `daily_noise_sigma` [0.08]: lognormal day-to-day noise.
- `hour_weights` for hours 10..23: lunch peak at 12:00, dinner peak 18:00-19:59; minute and
  second uniform.

Menu and baskets
- Nine pizzas x four sizes (Small, Medium, Large, Extra Large) = 36 SKUs PZ001..PZ036 in
  Classic, Vegetarian, Specialty and Gourmet categories; sizes add $4, $7, $10 to the Small
  price; each pizza's recipe gives the Ingredients text and productingredients.csv rows.
- Launches fall on the first of a month: three pizzas two years before `start`, two one year
  before, one on `start`, three inside the period (at 25 %, 45 % and 70 % of it). Nothing
  is sold before its launch month; a new product's weight ramps from 20 % to its full
  popularity with time constant `launch_ramp_days` [60].
- Product weight = pizza popularity (Pepperoni 1.8 ... Mediterranean 0.6) x size popularity
  (Small 0.20, Medium 0.30, Large 0.35, Extra Large 0.15).
- `items_per_order` for 1..6 pizzas [0.30, 0.335, 0.19, 0.095, 0.05, 0.03].
- `repeat_rate` [0.12]: chance that an item repeats the order's previous one (two of the
  same pizza give two identical rows); independent draws also repeat now and then.

Totals
- `nItems` = the order's item rows and `total` = the sum of their prices, exact to the cent.
- `mismatch_rate` [0]: round(rate x orders) orders get a total off by 1 cent to $5.00, so the
  importer's consistency report can be tested.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .config import GeneratorConfig, default_customers
from .customers import generate_customers
from .menu import build_menu
from .orders import (
    Orders,
    assign_customers,
    assign_stores,
    draw_items,
    mismatch_totals,
    order_totals,
)
from .sites import generate_store_sites, load_zip_sites
from .timeline import build_calendar, draw_order_times
from .writer import write_export

__all__ = ["GenerationSummary", "GeneratorConfig", "default_customers", "generate"]

STREAMS = ("stores", "customers", "calendar", "orders", "items", "mismatches")


@dataclass(frozen=True)
class GenerationSummary:
    """What was written: row counts and the revenue of the written totals, in cents."""

    orders: int
    items: int
    customers: int
    stores: int
    products: int
    ingredients: int
    revenue_cents: int
    mismatched: int


def generate(
    config: GeneratorConfig, directory: Path, *, progress: bool = False
) -> GenerationSummary:
    """Write a generated export for `config` into `directory`; return what was written."""
    rng = dict(zip(STREAMS, np.random.default_rng(config.seed).spawn(len(STREAMS)), strict=True))
    sites = load_zip_sites(sorted(config.state_weights))
    stores = generate_store_sites(rng["stores"], sites, config)
    customers, service_km = generate_customers(rng["customers"], sites, stores, config)
    stores = replace(stores, service_km=service_km)
    menu = build_menu(config.start, config.end)
    calendar = build_calendar(rng["calendar"], config)
    day, utc_seconds = draw_order_times(rng["calendar"], calendar, config)
    customer = assign_customers(rng["orders"], day, customers, calendar, config)
    store = assign_stores(rng["orders"], customer, customers, config)
    item_order, item_product = draw_items(rng["items"], day, menu, calendar, config)
    n_items, true_totals = order_totals(item_order, item_product, menu, config.orders)
    totals = mismatch_totals(rng["mismatches"], true_totals, config.mismatch_rate)
    orders = Orders(
        utc_seconds,
        customer,
        store,
        n_items,
        totals,
        item_order,
        item_product,
        mismatched=int((totals != true_totals).sum()),
    )
    write_export(Path(directory), stores, customers, menu, orders, progress)
    return GenerationSummary(
        orders=config.orders,
        items=len(item_order),
        customers=len(customers.ids),
        stores=len(stores.ids),
        products=len(menu.skus),
        ingredients=len(menu.ingredients),
        revenue_cents=int(totals.sum()),
        mismatched=orders.mismatched,
    )
