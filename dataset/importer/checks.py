"""Consistency checks that warn but never reject: order figures and recipe texts."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass

from django.db import connection

from orders.models import Order, OrderItem
from products.models import ProductIngredient


@dataclass(frozen=True)
class OrderCheck:
    """Imported orders whose nItems/total disagree with their items, and those with none."""

    mismatched: list[int]
    without_items: list[int]


def _disagreement_sql() -> str:
    """Orders whose items are missing or do not add up, compared in whole cents.

    Cents keep the comparison exact on SQLite too, where decimals are stored as floats.
    """
    quote = connection.ops.quote_name
    orders, items = quote(Order._meta.db_table), quote(OrderItem._meta.db_table)
    return f"""
        SELECT o.id, i.quantity
        FROM {orders} o
        LEFT JOIN (
            SELECT order_id, SUM(quantity) AS quantity,
                   SUM(quantity * CAST(ROUND(unit_price * 100) AS BIGINT)) AS cents
            FROM {items}
            GROUP BY order_id
        ) i ON i.order_id = o.id
        WHERE i.order_id IS NULL
           OR i.quantity <> o.n_items
           OR i.cents <> CAST(ROUND(o.total * 100) AS BIGINT)
        ORDER BY o.id
    """


def check_orders(imported: Container[int]) -> OrderCheck:
    """Compare the imported orders with their item rows as stored (after the upsert).

    An order's items are those in the database, so re-importing orders alone still finds
    them, and items recorded earlier count at their recorded unit_price.
    """
    mismatched, without_items = [], []
    with connection.cursor() as cursor:
        cursor.execute(_disagreement_sql())
        for order_id, quantity in cursor.fetchall():
            if order_id in imported:
                (without_items if quantity is None else mismatched).append(order_id)
    return OrderCheck(mismatched, without_items)


def _names(text: str) -> frozenset[str]:
    return frozenset(part.strip().casefold() for part in text.split(",") if part.strip())


def recipe_text_disagreements(texts: dict[str, str]) -> list[str]:
    """SKUs whose `Ingredients` text (SKU -> text) names other ingredients than their recipe.

    The recipe as stored after the upsert (the ProductIngredient relation) is the source of
    truth; the text is compared as a comma-separated set of names, ignoring case and spaces.
    """
    recipes: dict[str, set[str]] = {sku: set() for sku in texts}
    for sku, name in ProductIngredient.objects.values_list("product_id", "ingredient__name"):
        if sku in recipes:
            recipes[sku].add(name.casefold())
    return sorted(sku for sku, text in texts.items() if _names(text) != recipes[sku])
