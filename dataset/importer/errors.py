"""What a rejected import reports: one `RowError` per problem, gathered before failing."""

from __future__ import annotations

from dataclasses import dataclass

# Problems kept in full; beyond this only the total is counted.
MAX_STORED_ERRORS = 1_000


@dataclass(frozen=True)
class RowError:
    """One problem: the file, its physical line (header = 1; None for the whole file), why."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        return f"{where}: {self.reason}"


class ImportFailed(Exception):
    """The export was rejected and nothing was written; `errors` lists the problems."""

    def __init__(self, errors: list[RowError], total: int | None = None) -> None:
        self.errors = list(errors)
        self.total = max(total or 0, len(self.errors))
        super().__init__(self.describe())

    def describe(self, limit: int = 50) -> str:
        """The first `limit` problems, one a line, and how many more there are."""
        noun = "problem" if self.total == 1 else "problems"
        lines = [f"The export was rejected ({self.total:,} {noun}); nothing was written."]
        lines += [str(error) for error in self.errors[:limit]]
        if self.total > limit:
            lines.append(f"... and {self.total - limit:,} more")
        return "\n".join(lines)


class ErrorLog:
    """Collects problems across all files; keeps the first MAX_STORED_ERRORS and a total."""

    def __init__(self, cap: int = MAX_STORED_ERRORS) -> None:
        self.cap = cap
        self.errors: list[RowError] = []
        self.total = 0
        # Files whose rows could not be read at all: references to them are not checked,
        # so one missing file does not bury the report under thousands of unknown keys.
        self.unreadable: set[str] = set()

    def add(self, file: str, line: int | None, reason: str) -> None:
        self.total += 1
        if len(self.errors) < self.cap:
            self.errors.append(RowError(file, line, reason))

    def fail_if_any(self) -> None:
        """Raise ImportFailed with the problems in file order (as read), then line order."""
        if self.total:
            files = {
                name: rank for rank, name in enumerate(dict.fromkeys(e.file for e in self.errors))
            }
            ordered = sorted(self.errors, key=lambda e: (files[e.file], e.line or 0))
            raise ImportFailed(ordered, self.total)
