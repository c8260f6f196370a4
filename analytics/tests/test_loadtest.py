"""The load test's parts: the request mix and the verdict. (Driving gunicorn with wrk is the
command's job: `manage.py loadtest`, figures in docs/performance.md.)"""

import pytest

from analytics.management.commands.loadtest import Command, _lua
from analytics.registry import all_analyses

pytestmark = pytest.mark.django_db


def test_the_mix_holds_every_page_callback_and_analysis(tiny_chain):
    mix, cookies = Command()._mix()
    gets = [path for method, path, _ in mix if method == "GET"]
    posts = [path for method, path, _ in mix if method == "POST"]
    assert "/dashboard/" in gets and "/dashboard/geo/" in gets
    for analysis in all_analyses().values():
        assert f"/api/{analysis.path}" in gets
        assert any(p.startswith(f"/api/{analysis.path}?state=") for p in gets)
    assert posts and all(p.endswith("/_dash-update-component") for p in posts)
    assert len(cookies["csrftoken"]) == 32
    script = _lua(mix, cookies, 8000)
    assert script.count("{[==[") == len(mix)  # one Lua entry per request
    assert "[==[X-CSRFToken]==]" in script and "i = i % #requests + 1" in script


@pytest.mark.parametrize(
    ("requests", "p95_ms", "not_ok", "verdict"),
    [
        (13_000, 80.0, 0, "met"),
        (11_000, 80.0, 0, "missed"),
        (13_000, 120.0, 0, "missed"),
        (13_000, 80.0, 1, "missed"),
    ],
)
def test_the_verdict_needs_200_per_second_p95_100_ms_and_no_error(
    tiny_chain, requests, p95_ms, not_ok, verdict
):
    result = {
        "requests": requests,
        "duration_us": 60_000_000,
        "p50_us": 9_000,
        "p95_us": int(p95_ms * 1000),
        "p99_us": 150_000,
        "max_us": 300_000,
        "not_ok": not_ok,
        "socket_errors": 0,
    }
    options = {"threads": 2, "connections": 16, "workers": 4, "warmup": 10}
    text = Command()._markdown(result, [("GET", "/api/kpis/", "")], options)
    assert f"**{verdict}**" in text
    assert f"| {requests:,} | {requests / 60:.0f} | 9.0 | {p95_ms:.1f} |" in text
