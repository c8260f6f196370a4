"""Reading one export file: header check, physical line numbers, parsing through `Field`s.

`CsvRows` reads row by row and logs every problem with its line. `tally_rows` is the fast
path for orderItems.csv: it counts identical rows in C and reports nothing; when it cannot
vouch for the file, the caller reads it again with `CsvRows` for the diagnostics.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from dataset.importer.errors import ErrorLog
from dataset.importer.parsers import Field

_PROGRESS_EVERY = 50_000

Row = tuple[int, list[str], list[Any], bool]


def _open(path: Path) -> TextIO:
    return path.open(encoding="utf-8-sig", newline="")


def _bar(name: str, progress: bool) -> tqdm:
    return tqdm(desc=f"read {name}", unit=" rows", unit_scale=True, disable=not progress)


def _positions(header: list[str], fields: tuple[Field, ...]) -> list[int] | None:
    """Where each field's column is in the header; None when any is missing."""
    if any(field.header not in header for field in fields):
        return None
    return [header.index(field.header) for field in fields]


def _first_undecodable_line(path: Path) -> int:
    """The physical line where UTF-8 decoding fails (the decoder works in blocks)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


class CsvRows:
    """Iterate over (line, texts, values, ok) for each data row of a CSV file.

    `texts` are the fields' raw texts in `fields` order and `values` their parsed values (None
    where a field is empty or bad); `ok` is False when any field was rejected. Every problem
    goes to `log` with the row's first physical line (header = line 1). A missing file or
    column is logged and nothing is yielded; blank lines are skipped. `count` is the number of
    rows read.
    """

    def __init__(
        self, path: Path, fields: tuple[Field, ...], log: ErrorLog, *, progress: bool = False
    ) -> None:
        self.path, self.name, self.fields, self.log = path, path.name, fields, log
        self.progress = progress
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        if not self.path.is_file():
            self._unreadable(None, "file not found")
            return
        with _open(self.path) as handle, _bar(self.name, self.progress) as bar:
            reader = csv.reader(handle)
            try:
                yield from self._rows(reader, next(reader, []), bar)
            except UnicodeDecodeError:
                self._unreadable(_first_undecodable_line(self.path), "is not UTF-8 text")
            except csv.Error as exc:
                self._unreadable(reader.line_num + 1, f"cannot be read further: {exc}")

    def _unreadable(self, line: int | None, reason: str) -> None:
        self.log.add(self.name, line, reason)
        self.log.unreadable.add(self.name)

    def _rows(self, reader: Any, header: list[str], bar: tqdm) -> Iterator[Row]:
        positions = _positions(header, self.fields)
        if positions is None:
            for field in self.fields:
                if field.header not in header:
                    self._unreadable(1, f"missing column {field.header!r}")
            return
        width, as_is = len(header), positions == list(range(len(header)))
        end = reader.line_num
        for row in reader:
            line, end = end + 1, reader.line_num
            if len(row) != width:
                if row:
                    self.log.add(self.name, line, f"expected {width} fields, found {len(row)}")
                continue
            self.count += 1
            if self.count % _PROGRESS_EVERY == 0:
                bar.update(_PROGRESS_EVERY)
            texts = row if as_is else [row[i] for i in positions]
            yield line, texts, *self._parse(texts, line)
        bar.update(self.count % _PROGRESS_EVERY)

    def _parse(self, texts: list[str], line: int) -> tuple[list[Any], bool]:
        try:
            return [
                field.parse(value) for field, value in zip(self.fields, texts, strict=True)
            ], True
        except ValueError:
            return self._parse_reporting(texts, line), False

    def _parse_reporting(self, texts: list[str], line: int) -> list[Any]:
        """The slow path for a row with a bad field: log each problem, None in its place."""
        values: list[Any] = []
        for field, value in zip(self.fields, texts, strict=True):
            try:
                values.append(field.parse(value))
            except ValueError as exc:
                reason = (
                    f"{field.header} is empty" if not value else f"{field.header} {value!r} {exc}"
                )
                self.log.add(self.name, line, reason)
                values.append(None)
        return values


def tally_rows(path: Path, fields: tuple[Field, ...], *, progress: bool = False) -> Counter | None:
    """How many times each row (the fields' texts, in `fields` order) occurs in the file.

    None when the file is missing, lacks a column, is malformed or has a row of the wrong
    width: then `CsvRows` must read it to say where. Parses nothing.
    """
    try:
        with _open(path) as handle, _bar(path.name, progress) as bar:
            reader = csv.reader(handle)
            header = next(reader, [])
            positions = _positions(header, fields)
            if positions is None:
                return None
            counts: Counter = Counter()
            for chunk in iter(lambda: list(islice(reader, _PROGRESS_EVERY)), []):
                counts.update(map(tuple, chunk))
                bar.update(len(chunk))
    except (OSError, csv.Error, UnicodeDecodeError):
        return None
    counts.pop((), None)  # blank lines
    if any(len(row) != len(header) for row in counts):
        return None
    return counts if positions == list(range(len(header))) else _project(counts, positions)


def _project(counts: Counter, positions: list[int]) -> Counter:
    projected: Counter = Counter()
    for row, count in counts.items():
        projected[tuple(row[i] for i in positions)] += count
    return projected
