"""The generated chain's menu: pizzas in four sizes, their recipes, prices and launch dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

SIZES: tuple[str, ...] = ("Small", "Medium", "Large", "Extra Large")
# Price of each size above the Small one, in cents.
SIZE_MARKUP_CENTS: tuple[int, ...] = (0, 400, 700, 1000)
# How often each size is chosen, relative to the others.
SIZE_POPULARITY: tuple[float, ...] = (0.20, 0.30, 0.35, 0.15)


@dataclass(frozen=True)
class Pizza:
    """One pizza of the menu, sold in every size.

    `launch_at` places the launch within the order period: 0 is its first day, 1 its end,
    negative values lie before it; the launch is then moved to the nearest first of a month.
    """

    name: str
    category: str
    small_price_cents: int
    recipe: tuple[str, ...]
    launch_at: float
    popularity: float


PIZZAS: tuple[Pizza, ...] = (
    Pizza(
        "Margherita Pizza",
        "Classic",
        1099,
        ("Tomato Sauce", "Fresh Mozzarella", "Basil", "Olive Oil"),
        -0.67,
        1.3,
    ),
    Pizza(
        "Pepperoni Pizza", "Classic", 1299, ("Tomato Sauce", "Mozzarella", "Pepperoni"), -0.67, 1.8
    ),
    Pizza(
        "Hawaiian Pizza",
        "Classic",
        1199,
        ("Tomato Sauce", "Mozzarella", "Ham", "Pineapple"),
        -0.67,
        0.9,
    ),
    Pizza(
        "Meat Lover's Pizza",
        "Classic",
        1399,
        ("Tomato Sauce", "Mozzarella", "Pepperoni", "Sausage", "Bacon"),
        -0.33,
        1.1,
    ),
    Pizza(
        "Veggie Pizza",
        "Vegetarian",
        1199,
        ("Tomato Sauce", "Mozzarella", "Mushrooms", "Bell Peppers", "Onions", "Olives"),
        -0.33,
        0.8,
    ),
    Pizza(
        "BBQ Chicken Pizza",
        "Specialty",
        1299,
        ("BBQ Sauce", "Mozzarella", "Grilled Chicken", "Red Onions"),
        0.0,
        1.0,
    ),
    Pizza(
        "Buffalo Chicken Pizza",
        "Specialty",
        1299,
        ("Buffalo Sauce", "Mozzarella", "Grilled Chicken", "Blue Cheese"),
        0.25,
        0.8,
    ),
    Pizza(
        "Four Cheese Pizza",
        "Vegetarian",
        1249,
        ("Tomato Sauce", "Mozzarella", "Parmesan", "Gorgonzola", "Ricotta"),
        0.45,
        0.7,
    ),
    Pizza(
        "Mediterranean Pizza",
        "Gourmet",
        1499,
        ("Olive Oil", "Feta", "Spinach", "Olives", "Sun-Dried Tomatoes", "Red Onions"),
        0.70,
        0.6,
    ),
)


@dataclass(frozen=True)
class Menu:
    """The products (one per pizza and size), in SKU order, and the ingredient table."""

    skus: tuple[str, ...]
    names: tuple[str, ...]
    categories: tuple[str, ...]
    sizes: tuple[str, ...]
    recipes: tuple[tuple[str, ...], ...]
    launches: tuple[date, ...]
    price_cents: np.ndarray
    popularity: np.ndarray
    ingredients: tuple[str, ...]

    @property
    def ingredient_ids(self) -> dict[str, int]:
        """Ingredient name -> IngredientID (1-based, alphabetical)."""
        return {name: number for number, name in enumerate(self.ingredients, start=1)}


def build_menu(start: date, end: date) -> Menu:
    """The menu for an order period from `start` to `end` (exclusive), SKUs PZ001, PZ002, ..."""
    rows = [(pizza, size) for pizza in PIZZAS for size in range(len(SIZES))]
    return Menu(
        skus=tuple(f"PZ{number:03d}" for number in range(1, len(rows) + 1)),
        names=tuple(pizza.name for pizza, _ in rows),
        categories=tuple(pizza.category for pizza, _ in rows),
        sizes=tuple(SIZES[size] for _, size in rows),
        recipes=tuple(pizza.recipe for pizza, _ in rows),
        launches=tuple(launch_date(pizza.launch_at, start, end) for pizza, _ in rows),
        price_cents=np.array(
            [pizza.small_price_cents + SIZE_MARKUP_CENTS[size] for pizza, size in rows],
            dtype=np.int64,
        ),
        popularity=np.array([pizza.popularity * SIZE_POPULARITY[size] for pizza, size in rows]),
        ingredients=tuple(sorted({name for pizza in PIZZAS for name in pizza.recipe})),
    )


def launch_date(launch_at: float, start: date, end: date) -> date:
    """The first of a month nearest to fraction `launch_at` of the order period."""
    day = start + timedelta(days=round(launch_at * (end - start).days))
    if day.day >= 16:
        day += timedelta(days=20)
    return day.replace(day=1)


def weights_by_month(menu: Menu, month_starts: list[date], ramp_days: float) -> np.ndarray:
    """Relative sales weight of each product in each month, shape (months, products).

    Zero before the launch month; from launch on the weight ramps up from 20 % of the
    product's popularity towards all of it with time constant `ramp_days`, measured at the
    middle of the month.
    """
    launches = np.array([day.toordinal() for day in menu.launches])
    middles = np.array([day.toordinal() + 14 for day in month_starts])
    firsts = np.array([day.toordinal() for day in month_starts])
    age = (middles[:, None] - launches[None, :]).astype(float)
    ramp = 1.0 - 0.8 * np.exp(-np.clip(age, 0.0, None) / ramp_days)
    on_sale = firsts[:, None] >= launches[None, :]
    return np.where(on_sale, ramp * menu.popularity[None, :], 0.0)
