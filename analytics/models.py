from django.db import models


def _no_constraint(to: str, null: bool = False) -> models.ForeignKey:
    """A rollup row's key to a base row, with no index of its own (the unique constraint
    covers it) and no database constraint: the rows are derived from orders, whose own keys
    already hold, and a checked key costs a trigger per inserted row (most of a rebuild's
    time)."""
    return models.ForeignKey(
        to,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_index=False,
        db_constraint=False,
        null=null,
    )


class DataVersion(models.Model):
    """The version of the sales data: one row (`id` 1) whose `version` goes up by one after
    each committed write to stores, customers, products, ingredients, recipes, orders or items.

    It lives in the database so every web process sees the same number; see analytics.version.
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    version = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="data_version_single_row")
        ]

    def __str__(self) -> str:
        return f"data version {self.version}"


# --- stored aggregates (rollups) ----------------------------------------------------------------
# Sums of the base tables kept exact by analytics.rollups: rebuilt by the importer, refreshed
# by every ORM write to orders and items. Each table holds the same sums at four grains: one row
# per local day (D), month (M), year (Y) and all time (A, period 1970-01-01), so that any date
# range is answered from at most a few dozen day and month rows plus whole years.


class Grain(models.TextChoices):
    DAY = "D", "day"
    MONTH = "M", "month"
    YEAR = "Y", "year"
    ALL = "A", "all time"


class StoreSales(models.Model):
    """Order-level sums per store and local period: orders, sum of totals, sum of item counts."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField(help_text="First local day of the period (1970-01-01 for A).")
    store = _no_constraint("stores.Store")
    orders = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    items = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grain", "period", "store"], name="store_sales_unique")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.grain} {self.period}"


class ItemSales(models.Model):
    """Item-level sums per store, local period and product group: `kind` "sku" (one product),
    "category" or "size", `value` the SKU, category or size; or kind "all" (value ""): every
    item. `orders` counts the orders holding
    at least one item of the group, `quantity` and `revenue` (quantity × unit price) its items."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    store = _no_constraint("stores.Store")
    kind = models.CharField(max_length=8)
    value = models.CharField(max_length=50)
    orders = models.PositiveIntegerField()
    quantity = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "kind", "period", "store", "value"], name="item_sales_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.kind} {self.value} {self.grain} {self.period}"


class CustomerSales(models.Model):
    """Order-level sums per store, customer and local period, with the first and last local
    day the customer ordered in it: distinct customers are the distinct customers of rows."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    store = _no_constraint("stores.Store")
    customer = _no_constraint("customers.Customer")
    orders = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    items = models.PositiveIntegerField()
    first_day = models.DateField()
    last_day = models.DateField()
    # Of the pair, not the period: copied from the customer and the store so that distance
    # analyses read the rows alone (rollups.pair_fields, kept by rollups.place_written when a
    # customer or a store moves). `km`: the great-circle distance from the customer's home to the
    # store; `home`: 1 when the store is the customer's nearest store, else 0.
    km = models.FloatField()
    home = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "store", "customer"], name="customer_sales_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} at {self.store_id} {self.grain} {self.period}"


class PairSales(models.Model):
    """Orders holding two products together, per store and local period: `kind` "sku" (`a`
    and `b` SKUs) or "name" (pizza names, the sizes of one merged), with `a` < `b`; and rows
    with `a` = `b`: the orders holding `a`. What basket analysis counts, summable over stores
    and periods because each order has one store and one local day."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    store = _no_constraint("stores.Store")
    kind = models.CharField(max_length=8)
    a = models.CharField(max_length=100)
    b = models.CharField(max_length=100)
    orders = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "kind", "period", "store", "a", "b"], name="pair_sales_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.kind} {self.a}+{self.b} {self.grain} {self.period}"


class HourSales(models.Model):
    """Order-level sums per store, local period and local hour of day (0-23): what peak
    times count. From months up: per day they would be a dozen rows per store and day, so the
    days at a range's edges come from the base tables."""

    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    store = _no_constraint("stores.Store")
    hour = models.PositiveSmallIntegerField()
    orders = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    items = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "period", "store", "hour"], name="hour_sales_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.hour}h {self.grain} {self.period}"


class RollupState(models.Model):
    """One row (`id` 1): whether the rollups hold the base tables' sums. Until the first
    rebuild (an import, `manage.py rebuild_rollups`) analyses read the base tables."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    built = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="rollup_state_single_row")
        ]

    def __str__(self) -> str:
        return "rollups built" if self.built else "rollups not built"


class CustomerCounts(models.Model):
    """Distinct customers per place and local calendar period, which do not add up across stores
    or periods and so cannot be summed from CustomerSales: `place` is "all" (the chain),
    "state:<code>", "city:<code>|<city>" or "store:<id>"; `granularity` month, quarter, year or
    "all" (period 1970-01-01). `active` customers ordered at the place in the period,
    `returning` of them had ordered there before it, `repeaters` of them ordered 2 or more times
    in it. Kept exact from CustomerSales by analytics.counts."""

    place = models.CharField(max_length=110)  # "city:" + state + "|" + a city of 100
    granularity = models.CharField(max_length=8)
    period = models.DateField()
    active = models.PositiveIntegerField()
    returning = models.PositiveIntegerField()
    repeaters = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["place", "granularity", "period"], name="customer_counts_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.granularity} {self.period}"


class CustomerTotals(models.Model):
    """Per-customer sums over all time (A) and per local year (Y) at each place of two or more
    stores (the chain, a state, a city; the names of CustomerCounts): one row per customer who
    ordered there, what CustomerSales gives only grouped per customer across the place's
    stores, with the store they ordered most from. Kept exact from CustomerSales by
    analytics.counts."""

    place = models.CharField(max_length=110)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField()
    customer = _no_constraint("customers.Customer")
    orders = models.PositiveIntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    first_day = models.DateField()
    last_day = models.DateField()
    # The customer's main store at the place in the period: most orders, then more revenue,
    # then the lowest store ID (geo/assignment's rule); and that pair's CustomerSales.km.
    main_store = _no_constraint("stores.Store")
    main_km = models.FloatField()
    # Their pairs' figures, which add up across pairs: how many stores of the place they
    # ordered from, the sum of those pairs' km and of orders x km.
    pairs = models.PositiveIntegerField()
    pair_km = models.FloatField()
    order_km = models.FloatField()
    # The customer's own, as on Customer (null where it is): their nearest store and their
    # home, so that the geo analyses need not join the customers.
    nearest_store = _no_constraint("stores.Store", null=True)
    nearest_store_km = models.FloatField(null=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # Their orders and revenue at their nearest store (0 when it is not of the place).
    home_orders = models.PositiveIntegerField()
    home_revenue = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["place", "grain", "period", "customer"], name="customer_totals_unique"
            )
        ]
        indexes = [  # the customers far from every store (geo/potential_locations)
            models.Index(
                fields=["place", "grain", "period", "nearest_store_km"],
                name="customer_totals_far",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} at {self.place} {self.grain} {self.period}"
