"""Answers of analyses, cached under a key that holds the analysis, its filters and
parameters, the user's scope and the data version, so a cached answer is never stale (every
committed write bumps the version) and never crosses scopes (two users share an answer only
when they see exactly the same stores).

The `analyses` cache is Redis when `REDIS_URL` is set (shared by every web process), local
memory otherwise. `ANALYSIS_CACHE_SECONDS = 0` turns caching off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, transaction

from accounts.scope import Scope
from analytics.filters import Filters
from analytics.version import PendingBump, data_version

CACHE_ALIAS = "analyses"


def cache_key(name: str, filters: Filters, scope: Scope, params: Mapping, version: int) -> str:
    parts = [name, filters.cache_key(), scope.key, repr(sorted(params.items()))]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"analysis:{version}:{name}:{digest}"


def cached(name: str, filters: Filters, scope: Scope, params: Mapping, compute: Callable):
    """`compute()`'s answer, from the cache when this exact question was answered on the
    current data. Inside a transaction holding uncommitted writes the data differs from every
    version: the answer is computed and not stored."""
    seconds = settings.ANALYSIS_CACHE_SECONDS
    if not seconds or _uncommitted_writes():
        return compute()
    key = cache_key(name, filters, scope, params, data_version())
    store = caches[CACHE_ALIAS]
    answer = store.get(key)
    if answer is None:
        answer = compute()
        store.set(key, answer, seconds)
    return answer


def _uncommitted_writes(using: str = DEFAULT_DB_ALIAS) -> bool:
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return False
    return any(
        isinstance(entry[1], PendingBump) and not entry[1].done
        for entry in connection.run_on_commit
    )
