from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class Order(models.Model):
    """One order, keyed by the export's orderID.

    `ordered_at` is an aware instant (stored in UTC). `n_items` and `total` are the export's own
    figures, kept as given even where they disagree with the item rows (the importer reports
    those orders).
    """

    id = models.BigAutoField("order ID", primary_key=True)
    # No single-column FK indexes: the composite (store, ordered_at) and (customer, ordered_at)
    # indexes serve those lookups, and every extra index slows a bulk import.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.PROTECT, related_name="orders", db_index=False
    )
    ordered_at = models.DateTimeField()
    n_items = models.PositiveIntegerField("items")
    total = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(fields=["ordered_at"], name="order_time_idx"),
            models.Index(fields=["store", "ordered_at"], name="order_store_time_idx"),
            models.Index(fields=["customer", "ordered_at"], name="order_customer_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Order {self.id}"


class OrderItem(models.Model):
    """A product in an order: one row per (order, product), repeats become `quantity`.

    `unit_price` is the product's price when the item was recorded, so a later price change
    does not rewrite history.
    """

    # Covered by the unique (order, product) and the (product, order) indexes.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", db_index=False)
    product = models.ForeignKey(
        "products.Product", on_delete=models.PROTECT, related_name="order_items", db_index=False
    )
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["order_id", "product_id"]  # the unique index's order, no join
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_item_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="item_quantity_min_1"),
        ]
        indexes = [models.Index(fields=["product", "order"], name="item_product_order_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} in order {self.order_id}"

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price
