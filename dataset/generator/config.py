"""The generator's parameters: one frozen dataclass, every realism knob with its default.

The meaning of each field is documented in the package docstring (`dataset.generator`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

CHAIN_TIMEZONE = "America/Los_Angeles"
OPENING_HOUR = 10  # first order hour, chain-local; the last order is placed by 23:59:59

STATE_NAMES: dict[str, str] = {
    "CA": "California",
    "NV": "Nevada",
    "AZ": "Arizona",
    "UT": "Utah",
}

# Monday .. Sunday
WEEKDAY_FACTORS: tuple[float, ...] = (0.78, 0.80, 0.90, 0.97, 1.32, 1.38, 1.10)
# January .. December
MONTH_FACTORS: tuple[float, ...] = (
    1.06,
    1.02,
    0.97,
    0.95,
    0.96,
    0.93,
    0.95,
    0.96,
    1.00,
    1.04,
    1.02,
    1.10,
)
# Weight of each local hour 10 .. 23: a lunch peak at 12:00 and a dinner peak at 18:00-19:59.
HOUR_WEIGHTS: tuple[float, ...] = (
    0.020,
    0.060,
    0.110,
    0.080,
    0.040,
    0.035,
    0.050,
    0.110,
    0.150,
    0.140,
    0.100,
    0.060,
    0.035,
    0.020,
)
# Named days and their factor on the day's expected orders. Names of the `holidays` package
# (US, observed=False) plus the chain's own peak days computed in `timeline.special_days`.
HOLIDAY_FACTORS: tuple[tuple[str, float], ...] = (
    ("New Year's Day", 1.8),
    ("Memorial Day", 1.3),
    ("Independence Day", 1.7),
    ("Labor Day", 1.3),
    ("Thanksgiving Day", 0.6),
    ("Christmas Day", 0.5),
    ("Super Bowl Sunday", 2.5),
    ("Halloween", 1.6),
    ("New Year's Eve", 2.0),
)
# Items per order 1..6 (skewed to 1-3, as in the chain's own export).
ITEMS_PER_ORDER: tuple[float, ...] = (0.30, 0.335, 0.19, 0.095, 0.05, 0.03)
# Probability of buying at the customer's nearest, 2nd-nearest, 3rd-nearest store.
STORE_CHOICE: tuple[float, ...] = (0.85, 0.10, 0.05)


def default_customers(orders: int) -> int:
    """Customers for `orders` orders: one per 12 orders, at least 200, at most 35,000."""
    return min(35_000, max(200, orders // 12))


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that shapes a generated export; the same config and seed give the same bytes."""

    orders: int
    seed: int = 42
    start: date = date(2020, 1, 1)
    years: int = 3
    stores: int = 32
    customers: int | None = None
    state_weights: dict[str, float] = field(
        default_factory=lambda: {"CA": 0.55, "NV": 0.20, "AZ": 0.15, "UT": 0.10}
    )
    store_size_sigma: float = 0.5
    customer_median_km: float = 4.5
    customer_spread_sigma: float = 0.85
    far_away_share: float = 0.005
    distance_decay_km: float = 15.0
    store_choice: tuple[float, ...] = STORE_CHOICE
    loyalty_sigma: float = 1.2
    initial_customer_share: float = 0.35
    annual_growth: float = 0.20
    daily_noise_sigma: float = 0.08
    weekday_factors: tuple[float, ...] = WEEKDAY_FACTORS
    month_factors: tuple[float, ...] = MONTH_FACTORS
    hour_weights: tuple[float, ...] = HOUR_WEIGHTS
    holiday_factors: tuple[tuple[str, float], ...] = HOLIDAY_FACTORS
    items_per_order: tuple[float, ...] = ITEMS_PER_ORDER
    repeat_rate: float = 0.12
    launch_ramp_days: float = 60.0
    mismatch_rate: float = 0.0

    def __post_init__(self) -> None:
        checks = {
            "orders must be at least 1": self.orders >= 1,
            "years must be at least 1": self.years >= 1,
            "stores must be at least 1": self.stores >= 1,
            "customers must be at least 1": self.customers is None or self.customers >= 1,
            "mismatch_rate must lie in [0, 1]": 0.0 <= self.mismatch_rate <= 1.0,
            "state_weights may only name CA, NV, AZ, UT": set(self.state_weights)
            <= set(STATE_NAMES),
            "hour_weights needs one weight per hour 10..23": len(self.hour_weights)
            == 24 - OPENING_HOUR,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise ValueError("; ".join(failed))

    @property
    def n_customers(self) -> int:
        """The customer count asked for, or the default that scales with the orders."""
        return self.customers if self.customers is not None else default_customers(self.orders)

    @property
    def end(self) -> date:
        """The first local day after the order period (`years` calendar years from `start`)."""
        return _add_years(self.start, self.years)


def _add_years(day: date, years: int) -> date:
    """`day` moved `years` years on; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)
