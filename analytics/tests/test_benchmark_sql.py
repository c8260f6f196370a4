"""The benchmark's hand-written SQL computes the figures of the analysis it stands beside.

On the 20,000-order export, for the default filters and for one state and one year: each
query of analytics.benchmark_sql, run on the base tables, gives the numbers the API shows
(the whole answer, or for a top-N analysis every row it shows). The two sides share nothing
but the tables: the SQL is written by hand, the analyses read the rollups.
"""

import pytest

from analytics import benchmark_sql
from analytics.benchmark import one_state_one_year
from analytics.registry import all_analyses

pytestmark = pytest.mark.django_db


def test_every_query_names_a_registered_analysis():
    assert set(benchmark_sql.QUERIES) <= {a.path for a in all_analyses().values()}
    assert len(benchmark_sql.QUERIES) >= 20


def test_window_turns_local_days_into_utc_instants():
    w = benchmark_sql.Window.of({"state": "CA", "date_from": "2022-01-01", "date_to": "2022-12-31"})
    assert (w.start.isoformat(), w.end.isoformat(), w.state) == (
        "2022-01-01T08:00:00+00:00",  # PST midnight
        "2023-01-01T08:00:00+00:00",
        "CA",
    )
    summer = benchmark_sql.Window.of({"date_from": "2022-07-01", "date_to": "2022-07-01"})
    assert (summer.start.hour, summer.end.hour) == (7, 7)  # PDT


def test_each_query_equals_the_analysis_answer(pizza_small_db, api):
    client = api()
    filtered = one_state_one_year()
    assert filtered["state"] and filtered["date_from"].endswith("-01-01")
    checked = 0
    for path, query in sorted(benchmark_sql.QUERIES.items()):
        for params in ({}, filtered):
            body = client.get(f"/api/{path}", params).json()
            window = benchmark_sql.Window.of(params, body["meta"] if path == "kpis/" else None)
            sql_side = benchmark_sql.run(query, window)
            api_side = query.answer(body["results"], body["meta"])
            assert api_side, (path, params)
            if query.subset:
                assert {k: sql_side.get(k) for k in api_side} == api_side, (path, params)
            else:
                assert sql_side == api_side, (path, params)
            assert benchmark_sql.agrees(query, body["results"], body["meta"], window)
            checked += 1
    assert checked == 2 * len(benchmark_sql.QUERIES)
