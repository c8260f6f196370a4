"""What a successful import did, for the command to print and callers to inspect."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SIZE = 10


@dataclass
class ImportReport:
    """Counts and warnings of one import.

    - `rows_read`: data rows per file (orderItems.csv: one per item, before pairing);
    - `inserted` / `updated`: rows per table (`stores`, `customers`, `ingredients`, `products`,
      `product_ingredients`, `orders`, `order_items`); an unchanged row counts in neither;
    - `mismatched_orders`: imported orders whose nItems or total disagree with their items
      (sum of quantities; sum of quantity x unit_price), kept as given; `mismatched_order_ids`
      the first few; likewise `orders_without_items`;
    - `recipe_text_mismatches`: SKUs whose products.csv `Ingredients` text disagrees with
      productingredients.csv (the relation is what is stored);
    - `seconds`: wall time per step.
    """

    directory: Path
    rows_read: dict[str, int] = field(default_factory=dict)
    inserted: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    mismatched_orders: int = 0
    mismatched_order_ids: list[int] = field(default_factory=list)
    orders_without_items: int = 0
    orders_without_items_ids: list[int] = field(default_factory=list)
    recipe_text_mismatches: int = 0
    recipe_text_mismatch_skus: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def summary(self) -> str:
        """A few lines for a terminal: rows per file and table, warnings, timings."""
        lines = [f"Imported {self.directory} in {self.total_seconds:.1f} s."]
        lines.append("Rows read: " + ", ".join(f"{n} {c:,}" for n, c in self.rows_read.items()))
        lines.append(f"{'table':<20} {'inserted':>10} {'updated':>10}")
        for table, inserted in self.inserted.items():
            lines.append(f"{table:<20} {inserted:>10,} {self.updated.get(table, 0):>10,}")
        lines += self._warnings()
        steps = [f"{step} {t:.2f}" for step, t in self.seconds.items() if t >= 0.005]
        lines.append("Seconds: " + ", ".join(steps))
        return "\n".join(lines)

    def _warnings(self) -> list[str]:
        return [
            _warning(
                "Orders whose nItems or total disagree with their items",
                self.mismatched_orders,
                self.mismatched_order_ids,
            ),
            _warning(
                "Orders without items", self.orders_without_items, self.orders_without_items_ids
            ),
            _warning(
                "Products whose Ingredients text disagrees with productingredients.csv",
                self.recipe_text_mismatches,
                self.recipe_text_mismatch_skus,
            ),
        ]


def _warning(what: str, count: int, sample: list) -> str:
    line = f"{what}: {count:,}"
    if sample:
        more = ", ..." if count > len(sample) else ""
        line += f" ({', '.join(str(key) for key in sample)}{more})"
    return line
