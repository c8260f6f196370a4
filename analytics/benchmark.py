"""Time every analysis endpoint through the whole Django stack on a known data set.

Runs in a throw-away test database (never the configured one): import the export, log in a
whole-chain user with the test client, then for every registered analysis take the median of
N requests with the default filters and with a one-state, one-year filter.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings

from analytics.registry import Analysis, all_analyses


@dataclass
class Timing:
    name: str
    path: str
    default_ms: float
    filtered_ms: float
    rows: int
    filtered_rows: int
    cached_ms: float = 0.0
    cached_filtered_ms: float = 0.0


def median_ms(call: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def one_state_one_year() -> dict[str, str]:
    """The state with the most orders and the last full local year of data."""
    from orders.models import Order

    top = (
        Order.objects.values("store__state_abbr")
        .annotate(n=Count("id"))
        .order_by("-n", "store__state_abbr")
        .first()
    )
    last = Order.objects.order_by("-ordered_at").values_list("ordered_at", flat=True).first()
    if top is None or last is None:
        return {}
    year = last.year - 1
    return {
        "state": top["store__state_abbr"],
        "date_from": f"{year}-01-01",
        "date_to": f"{year}-12-31",
    }


def time_analysis(client: Client, analysis: Analysis, filtered: dict, runs: int) -> Timing:
    url = f"/api/{analysis.path}"

    def get(params):
        response = client.get(url, params, secure=True)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")
        return response

    with override_settings(ANALYSIS_CACHE_SECONDS=0):  # uncached: every request computes
        rows = len(get({}).json()["results"])  # warm-up, and the size of the answer
        filtered_rows = len(get(filtered).json()["results"])
        default_ms = median_ms(lambda: get({}), runs)
        filtered_ms = median_ms(lambda: get(filtered), runs)
    get({}), get(filtered)  # fill the cache
    return Timing(
        name=analysis.name,
        path=url,
        default_ms=default_ms,
        filtered_ms=filtered_ms,
        rows=rows,
        filtered_rows=filtered_rows,
        cached_ms=median_ms(lambda: get({}), runs),
        cached_filtered_ms=median_ms(lambda: get(filtered), runs),
    )


def time_all(client: Client, runs: int) -> tuple[list[Timing], dict]:
    filtered = one_state_one_year()
    analyses = sorted(all_analyses().values(), key=lambda a: a.path)
    return [time_analysis(client, a, filtered, runs) for a in analyses], filtered


def machine() -> dict[str, str]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").exists():
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            engine = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            engine = f"SQLite {cursor.fetchone()[0]}"
    return {
        "cpu": f"{os.cpu_count()} cores, {cpu}",
        "memory": mem,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": engine,
    }


def markdown(timings: list[Timing], filtered: dict, info: dict, data: dict, runs: int) -> str:
    lines = [
        f"### {info['database']}",
        "",
        f"Machine: {info['cpu']}, {info['memory']}; Python {info['python']}, "
        f"Django {info['django']}. Data: {data['orders']:,} orders, {data['items']:,} item rows, "
        f"{data['customers']:,} customers, {data['stores']} stores. "
        f"Import: {data['import_s']:.1f} s. Median of {runs} requests through the test client "
        f"(authenticated, whole chain), uncached (`ANALYSIS_CACHE_SECONDS=0`) and cached (the "
        f"same request again; the cache is {_cache_backend()}). "
        f"Filtered = `{_query(filtered)}`.",
        "",
        "| analysis | path | default ms | filtered ms | cached ms | cached filtered ms "
        "| rows (default / filtered) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        lines.append(
            f"| {t.name} | `{t.path}` | {t.default_ms:.1f} | {t.filtered_ms:.1f} "
            f"| {t.cached_ms:.1f} | {t.cached_filtered_ms:.1f} | {t.rows} / {t.filtered_rows} |"
        )
    worst = max(timings, key=lambda t: max(t.default_ms, t.filtered_ms), default=None)
    if worst:
        cached_worst = max(max(t.cached_ms, t.cached_filtered_ms) for t in timings)
        lines += [
            "",
            f"Slowest: `{worst.path}` at {max(worst.default_ms, worst.filtered_ms):.1f} ms; "
            f"median over all analyses {statistics.median(t.default_ms for t in timings):.1f} ms. "
            f"Cached: slowest {cached_worst:.1f} ms, "
            f"median {statistics.median(t.cached_ms for t in timings):.1f} ms.",
        ]
    return "\n".join(lines) + "\n"


def _cache_backend() -> str:
    from django.conf import settings

    backend = settings.CACHES["analyses"]["BACKEND"].rsplit(".", 1)[-1]
    return {"RedisCache": "Redis", "LocMemCache": "local memory"}.get(backend, backend)


def _query(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def write_section(path: Path, engine_key: str, body: str) -> None:
    """Replace this engine's section of the performance document, keeping the others."""
    begin, end = f"<!-- bench:{engine_key}:begin -->", f"<!-- bench:{engine_key}:end -->"
    text = path.read_text() if path.exists() else _HEADER
    section = f"{begin}\n{body}{end}"
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


_HEADER = """# Performance

Measured by `python manage.py benchmark` (see `analytics/benchmark.py`): it imports an export
into a throw-away test database and times every analysis endpoint through the whole Django
stack. Each section below is rewritten by the run on that database engine.
"""
