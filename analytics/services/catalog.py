"""Importing this module registers every analysis (see `analytics.registry`)."""

from analytics.services import (
    customers,  # noqa: F401
    geo,  # noqa: F401
    geo_map,  # noqa: F401
    kpis,  # noqa: F401
    orders,  # noqa: F401
    products,  # noqa: F401
    stores,  # noqa: F401
    trends,  # noqa: F401
)
