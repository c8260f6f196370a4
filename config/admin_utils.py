"""Helpers shared by the apps' admin modules, for changelists over millions of rows."""

from datetime import datetime, timedelta, tzinfo

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, Q, QuerySet
from django.urls import URLPattern, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property

PG_ESTIMATE_SQL = "SELECT reltuples FROM pg_class WHERE oid = %s::regclass"


class AdminLoginMixin:
    """Send anonymous visitors of a ModelAdmin's pages to the admin login, as the site's own.

    With LoginRequiredMiddleware, Django marks the AdminSite's views (index, app index) with
    the admin login URL but not the ModelAdmin views, which then redirect to LOGIN_URL, the
    dashboards' login. Staff-only access is unchanged: the admin still checks `is_staff`.
    """

    def get_urls(self) -> list[URLPattern]:
        urls = super().get_urls()
        login_url = reverse_lazy("admin:login", current_app=self.admin_site.name)
        for pattern in urls:
            pattern.callback.login_url = login_url
        return urls


def is_unfiltered(queryset: QuerySet) -> bool:
    """True when `queryset` reads its whole table: no WHERE, no DISTINCT, no slice, no UNION."""
    query = queryset.query
    return not (
        query.where
        or query.distinct
        or query.combinator
        or query.low_mark
        or query.high_mark is not None
    )


def estimated_row_count(queryset: QuerySet) -> int | None:
    """PostgreSQL's planner estimate of the rows in `queryset`'s table, or None.

    None when the engine is not PostgreSQL. The estimate is `pg_class.reltuples`, which
    ANALYZE and autovacuum keep up to date; it is -1 for a table never analysed (PostgreSQL 14+).
    """
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(PG_ESTIMATE_SQL, [table])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs COUNT(*) over a whole big table.

    For an unfiltered queryset on PostgreSQL, `count` is the planner's estimate
    (`SELECT reltuples FROM pg_class WHERE oid = '<table>'::regclass`): instant, where an exact
    COUNT(*) over millions of rows reads the whole table on every changelist page. It counts
    exactly instead when the queryset is filtered (a list filter, a search, a date drill-down:
    those counts are smaller and use indexes), when the engine is not PostgreSQL, or when the
    estimate is below `exact_below` rows. The last case covers a table never analysed
    (reltuples = -1) and, importantly, a stale estimate after a bulk import: were the count
    below `list_per_page`, the admin would think one page holds everything and list the whole
    table unpaginated. A small estimate means either a small table (cheap to count) or a stale
    one (worth one exact count).

    Being an estimate, the total shown may be off by a few percent, so the last page can come
    out short or empty; pages in between are exact.
    """

    exact_below = 10_000

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet) and is_unfiltered(self.object_list):
            estimate = estimated_row_count(self.object_list)
            if estimate is not None and estimate >= self.exact_below:
                return estimate
        return super().count


class PeriodsFromRangeQuerySet(QuerySet):
    """A queryset whose year and month `datetimes()` come from the first and last row alone.

    The admin's date_hierarchy lists the years (then a year's months) that hold rows with
    SELECT DISTINCT over every row: a scan of the whole orders table on each changelist page,
    about 0.35 s per million orders on PostgreSQL. Here MIN and MAX of the (indexed) column
    give the range and every year or month in it is listed, rows or not; for a chain that sells
    every month that is the same list. Days are still listed from the rows (a month's worth).
    """

    def datetimes(
        self, field_name: str, kind: str, order: str = "ASC", tzinfo: tzinfo | None = None
    ) -> list[datetime] | QuerySet:
        if kind not in ("year", "month"):
            return super().datetimes(field_name, kind, order, tzinfo)
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = (timezone.localtime(bounds[end], tzinfo) for end in ("first", "last"))
        start = first.replace(month=1 if kind == "year" else first.month, day=1)
        period = start.replace(hour=0, minute=0, second=0, microsecond=0)
        periods = []
        while period <= last:
            periods.append(period)
            period = next_period(period, kind)
        return periods if order == "ASC" else periods[::-1]


def next_period(start: datetime, kind: str) -> datetime:
    """The first instant of the year or month after the one `start` opens (local wall time)."""
    if kind == "year":
        return start.replace(year=start.year + 1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


BIGINT_MAX = 2**63 - 1


def integer_id(term: str) -> int | None:
    """`term` as an integer primary key when it can be one (an order ID typed in a search box)."""
    term = term.strip()
    if not (term.isascii() and term.isdigit()):
        return None
    value = int(term)
    return value if value <= BIGINT_MAX else None


def search_by_ids(
    queryset: QuerySet, term: str, *, integer: str, text: tuple[str, ...]
) -> QuerySet:
    """Rows whose `integer` column equals `term` as a number, or a `text` column equals it.

    Exact matches on the raw columns, so each is an index lookup even over millions of rows;
    Django's own searches compare UPPER(column), or the integer cast to text, and read the whole
    table. Text IDs are upper-cased, as the export writes them (C…, S…, PZ…). A blank term
    returns `queryset` as it is.
    """
    term = term.strip()
    if not term:
        return queryset
    condition = Q()
    for column in text:
        condition |= Q(**{column: term.upper()})
    number = integer_id(term)
    if number is not None:
        condition |= Q(**{integer: number})
    return queryset.filter(condition)
