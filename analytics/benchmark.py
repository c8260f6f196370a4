"""Time every analysis endpoint through the whole Django stack on a known data set.

Runs in a throw-away test database (never the configured one): import the export, log in a
whole-chain user with the test client, then for every registered analysis take the median of
N requests with the default filters and with a one-state, one-year filter.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import django
from django.db import connection
from django.db.models import Count
from django.test import Client, override_settings

from analytics import benchmark_sql
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
    sql_ms: float | None = None  # the hand-written SQL on the base tables (benchmark_sql)
    sql_filtered_ms: float | None = None
    sql_agrees: bool | None = None  # whether its figures equal the answer's, both filter sets

    @property
    def worst_ms(self) -> float:
        return max(self.default_ms, self.filtered_ms)

    @property
    def worst_cached_ms(self) -> float:
        return max(self.cached_ms, self.cached_filtered_ms)


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
        answers = [get({}).json(), get(filtered).json()]  # warm-up, and the answers' sizes
        rows, filtered_rows = (len(a["results"]) for a in answers)
        default_ms = median_ms(lambda: get({}), runs)
        filtered_ms = median_ms(lambda: get(filtered), runs)
    get({}), get(filtered)  # fill the cache
    sql = _time_sql(analysis.path, answers, filtered, runs)
    return Timing(
        name=analysis.name,
        path=url,
        default_ms=default_ms,
        filtered_ms=filtered_ms,
        rows=rows,
        filtered_rows=filtered_rows,
        cached_ms=median_ms(lambda: get({}), runs),
        cached_filtered_ms=median_ms(lambda: get(filtered), runs),
        **sql,
    )


def _time_sql(path: str, answers: list[dict], filtered: dict, runs: int) -> dict:
    """The hand-written SQL beside the analysis, if there is one: median ms for both filter
    sets, and whether its figures equal the answers'."""
    query = benchmark_sql.QUERIES.get(path)
    if query is None:
        return {}
    out, agree = [], True
    for params, answer in zip(({}, filtered), answers, strict=True):
        window = benchmark_sql.Window.of(params, answer["meta"] if path == "kpis/" else None)
        agree = agree and benchmark_sql.agrees(query, answer["results"], answer["meta"], window)
        out.append(median_ms(lambda w=window: benchmark_sql.run(query, w), runs))
    return {"sql_ms": out[0], "sql_filtered_ms": out[1], "sql_agrees": agree}


def time_admin(client: Client, runs: int) -> list[tuple[str, float]]:
    """Median ms of every admin changelist, for a superuser's client."""
    from django.contrib import admin
    from django.urls import reverse

    out = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

        def get(url=url):
            response = client.get(url, secure=True)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        get()  # warm-up
        out.append((url, median_ms(get, runs)))
    return out


