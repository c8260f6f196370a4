"""What a click on a chart leads to, shared by the pages: a period zooms into its days or
months, a category filters the page, a store or product opens its own page.

A drill reads the clicked point of a graph (Plotly's clickData point: `x`, `y`, `z` and the
trace's `customdata` for that point) or the selected row of a table (a dict of its columns),
and answers a `Drill`, or None when the click carries nothing to drill into. The payload comes
from the browser: anything of another type is ignored, never trusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from analytics.dash_apps.kit.spec import Drill
from analytics.filters import Filters, Granularity


def store_page(store: object) -> Drill | None:
    """The drill to a store's own page (None without a store ID)."""
    return Drill(goto=f"/dashboard/stores/{store}/") if isinstance(store, str) and store else None


def product_page(sku: object) -> Drill | None:
    """The drill to a product's own page (None without a SKU)."""
    return Drill(goto=f"/dashboard/products/{sku}/") if isinstance(sku, str) and sku else None


def clicked_id(point: Mapping, column: str) -> object:
    """The ID a click carries: the first customdata item of a bar, line or map point, or else
    a table row's `column`."""
    data = point.get("customdata")
    found = data[0] if isinstance(data, list) and data else None
    return point.get(column) if found is None else found


def open_store(point: Mapping, filters: Filters) -> Drill | None:
    """A clicked store opens its page: the first customdata item of a bar, line or map point,
    a table row's `store`, or the row (`y`) of a heat map cell (plotly may send no customdata
    for those)."""
    store = clicked_id(point, "store")
    if store is None and "z" in point:
        store = point.get("y")
    return store_page(store)


def open_product(point: Mapping, filters: Filters) -> Drill | None:
    """A clicked product opens its page: the first customdata item, or a table row's
    `product`."""
    return product_page(clicked_id(point, "product"))


def filter_category(point: Mapping, filters: Filters) -> Drill | None:
    """A clicked category bar (the category on the x axis) filters the page by it."""
    category = point.get("x")
    return Drill(set={"category": category}) if isinstance(category, str) and category else None


def drill_period(point: Mapping, filters: Filters) -> Drill | None:
    """A clicked period zooms into it: its customdata is the period's first day (ISO), alone or
    the first item of a list; anything else (a histogram bar's number) does not drill."""
    data = point.get("customdata")
    start = data[0] if isinstance(data, list) and data else data
    if not isinstance(start, str):
        return None
    try:
        return period_drill(start, filters.granularity)
    except ValueError:  # not a date: a forged payload
        return None


def period_drill(start: dt.date | str, granularity: str) -> Drill | None:
    """Year → its months, quarter → its months, month or week → its days."""
    start = dt.date.fromisoformat(str(start)[:10])
    if granularity == Granularity.YEAR:
        end, finer = dt.date(start.year, 12, 31), Granularity.MONTH
    elif granularity == Granularity.QUARTER:
        end, finer = _month_end(start, 3), Granularity.MONTH
    elif granularity == Granularity.MONTH:
        end, finer = _month_end(start, 1), Granularity.DAY
    elif granularity == Granularity.WEEK:
        end, finer = start + dt.timedelta(days=6), Granularity.DAY
    else:
        return None
    return Drill(
        set={"date_from": start.isoformat(), "date_to": end.isoformat(), "granularity": finer.value}
    )


def _month_end(start: dt.date, months: int) -> dt.date:
    year, month = divmod(start.month - 1 + months, 12)
    return dt.date(start.year + year, month + 1, 1) - dt.timedelta(days=1)
