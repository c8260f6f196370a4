"""CSV output for every analysis: the same rows as the JSON `results`, columns in order."""

import csv
import io

from rest_framework.renderers import BaseRenderer


class AnalysisCSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if isinstance(data, dict) and "results" in data and "columns" in data:
            writer.writerow(data["columns"])
            for row in data["results"]:
                writer.writerow([_cell(row.get(c)) for c in data["columns"]])
        else:  # an error body: keep it readable
            writer.writerow(["error"])
            writer.writerow([str(data)])
        return buffer.getvalue().encode(self.charset)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
