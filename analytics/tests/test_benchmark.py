"""The benchmark's parts: the SQL beside each analysis, the admin changelists, the memory
reading and the targets table judged from given figures."""

import pytest
from django.test import Client

from analytics import benchmark
from analytics.benchmark import Target, Timing
from analytics.benchmark_dash import PageTiming
from analytics.registry import all_analyses
from stores.models import Store

pytestmark = pytest.mark.django_db


def _timing(path: str, default: float, filtered: float, cached: float = 1.0) -> Timing:
    return Timing(path, f"/api/{path}", default, filtered, 1, 1, cached, cached)


def _verdicts(rows: list[Target]) -> dict[str, tuple[str, str]]:
    return {t.name: (t.measured, t.verdict) for t in rows}


def test_targets_are_judged_from_the_figures():
    timings = [_timing("a/", 12.0, 49.9), _timing("b/", 30.0, 75.0, cached=12.5)]
    pages = [PageTiming("/dashboard/", "overview", 8.0, first_paint_ms=900.0)]
    pages.append(PageTiming("/dashboard/stores/", "stores", 8.0, first_paint_ms=1500.0))
    data = {"orders": 1_000_000, "import_s": 25.0}
    rows = _verdicts(
        benchmark.targets(timings, pages, [("/admin/x/", 120.0)], data, "postgresql", 250.0)
    )
    assert rows["Every analysis uncached, both filter sets"] == (
        "1 of 2 met; missed: `/api/b/` 75 ms (×1.5)",
        "missed",
    )
    assert rows["Every analysis cached"] == ("1 of 2 met; missed: `/api/b/` 12 ms (×1.2)", "missed")
    assert rows["Every dashboard page ready (all charts drawn), uncached"][1] == "missed"
    assert rows["Every admin changelist"] == ("1 of 1 met", "met")
    assert rows["Import of the 1,000,000-order export on PostgreSQL, end to end"] == (
        "25.0 s (+5.0 s)",
        "missed",
    )
    memory = [name for name in rows if name.startswith("Peak resident memory of the web")]
    assert rows[memory[0]] == ("250 MiB", "met")


def test_an_import_of_another_size_is_not_judged_and_no_browser_is_not_measured():
    data = {"orders": 100_000, "import_s": 12.0}
    rows = _verdicts(benchmark.targets([_timing("a/", 1, 1)], [], [], data, "sqlite", 500.0))
    assert rows["Import of the 100,000-order export on SQLite, end to end"] == ("12.0 s", "met")
    assert rows["Every dashboard page ready (all charts drawn), uncached"][1] == "not measured"
    other = {"orders": 20_000, "import_s": 3.0}
    rows = _verdicts(benchmark.targets([_timing("a/", 1, 1)], [], [], other, "sqlite", 500.0))
    assert rows["Import of the 100,000-order export on SQLite, end to end"][1] == "not measured"


def test_every_admin_changelist_is_timed(tiny_chain, make_user):
    from django.contrib import admin

    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    timed = benchmark.time_admin(client, runs=1)
    assert len(timed) == len(admin.site._registry) >= 7
    assert "/admin/orders/order/" in {url for url, _ in timed}
    assert all(ms > 0 for _, ms in timed)


def test_an_analysis_is_timed_beside_its_sql(pizza_small_db, make_user):
    client = Client()
    client.force_login(make_user("exec", role="executive"))
    filtered = benchmark.one_state_one_year()
    timing = benchmark.time_analysis(client, all_analyses()["sales_by_store"], filtered, runs=1)
    assert timing.sql_agrees is True
    assert timing.sql_ms > 0 and timing.sql_filtered_ms > 0
    in_state = Store.objects.filter(state_abbr=filtered["state"]).count()
    assert (timing.rows, timing.filtered_rows) == (32, in_state)  # every store; the state's
    text = benchmark.markdown([timing], filtered, benchmark.machine(), _sizes(), runs=1)
    assert f"| {timing.default_ms / timing.sql_ms:.2f} |" in text
    none = benchmark.time_analysis(
        client, all_analyses()["revenue_volatility_by_store"], filtered, 1
    )
    assert none.sql_ms is None and none.sql_agrees is None  # no hand-written counterpart


def test_peak_memory_is_read_and_reset():
    assert benchmark.reset_peak_rss()
    assert 20 < benchmark.peak_rss_mb() < 4000


def _sizes() -> dict:
    return {"orders": 1, "items": 1, "customers": 1, "stores": 1, "import_s": 1.0}


def test_a_run_rewrites_only_its_own_engine_and_size(tmp_path):
    doc = tmp_path / "performance.md"
    benchmark.write_section(doc, "postgresql:1000000", "one million, first run\n")
    benchmark.write_section(doc, "postgresql:20000", "twenty thousand\n")
    benchmark.write_section(doc, "postgresql:1000000", "one million, second run\n")
    text = doc.read_text()
    assert text.startswith("# Performance")
    assert "first run" not in text
    assert text.index("second run") < text.index("twenty thousand")  # kept in place
    assert text.count("<!-- bench:postgresql:1000000:begin -->") == 1


def test_growth_compares_each_filter_set_with_the_1m_section(tmp_path):
    doc = tmp_path / "performance.md"
    header = "| analysis | path | default ms | filtered ms | cached ms |\n| --- | --- | ---: |\n"
    one_m = (
        header + "| a | `/api/a/` | 10.0 | 20.0 | 1.0 |\n| b | `/api/b/` | 100.0 | 40.0 | 1.0 |\n"
    )
    benchmark.write_section(doc, "postgresql:20000", header + "| a | `/api/a/` | 1.0 | 1.0 |\n")
    benchmark.write_section(doc, "postgresql:1000000", one_m)
    baseline = benchmark.uncached_medians(doc, "postgresql:1000000")
    assert baseline == {"/api/a/": (10.0, 20.0), "/api/b/": (100.0, 40.0)}
    assert benchmark.uncached_medians(doc, "sqlite:1000000") == {}
    # a: 14/10 = 1.4 and 25/20 = 1.25, met; b: 120/100 = 1.2 but 80/40 = 2.0, missed.
    timings = [_timing("a/", 14.0, 25.0), _timing("b/", 120.0, 80.0)]
    data = {"orders": 5_000_000, "import_s": 100.0}
    name = "Growth: uncached medians at 5M orders"
    rows = _verdicts(benchmark.targets(timings, [], [], data, "postgresql", 250.0, baseline))
    assert rows[name] == ("1 of 2 met, median ratio 1.70; missed: `/api/b/` ×2.00", "missed")
    rows = _verdicts(benchmark.targets(timings[:1], [], [], data, "postgresql", 250.0, baseline))
    assert rows[name] == ("1 of 1 met, median ratio 1.40", "met")
    rows = _verdicts(benchmark.targets(timings, [], [], data, "postgresql", 250.0, {}))
    assert rows[name][1] == "not measured"
    at_1m = {"orders": 1_000_000, "import_s": 10.0}
    rows = _verdicts(benchmark.targets(timings, [], [], at_1m, "postgresql", 250.0, baseline))
    assert rows[name] == ("measured by a `--orders 5000000` run", "not measured")
