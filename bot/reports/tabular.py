"""The report as JSON (the whole view) and as CSV (one row per log entry)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

CSV_COLUMNS = (
    "seq",
    "occurred_at",
    "recorded_at",
    "kind",
    "actor",
    "description",
    "disclosable",
    "corrects_seq",
    "payload",
    "prev_hash",
    "hash",
    "edition",  # internal or disclosure: which version the reader holds
)
# A cell starting with one of these is a formula to spreadsheet programs (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render_json(view: dict[str, Any]) -> str:
    """The complete report, valid against ``schema/report.schema.json``."""
    return json.dumps(view, ensure_ascii=False, indent=2) + "\n"


def render_csv(view: dict[str, Any]) -> str:
    """One row per log entry with its hash, for spreadsheets and archive systems."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in view["timeline"]:
        row = {
            **entry,
            "payload": json.dumps(entry["payload"], ensure_ascii=False, sort_keys=True),
            "disclosable": "yes" if entry["disclosable"] else "no",
            "edition": view["edition"],
        }
        writer.writerow([cell(row[column]) for column in CSV_COLUMNS])
    return buffer.getvalue()


def cell(value: Any) -> str:
    """``value`` as a CSV cell that no spreadsheet reads as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
