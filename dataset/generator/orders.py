"""Who orders what, where: customers by loyalty weight among those already acquired, stores by
nearness, items by product popularity in the order's month, totals in integer cents."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import GeneratorConfig
from .customers import Customers
from .menu import Menu, weights_by_month
from .timeline import Calendar, normalised

MAX_MISMATCH_CENTS = 500  # a wrong total is off by 1 cent .. this many


@dataclass(frozen=True)
class Orders:
    """The orders in time order (orderID = position + 1) and their item rows."""

    utc_seconds: np.ndarray
    customer: np.ndarray  # index into Customers
    store: np.ndarray  # index into Stores
    n_items: np.ndarray  # the nItems column as written
    total_cents: np.ndarray  # the total column as written
    item_order: np.ndarray  # per item row: index of its order
    item_product: np.ndarray  # per item row: index into Menu
    mismatched: int  # orders whose total differs from their items' sum


def join_days(
    rng: np.random.Generator, calendar: Calendar, count: int, config: GeneratorConfig
) -> np.ndarray:
    """The day each customer places their first possible order: day 0 for a share
    `initial_customer_share` (and always customer 0), else drawn in proportion to the orders
    expected per day, so acquisition follows the chain's growth."""
    days = rng.choice(len(calendar.days), size=count, p=normalised(calendar.weights))
    days[rng.random(count) < config.initial_customer_share] = 0
    days[0] = 0
    return days


def assign_customers(
    rng: np.random.Generator,
    order_day: np.ndarray,
    customers: Customers,
    calendar: Calendar,
    config: GeneratorConfig,
) -> np.ndarray:
    """A customer per order, drawn by weight among those who joined by the order's day."""
    joined = join_days(rng, calendar, len(customers.ids), config)
    by_join = np.argsort(joined, kind="stable")
    cumulative = np.cumsum(customers.weights[by_join])
    joined_by_day = np.searchsorted(joined[by_join], np.arange(len(calendar.days)), side="right")
    available = joined_by_day[order_day]
    target = rng.random(len(order_day)) * cumulative[available - 1]
    position = np.minimum(np.searchsorted(cumulative, target, side="right"), available - 1)
    return by_join[position]


def assign_stores(
    rng: np.random.Generator, customer: np.ndarray, customers: Customers, config: GeneratorConfig
) -> np.ndarray:
    """A store per order: the customer's nearest, 2nd or 3rd nearest by `store_choice`."""
    ranks = customers.ranked_stores.shape[1]
    choice = rng.choice(ranks, size=len(customer), p=normalised(config.store_choice[:ranks]))
    return customers.ranked_stores[customer, choice]


def draw_items(
    rng: np.random.Generator,
    order_day: np.ndarray,
    menu: Menu,
    calendar: Calendar,
    config: GeneratorConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """(order index, product index) per item row, grouped by order.

    Items per order follow `items_per_order`; each item is a product drawn by its weight in the
    order's month (nothing before launch), or, with probability `repeat_rate`, another of the
    order's previous item.
    """
    counts = 1 + rng.choice(
        len(config.items_per_order), size=len(order_day), p=normalised(config.items_per_order)
    )
    item_order = np.repeat(np.arange(len(order_day)), counts)
    month = calendar.month_index[order_day][item_order]
    product = draw_products(
        rng, month, weights_by_month(menu, list(calendar.month_starts), config.launch_ramp_days)
    )
    first = np.ones(len(item_order), dtype=bool)
    first[1:] = item_order[1:] != item_order[:-1]
    repeat = ~first & (rng.random(len(item_order)) < config.repeat_rate)
    source = np.maximum.accumulate(np.where(repeat, 0, np.arange(len(item_order))))
    return item_order, product[source]


def draw_products(rng: np.random.Generator, month: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """A product per item, drawn from its month's row of `weights` (months, products).

    One sorted search over all months at once: month m's cumulative shares are shifted by m.
    A product of weight zero is never found: the search stops at the first share above the
    target, and the clip keeps rounding at the end of a row off products not yet launched.
    """
    cdf = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
    cdf[:, -1] = 1.0
    shifted = (cdf + np.arange(len(weights))[:, None]).ravel()
    target = month + rng.random(len(month))
    found = np.searchsorted(shifted, target, side="right") - month * weights.shape[1]
    last_on_sale = weights.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    return np.minimum(found, last_on_sale[month])


def order_totals(
    item_order: np.ndarray, item_product: np.ndarray, menu: Menu, orders: int
) -> tuple[np.ndarray, np.ndarray]:
    """(items, total cents) per order, summed exactly from the item rows."""
    n_items = np.bincount(item_order, minlength=orders)
    starts = np.concatenate([[0], np.cumsum(n_items)[:-1]])
    return n_items, np.add.reduceat(menu.price_cents[item_product], starts)


def mismatch_totals(rng: np.random.Generator, totals: np.ndarray, rate: float) -> np.ndarray:
    """A copy of `totals` with round(rate x orders) of them off by 1 cent to MAX_MISMATCH_CENTS,
    up or down (always up where down would go below zero)."""
    wrong = rng.choice(len(totals), size=round(rate * len(totals)), replace=False)
    delta = rng.integers(1, MAX_MISMATCH_CENTS + 1, len(wrong))
    down = (rng.random(len(wrong)) < 0.5) & (totals[wrong] > delta)
    result = totals.copy()
    result[wrong] += np.where(down, -delta, delta)
    return result
