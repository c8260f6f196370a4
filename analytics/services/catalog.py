"""Importing this module registers every analysis (see `analytics.registry`)."""

from analytics.services import orders  # noqa: F401
