"""When orders are placed: a weight per local day (growth, week, season, holidays, noise),
times within opening hours, and the chain-local to UTC conversion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from .config import CHAIN_TIMEZONE, OPENING_HOUR, GeneratorConfig

SECONDS_PER_DAY = 86_400
UNIX_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class Calendar:
    """The local days of the order period and what each needs downstream."""

    days: tuple[date, ...]
    weights: np.ndarray  # relative expected orders per day
    utc_offsets: np.ndarray  # seconds to add to UTC to get local time, per day (-28800 in PST)
    month_index: np.ndarray  # index into `month_starts`, per day
    month_starts: tuple[date, ...]


def build_calendar(rng: np.random.Generator, config: GeneratorConfig) -> Calendar:
    """Every local day from `config.start` to `config.end` (exclusive), weighted."""
    days = tuple(config.start + timedelta(days=n) for n in range((config.end - config.start).days))
    month_starts = tuple(sorted({day.replace(day=1) for day in days}))
    month_number = {month: n for n, month in enumerate(month_starts)}
    return Calendar(
        days=days,
        weights=day_weights(rng, days, config),
        utc_offsets=np.array([utc_offset_seconds(day) for day in days], dtype=np.int64),
        month_index=np.array([month_number[day.replace(day=1)] for day in days]),
        month_starts=month_starts,
    )


def day_weights(
    rng: np.random.Generator, days: tuple[date, ...], config: GeneratorConfig
) -> np.ndarray:
    """Growth x weekday x month x holiday x lognormal noise, one weight per day."""
    age_years = np.arange(len(days)) / 365.25
    growth = (1.0 + config.annual_growth) ** age_years
    weekday = np.array([config.weekday_factors[day.weekday()] for day in days])
    month = np.array([config.month_factors[day.month - 1] for day in days])
    peaks = holiday_factors(days, dict(config.holiday_factors))
    noise = rng.lognormal(0.0, config.daily_noise_sigma, len(days))
    return growth * weekday * month * peaks * noise


def holiday_factors(days: tuple[date, ...], factors: dict[str, float]) -> np.ndarray:
    """The product of the factors of the named days falling on each day (1 on other days)."""
    named = named_days(sorted({day.year for day in days}))
    return np.array(
        [float(np.prod([factors.get(name, 1.0) for name in named.get(day, ())])) for day in days]
    )


def named_days(years: list[int]) -> dict[date, tuple[str, ...]]:
    """US federal holidays (the `holidays` package, not observed days) plus the chain's peak
    days: Super Bowl Sunday (taken as the 2nd Sunday of February), Halloween, New Year's Eve."""
    named: dict[date, list[str]] = {}
    for day, names in sorted(holidays.US(years=years, observed=False).items()):
        named.setdefault(day, []).extend(name.strip() for name in names.split(";"))
    for year in years:
        named.setdefault(super_bowl_sunday(year), []).append("Super Bowl Sunday")
        named.setdefault(date(year, 10, 31), []).append("Halloween")
        named.setdefault(date(year, 12, 31), []).append("New Year's Eve")
    return {day: tuple(names) for day, names in named.items()}


def super_bowl_sunday(year: int) -> date:
    """The second Sunday of February."""
    first = date(year, 2, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)


def utc_offset_seconds(day: date) -> int:
    """Chain-local UTC offset during opening hours that day (DST switches at 2:00, before)."""
    noon = datetime.combine(day, time(12), tzinfo=ZoneInfo(CHAIN_TIMEZONE))
    return int(noon.utcoffset().total_seconds())


def draw_order_times(
    rng: np.random.Generator, calendar: Calendar, config: GeneratorConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Order times as (day index, UTC Unix seconds), both sorted by time, one per order.

    Orders per day are one multinomial draw over the day weights; within the day an hour is
    drawn from `hour_weights` (10:00-23:00) and a minute and second uniformly.
    """
    per_day = rng.multinomial(config.orders, calendar.weights / calendar.weights.sum())
    day = np.repeat(np.arange(len(calendar.days)), per_day)
    hour = OPENING_HOUR + rng.choice(
        len(config.hour_weights), size=config.orders, p=normalised(config.hour_weights)
    )
    second_of_day = hour * 3600 + rng.integers(0, 3600, config.orders)
    local = np.sort(day * SECONDS_PER_DAY + second_of_day)
    day = local // SECONDS_PER_DAY
    first_day = (config.start - UNIX_EPOCH).days * SECONDS_PER_DAY
    return day, first_day + local - calendar.utc_offsets[day]


def normalised(weights: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Weights scaled to sum to one."""
    array = np.asarray(weights, dtype=float)
    return array / array.sum()
