"""One function per analysis, grouped by area. Each takes the validated `Filters` and the
user's `Scope`, aggregates in the database and returns a `Result` of plain rows."""