def reset_peak_rss() -> bool:
    """Start the process's peak resident memory (VmHWM) again from now (Linux only)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    """The process's peak resident memory since start or the last reset, MiB."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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
    steps = ", ".join(f"{k} {v:.1f}" for k, v in data.get("import_steps", {}).items() if v >= 0.05)
    lines = [
        f"### {info['database']}, {data['orders']:,} orders",
        "",
        f"Machine: {info['cpu']}, {info['memory']}; Python {info['python']}, "
        f"Django {info['django']}. Data: {data['orders']:,} orders, {data['items']:,} item rows, "
        f"{data['customers']:,} customers, {data['stores']} stores"
        + (f", generated in {data['generate_s']:.1f} s" if data.get("generate_s") else "")
        + f". Import: {data['import_s']:.1f} s end to end (`manage.py import_dataset` in its own "
        f"process, start-up included"
        + (f"; steps {sum(data['import_steps'].values()):.1f} s: {steps})" if steps else ")")
        + f". Median of {runs} requests through the test client "
        f"(authenticated, whole chain), uncached (`ANALYSIS_CACHE_SECONDS=0`) and cached (the "
        f"same request again; the cache is {_cache_backend()}). "
        f"Filtered = `{_query(filtered)}`. SQL: a hand-written query on the base tables "
        "computing the same figures (`analytics/benchmark_sql.py`; = marks that its figures "
        "equal the answer's in this run), median of the same runs; ratio = analysis / SQL.",
        "",
        "| analysis | path | default ms | filtered ms | cached ms | cached filtered ms "
        "| SQL ms | SQL filtered ms | ratio | ratio filtered | rows (default / filtered) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in timings:
        if t.sql_ms is None:
            sql = "| — | — | — | — "
        else:
            mark = " =" if t.sql_agrees else " ≠"
            sql = (
                f"| {t.sql_ms:.1f}{mark} | {t.sql_filtered_ms:.1f} "
                f"| {_ratio(t.default_ms, t.sql_ms)} | {_ratio(t.filtered_ms, t.sql_filtered_ms)} "
            )
        lines.append(
            f"| {t.name} | `{t.path}` | {t.default_ms:.1f} | {t.filtered_ms:.1f} "
            f"| {t.cached_ms:.1f} | {t.cached_filtered_ms:.1f} {sql}"
            f"| {t.rows} / {t.filtered_rows} |"
        )
    worst = max(timings, key=lambda t: t.worst_ms, default=None)
    if worst:
        paired = [t for t in timings if t.sql_ms]
        lines += [
            "",
            f"Slowest: `{worst.path}` at {worst.worst_ms:.1f} ms; "
            f"median over all analyses {statistics.median(t.default_ms for t in timings):.1f} ms. "
            f"Cached: slowest {max(t.worst_cached_ms for t in timings):.1f} ms, "
            f"median {statistics.median(t.cached_ms for t in timings):.1f} ms."
            + (
                f" Beside hand-written SQL ({len(paired)} analyses): median ratio "
                f"{statistics.median(t.default_ms / t.sql_ms for t in paired):.2f} default, "
                f"{statistics.median(t.filtered_ms / t.sql_filtered_ms for t in paired):.2f} "
                "filtered."
                if paired
                else ""
            ),
        ]
    return "\n".join(lines) + "\n"


def admin_markdown(changelists: list[tuple[str, float]], runs: int) -> str:
    lines = [
        "",
        f"#### Admin changelists (median of {runs}, superuser, first page)",
        "",
        "| changelist | ms |",
        "| --- | ---: |",
    ]
    lines += [f"| `{url}` | {ms:.1f} |" for url, ms in changelists]
    return "\n".join(lines) + "\n"


@dataclass
class Target:
    name: str
    limit: str
    measured: str
    met: bool | None  # None: not measured in this run

    @property
    def verdict(self) -> str:
        return {True: "met", False: "missed", None: "not measured"}[self.met]


def targets(
    timings: list[Timing],
    pages: list,
    changelists: list[tuple[str, float]],
    data: dict,
    engine: str,
    peak_mb: float,
    baseline: dict[str, tuple[float, float]] | None = None,
) -> list[Target]:
    """Issue #5's targets against this run's figures; `baseline`: the uncached medians
    (default, filtered) per path of the 1M run on this engine (`uncached_medians`), for the
    growth target of a 5M run."""
    out = []

    def over(items, limit):
        return [(name, ms) for name, ms in items if ms > limit]

    slow = over([(t.path, t.worst_ms) for t in timings], 50)
    out.append(
        Target(
            "Every analysis uncached, both filter sets",
            "median ≤ 50 ms",
            f"{len(timings) - len(slow)} of {len(timings)} met"
            + (f"; missed: {_misses(slow, 50)}" if slow else ""),
            not slow,
        )
    )
    slow = over([(t.path, t.worst_cached_ms) for t in timings], 10)
    out.append(
        Target(
            "Every analysis cached",
            "median ≤ 10 ms",
            f"{len(timings) - len(slow)} of {len(timings)} met"
            + (f"; missed: {_misses(slow, 10)}" if slow else ""),
            not slow,
        )
    )
    painted = [(p.path, p.first_paint_ms) for p in pages if p.first_paint_ms is not None]
    slow = over(painted, 1000)
    out.append(
        Target(
            "Every dashboard page ready (all charts drawn), uncached",
            "≤ 1,000 ms",
            (
                f"{len(painted) - len(slow)} of {len(painted)} met"
                + (f"; missed: {_misses(slow, 1000)}" if slow else "")
            )
            if painted
            else "no browser run",
            (not slow) if painted else None,
        )
    )
    slow = over(changelists, 300)
    out.append(
        Target(
            "Every admin changelist",
            "≤ 300 ms",
            f"{len(changelists) - len(slow)} of {len(changelists)} met"
            + (f"; missed: {_misses(slow, 300)}" if slow else ""),
            not slow,
        )
    )
    limit_s, size = (20, 1_000_000) if engine == "postgresql" else (15, 100_000)
    engine_name = "PostgreSQL" if engine == "postgresql" else "SQLite"
    applies = data["orders"] == size
    out.append(
        Target(
            f"Import of the {size:,}-order export on {engine_name}, end to end",
            f"≤ {limit_s} s",
            f"{data['import_s']:.1f} s"
            + (
                f" (+{data['import_s'] - limit_s:.1f} s)"
                if applies and data["import_s"] > limit_s
                else ""
            )
            + ("" if applies else f" at {data['orders']:,} orders: the target is for {size:,}"),
            (data["import_s"] <= limit_s) if applies else None,
        )
    )
    out.append(
        Target(
            "Peak resident memory of the web process (test client and live server) through "
            "the benchmark",
            "< 400 MB",
            f"{peak_mb:.0f} MiB",
            peak_mb < 400,
        )
    )
    out.append(_growth(timings, data["orders"], baseline))
    out.append(
        Target(
            "Load: gunicorn, mixed dashboard and API load for 60 s",
            "≥ 200 requests/s, p95 ≤ 100 ms, no error",
            "measured apart: `manage.py loadtest`, its section in this document",
            None,
        )
    )
    return out


GROWTH_ORDERS, GROWTH_BASE, GROWTH_LIMIT = 5_000_000, 1_000_000, 1.5


def _growth(
    timings: list[Timing], orders: int, baseline: dict[str, tuple[float, float]] | None
) -> Target:
    """Each analysis's uncached medians at 5M orders against the same filter set at 1M."""
    name, limit = "Growth: uncached medians at 5M orders", "≤ 1.5× the 1M values"
    if orders != GROWTH_ORDERS:
        return Target(name, limit, f"measured by a `--orders {GROWTH_ORDERS}` run", None)
    pairs = [(t, baseline[t.path]) for t in timings if baseline and t.path in baseline]
    if not pairs:
        return Target(name, limit, "no 1M section of this engine to compare with", None)
    ratios = [
        (t.path, max(t.default_ms / base[0], t.filtered_ms / base[1]))
        for t, base in pairs
        if base[0] > 0 and base[1] > 0
    ]
    slow = sorted((r for r in ratios if r[1] > GROWTH_LIMIT), key=lambda r: -r[1])
    median = statistics.median(r for _, r in ratios)
    measured = f"{len(ratios) - len(slow)} of {len(ratios)} met, median ratio {median:.2f}"
    if slow:
        measured += "; missed: " + ", ".join(f"`{p}` ×{r:.2f}" for p, r in slow)
    return Target(name, limit, measured, not slow)


def uncached_medians(path: Path, key: str) -> dict[str, tuple[float, float]]:
    """The uncached medians (default, filtered ms) per analysis path in the section `key`
    (e.g. "postgresql:1000000") of the performance document; empty without one."""
    text = path.read_text() if path.exists() else ""
    begin, end = f"<!-- bench:{key}:begin -->", f"<!-- bench:{key}:end -->"
    if begin not in text or end not in text:
        return {}
    section = text.split(begin, 1)[1].split(end, 1)[0]
    row = re.compile(r"^\| \w+ \| `(/api/[^`]+)` \| ([\d.]+) \| ([\d.]+) \|", re.MULTILINE)
    return {m[1]: (float(m[2]), float(m[3])) for m in row.finditer(section)}


def targets_markdown(rows: list[Target]) -> str:
    lines = ["", "#### Targets", "", "| target | limit | measured | verdict |"]
    lines.append("| --- | --- | --- | --- |")
    lines += [f"| {t.name} | {t.limit} | {t.measured} | **{t.verdict}** |" for t in rows]
    return "\n".join(lines) + "\n"


def _misses(items: list[tuple[str, float]], limit: float) -> str:
    worst = sorted(items, key=lambda kv: -kv[1])
    return ", ".join(f"`{name}` {ms:,.0f} ms (×{ms / limit:.1f})" for name, ms in worst)


def _ratio(ms: float, sql_ms: float | None) -> str:
    return "—" if not sql_ms else f"{ms / sql_ms:.2f}"


def _cache_backend() -> str:
    from django.conf import settings

    backend = settings.CACHES["analyses"]["BACKEND"].rsplit(".", 1)[-1]
    return {"RedisCache": "Redis", "LocMemCache": "local memory"}.get(backend, backend)


def _query(params: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items())


def write_section(path: Path, key: str, body: str) -> None:
    """Replace the section of this engine and data size (`key`, e.g. "postgresql:1000000") of
    the performance document, keeping the others."""
    begin, end = f"<!-- bench:{key}:begin -->", f"<!-- bench:{key}:end -->"
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

Measured by `make bench` (`python manage.py benchmark`, see `analytics/benchmark.py`): it
generates an export, imports it into a throw-away test database and times every analysis
endpoint, dashboard and admin changelist through the whole Django stack. Each section below is
rewritten by the run on that database engine and data size.
"""
