"""The keys of one table during an import: those read from its file, then the database's."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from django.db import models

from dataset.importer.errors import ErrorLog


class Keys:
    """Keys read from a table's file (with their first line), and on demand the database's.

    The database's keys are read once, and only when a reference is not in the file.
    References to a file that could not be read are not checked: its missing rows are already
    reported, and thousands of "unknown key" lines would only bury that.
    """

    def __init__(self, model: type[models.Model], file: str, log: ErrorLog) -> None:
        self.model, self.file, self.log = model, file, log
        self.lines: dict[Hashable, int] = {}
        self._in_database: set[Hashable] | None = None

    def add(self, key: Hashable, line: int, header: str, text: str) -> bool:
        """Record a key read on `line`; log and return False when it was already read."""
        first = self.lines.setdefault(key, line)
        if first == line:
            return True
        self.log.add(self.file, line, f"duplicate {header} {text!r} (first on line {first})")
        return False

    def in_database(self) -> set[Hashable]:
        if self._in_database is None:
            self._in_database = set(self.model._base_manager.values_list("pk", flat=True))
        return self._in_database

    def knows(self, key: Hashable) -> bool:
        if key in self.lines or self.file in self.log.unreadable:
            return True
        return key in self.in_database()

    def knows_all(self, keys: Iterable[Hashable]) -> bool:
        missing = set(keys).difference(self.lines)
        return not missing or self.file in self.log.unreadable or missing <= self.in_database()

    def refer(self, key: Hashable, file: str, line: int, header: str, text: str) -> bool:
        """Check a reference from `file`; log and return False when the key is unknown."""
        if key is None or self.knows(key):
            return True
        reason = f"{header} {text!r} is neither in {self.file} nor in the database"
        self.log.add(file, line, reason)
        return False
