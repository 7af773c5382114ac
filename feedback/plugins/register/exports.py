"""Open data: the register and the statistics as CSV and JSON, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

REGISTER_COLUMNS = ("code", "kind", "topic", "status", "unit_code", "unit", "procedure_code", "procedure", "field",
                    "received_at", "due_at", "responded_at", "late", "late_days", "extended", "transferred",
                    "title", "body", "answer", "answer_unit", "head_title", "rating")
STATS_COLUMNS = ("unit", "name", "received", "answered", "answered_on_time", "answered_late", "open", "open_overdue",
                 "on_time_rate", "mean_working_days", "p90_working_days")


def neutralise(value) -> str:
    """A cell as text; one that a spreadsheet would read as a formula is prefixed with a quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def register_row(view: dict) -> dict:
    """A public view flattened to the download's columns."""
    unit, procedure, response = view.get("unit") or {}, view.get("procedure") or {}, view.get("response") or {}
    return {
        "code": view.get("code"), "kind": view.get("kind"), "topic": view.get("topic"), "status": view.get("status"),
        "unit_code": unit.get("code"), "unit": unit.get("name"),
        "procedure_code": procedure.get("code"), "procedure": procedure.get("name"), "field": procedure.get("field"),
        "received_at": view.get("received_at"), "due_at": view.get("due_at"), "responded_at": view.get("responded_at"),
        "late": view.get("late"), "late_days": view.get("late_days"), "extended": view.get("extended"),
        "transferred": view.get("transferred"), "title": view.get("title"), "body": view.get("body"),
        "answer": response.get("body"), "answer_unit": response.get("unit"), "head_title": response.get("head_title"),
        "rating": view.get("rating"),
    }


def to_csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    """UTF-8 CSV with a BOM (Excel reads Vietnamese right), every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
    return out.getvalue()


def _default(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(data) -> str:
    return json.dumps(data, ensure_ascii=False, default=_default)
