"""Writing orders through the API: an order and its items in one transaction, priced from the
menu, with `n_items` and `total` that agree with the items.

Raises `django.core.exceptions.ValidationError` keyed by the offending field (`items`,
`n_items`, `total`); the API answers those 400.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from analytics import rollups
from analytics.version import bump_data_version
from customers.models import Customer
from orders.models import Order, OrderItem
from products.models import Product
from stores.models import Store


@dataclass(frozen=True)
class Line:
    """A requested line: `quantity` (>= 1) of product `product_id`."""

    product_id: str
    quantity: int


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    quantity: int
    unit_price: Decimal


def merge_lines(lines: Iterable[Line]) -> dict[str, int]:
    """Quantities by product, in first-seen order. A product listed twice is one item with
    the quantities added, as the importer treats repeated (SKU, orderID) rows."""
    merged: dict[str, int] = {}
    for line in lines:
        merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
    return merged


def price_lines(
    quantities: Mapping[str, int], recorded: Mapping[str, Decimal] | None = None
) -> list[PricedLine]:
    """Price each product at its `recorded` unit price if it has one (an item already on the
    order), else at the product's current price. One query; an unknown SKU is an error."""
    recorded = recorded or {}
    missing = [sku for sku in quantities if sku not in recorded]
    prices = dict(Product.objects.filter(id__in=missing).values_list("id", "price"))
    unknown = [sku for sku in missing if sku not in prices]
    if unknown:
        raise ValidationError({"items": [f"unknown product {unknown[0]!r}."]})
    prices.update(recorded)
    return [PricedLine(sku, qty, prices[sku]) for sku, qty in quantities.items()]


def order_figures(
    lines: list[PricedLine], *, n_items: int | None = None, total: Decimal | None = None
) -> dict[str, int | Decimal]:
    """`n_items` (sum of quantities) and `total` (sum of quantity × unit price, USD) of the
    lines. A given figure must equal the computed one."""
    computed = {
        "n_items": sum(line.quantity for line in lines),
        "total": sum((line.quantity * line.unit_price for line in lines), Decimal("0.00")),
    }
    given = {"n_items": n_items, "total": total}
    errors = {
        name: [f"is {given[name]} but the items add up to {value}."]
        for name, value in computed.items()
        if given[name] is not None and given[name] != value
    }
    if errors:
        raise ValidationError(errors)
    return computed


def _write_items(order: Order, lines: list[PricedLine]) -> None:
    bump_data_version()  # bulk_create sends no post_save
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order, product_id=x.product_id, quantity=x.quantity, unit_price=x.unit_price
        )
        for x in lines
    )
    key = rollups.key_of(order.store_id, order.ordered_at, order.customer_id)
    rollups.refresh([key], rollups.OF_ITEMS)


def place_order(
    *,
    customer: Customer,
    store: Store,
    ordered_at: dt.datetime,
    lines: Iterable[Line],
    n_items: int | None = None,
    total: Decimal | None = None,
) -> Order:
    """Create an order and its items in one transaction: any failure writes nothing.

    Each item's `unit_price` is the product's current price; `n_items` and `total` are
    computed from the items, or checked against them when given.
    """
    with transaction.atomic():
        priced = price_lines(merge_lines(lines))
        figures = order_figures(priced, n_items=n_items, total=total)
        order = Order.objects.create(
            customer=customer, store=store, ordered_at=ordered_at, **figures
        )
        _write_items(order, priced)
    return order


def change_order(
    order: Order,
    *,
    changes: Mapping[str, object],
    lines: Iterable[Line] | None = None,
    n_items: int | None = None,
    total: Decimal | None = None,
) -> Order:
    """Change an order's fields (`changes`: customer, store, ordered_at) and, when `lines` is
    given, replace its items, in one transaction.

    Products already on the order keep the unit price recorded then (a price change does not
    rewrite history); new ones take the current price. When the items, `n_items` or `total`
    change, both figures are recomputed from the items and a given one must agree; otherwise
    the stored figures stay as they are (the export's own, even where they disagree).
    """
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        current = list(order.items.all())
        if lines is None:
            priced = [PricedLine(i.product_id, i.quantity, i.unit_price) for i in current]
        else:
            recorded = {i.product_id: i.unit_price for i in current}
            priced = price_lines(merge_lines(lines), recorded)
        figures = {}
        if lines is not None or n_items is not None or total is not None:
            figures = order_figures(priced, n_items=n_items, total=total)
        for name, value in {**changes, **figures}.items():
            setattr(order, name, value)
        order.save()
        if lines is not None:
            order.items.all().delete()
            _write_items(order, priced)
    return order
