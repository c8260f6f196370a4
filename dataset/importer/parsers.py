"""Typed field parsers: a field's text in, the value the database is given out.

A parser raises ValueError whose message completes "<column> '<text>' ...", for example
"is negative". Required fields reject the empty text; `optional` ones read it as NULL.
Money and order times come out as text in the form both engines load without conversion
(`32.98`, `2020-01-01 19:52:53` in UTC): the writer passes them through untouched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

Parser = Callable[[str], Any]

_WHOLE = re.compile(r"-?\d+\Z")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?\Z")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\Z")
_ZIP = re.compile(r"\d{1,5}\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\Z")


@dataclass(frozen=True)
class Field:
    """One column the importer reads: its header name, parser, and whether it may be empty."""

    header: str
    parse: Parser
    required: bool = True


def memoized(parse: Parser) -> Parser:
    """Parse each distinct text once: for columns with few distinct values (IDs, prices).

    Equal texts then share one value object, which also keeps memory down on large files.
    """
    cache: dict[str, Any] = {}

    def parse_once(value: str) -> Any:
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = parse(value)
            return result

    return parse_once


def optional(parse: Parser) -> Parser:
    def parse_or_null(value: str) -> Any:
        return parse(value) if value else None

    return parse_or_null


def text(max_length: int) -> Parser:
    def parse(value: str) -> str:
        if not value:
            raise ValueError("is empty")
        if len(value) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        return value

    return parse


def whole(minimum: int = 0) -> Parser:
    def parse(value: str) -> int:
        if not _WHOLE.match(value):
            raise ValueError("is not a whole number")
        number = int(value)
        if number < minimum:
            raise ValueError("is negative" if number < 0 else f"is less than {minimum}")
        return number

    return parse


def money(max_digits: int) -> Parser:
    """A non-negative amount with at most 2 decimal places, returned as its text."""
    limit = Decimal(10) ** (max_digits - 2)

    def parse(value: str) -> str:
        if not _DECIMAL.match(value):
            raise ValueError("is not a number")
        dot = value.find(".")
        if dot >= 0 and len(value) - dot > 3:
            raise ValueError("has more than 2 decimal places")
        amount = Decimal(value)
        if amount < 0:
            raise ValueError("is negative")
        if amount >= limit:
            raise ValueError(f"is too large (at most {max_digits} digits)")
        return value

    return parse


def real(value: str) -> float:
    if not _FLOAT.match(value) or not math.isfinite(number := float(value)):
        raise ValueError("is not a number")
    return number


def coordinate(limit: float) -> Parser:
    def parse(value: str) -> float:
        number = real(value)
        if not -limit <= number <= limit:
            raise ValueError(f"is out of range (-{limit:g} to {limit:g})")
        return number

    return parse


latitude, longitude = coordinate(90), coordinate(180)


def zipcode(value: str) -> str:
    """A ZIP code written as a number in the export: zero-padded back to 5 digits."""
    if not _ZIP.match(value):
        raise ValueError("is not a 5-digit ZIP code")
    return value.zfill(5)


def day(value: str) -> date:
    if _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("is not a date (YYYY-MM-DD)")


def moment(zone: tzinfo) -> Parser:
    """A naive `YYYY-MM-DD HH:MM:SS` read in `zone`, returned as the same form in UTC.

    A wall time skipped or repeated by a DST change is read with fold=0 (the earlier offset).
    """
    in_utc = str(zone) in ("UTC", "Etc/UTC")  # the usual case: the text is already the value

    def parse(value: str) -> str:
        if _DATETIME.match(value):
            try:
                local = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if in_utc:
                    return value
                utc = local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
                return utc.isoformat(" ")
        raise ValueError("is not a date and time (YYYY-MM-DD HH:MM:SS)")

    return parse
