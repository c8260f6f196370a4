"""The values a filter bar offers: only what lies within the user's scope."""

from __future__ import annotations

from dataclasses import replace

from accounts.scope import Scope
from analytics.filters import Filters
from analytics.services.base import products_in, stores_in


def filter_options(*, filters: Filters, scope: Scope) -> dict[str, list[dict[str, str]]]:
    """Options for the filter bar as `{"label", "value"}` lists, keyed by filter name.

    `state`: the states of the stores in scope; `city`: their cities, within the chosen
    states; `store`: the stores in scope within the chosen states and city; `category` and
    `size`: the catalog's. Stores the user may not see are never offered.
    """
    in_scope = stores_in(Filters(), scope)
    in_states = stores_in(Filters(state=filters.state), scope)
    in_city = stores_in(replace(Filters(), state=filters.state, city=filters.city), scope)
    states = in_scope.order_by("state_abbr").values_list("state_abbr", flat=True).distinct()
    cities = in_states.order_by("city").values_list("city", "state_abbr").distinct()
    stores = in_city.order_by("state_abbr", "city", "id").values_list("id", "city", "state_abbr")
    products = products_in(Filters())
    categories = products.order_by("category").values_list("category", flat=True).distinct()
    sizes = products.order_by("size").values_list("size", flat=True).distinct()
    city_states: dict[str, list[str]] = {}
    for city, state in cities:
        city_states.setdefault(city, []).append(state)
    return {
        "state": [{"label": s, "value": s} for s in states],
        "city": [{"label": f"{c}, {'/'.join(s)}", "value": c} for c, s in city_states.items()],
        "store": [{"label": f"{i} · {c}, {s}", "value": i} for i, c, s in stores],
        "category": [{"label": c, "value": c} for c in categories],
        "size": [{"label": s, "value": s} for s in sizes],
    }
