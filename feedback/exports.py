"""Downloads from one row definition: CSV (safe to open in a spreadsheet), XLSX (typed cells,
local dates, a frozen bold header row) and JSON; CSV and JSON are streamed row by row.

A row definition is a sequence of ``Column``s. A ``Rows`` pairs it with the rows (any iterable,
a generator for large exports) and a title; ``download`` answers a request in any of the formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, islice

from flask import Response, current_app, stream_with_context
from flask_babel import get_timezone
from flask_babel import gettext as _

TYPES = ("text", "int", "float", "percent", "bool", "date", "datetime")
FORMATS = ("csv", "xlsx", "json")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# A spreadsheet reads a cell starting with one of these as a formula: such text gets a quote first.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_FORMATS = {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm", "percent": "0.0%", "float": "#,##0.0#",
                "int": "#,##0"}
# Widths (in characters) of XLSX columns: at least the header's and a type's usual value, at most WIDEST.
TYPE_WIDTHS = {"date": 11, "datetime": 17, "percent": 8, "float": 8, "int": 7, "bool": 6, "text": 10}
WIDEST = 60
SAMPLE_ROWS = 200  # rows read before the XLSX columns are sized (write-only sheets are sized first)
CHUNK_ROWS = 200  # rows per chunk of a streamed CSV or JSON body


@dataclass(frozen=True)
class Column:
    """A column: ``key`` (of the row mapping, and the JSON name), a header (translatable: give a
    lazy string), a type (one of TYPES), and ``value`` to compute the cell when it is not row[key]."""

    key: str
    header: str
    type: str = "text"
    value: Callable[[Mapping], object] | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.key!r}: type is one of {TYPES}")

    def read(self, row: Mapping):
        return self.value(row) if self.value is not None else row.get(self.key)

    def heading(self) -> str:
        """The header in the visitor's language; a time column names its time zone."""
        if self.type == "datetime":
            return _("%(header)s (%(zone)s time)", header=str(self.header), zone=zone_name())
        return str(self.header)


@dataclass(frozen=True)
class Rows:
    """A table to download: its columns, its rows (a generator is read once), and a title (the
    XLSX sheet's name)."""

    columns: Sequence[Column]
    rows: Iterable[Mapping]
    title: str = ""

    def __iter__(self) -> Iterator[Mapping]:
        return iter(self.rows)


def zone_name() -> str:
    return str(get_timezone())


def local(moment: dt.datetime) -> dt.datetime:
    """An aware moment as the local wall-clock time (naive), as spreadsheets want it."""
    return moment.astimezone(get_timezone()).replace(tzinfo=None)


# --- CSV ------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text that a spreadsheet would read as a formula, prefixed with a quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(column: Column, value) -> str:
    if value is None:
        return ""
    if column.type == "bool":
        return "1" if value else "0"
    if column.type == "datetime":
        return local(value).isoformat(sep=" ", timespec="seconds")
    if column.type == "date":
        return value.isoformat()
    if column.type in ("int", "float", "percent"):
        return str(value)
    return neutralise(str(value))


def csv_lines(table: Rows) -> Iterator[str]:
    """UTF-8 CSV text with a BOM (Excel then reads Vietnamese right), a chunk at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow([column.heading() for column in table.columns])
    for count, row in enumerate(table, 1):
        writer.writerow([csv_cell(column, column.read(row)) for column in table.columns])
        if count % CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


# --- JSON -----------------------------------------------------------------------------------


def json_value(column: Column, value):
    if value is None:
        return None
    if column.type == "datetime":
        return value.astimezone(get_timezone()).isoformat()
    if column.type == "date":
        return value.isoformat()
    if column.type == "bool":
        return bool(value)
    return value if column.type != "text" else str(value)


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(get_timezone()).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_chunks(document: Mapping[str, object]) -> Iterator[str]:
    """A JSON object; each ``Rows`` value becomes a list of objects keyed by column, streamed."""
    yield "{"
    for index, (name, value) in enumerate(document.items()):
        yield ("," if index else "") + json.dumps(name) + ":"
        if not isinstance(value, Rows):
            yield json.dumps(value, ensure_ascii=False, default=_plain)
            continue
        yield "["
        parts = []
        for count, row in enumerate(value):
            parts.append(("," if count else "") + json.dumps(
                {c.key: json_value(c, c.read(row)) for c in value.columns}, ensure_ascii=False, default=_plain))
            if len(parts) == CHUNK_ROWS:
                yield "".join(parts)
                parts = []
        yield "".join(parts) + "]"
    yield "}"


# --- XLSX -----------------------------------------------------------------------------------


def _sheet_title(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique in the book."""
    name = "".join(" " if char in "[]:*?/\\" else char for char in str(title)).strip()[:31] or "Sheet"
    candidate, number = name, 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = name[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


def xlsx_cell(sheet, column: Column, value):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is not None and column.type == "datetime":
        value = local(value)
    elif value is not None and column.type == "text":
        value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    cell = WriteOnlyCell(sheet, value=value)
    if column.type == "text" and value is not None:
        cell.data_type = "s"  # text is text, even when it starts with "=": never a formula
    if column.type in XLSX_FORMATS:
        cell.number_format = XLSX_FORMATS[column.type]
    return cell


def _width(column: Column, heading: str, sample: Sequence[Mapping]) -> float:
    longest = max([len(heading), TYPE_WIDTHS[column.type]]
                  + [len(str(column.read(row) or "")) for row in sample if column.type == "text"])
    return min(longest, WIDEST) + 2


def write_xlsx(tables: Sequence[Rows], target) -> None:
    """An XLSX workbook, one sheet per table, written in openpyxl's write-only mode (rows go to
    disk as they come): a bold header row frozen at the top, columns sized on the first rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book, used, bold = Workbook(write_only=True), set(), Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.freeze_panes = "A2"
        rows = iter(table)
        sample = list(islice(rows, SAMPLE_ROWS))
        headings = [column.heading() for column in table.columns]
        for number, (column, heading) in enumerate(zip(table.columns, headings), 1):
            sheet.column_dimensions[get_column_letter(number)].width = _width(column, heading, sample)
        header = []
        for heading in headings:
            cell = WriteOnlyCell(sheet, value=heading)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in chain(sample, rows):
            sheet.append([xlsx_cell(sheet, column, column.read(row)) for column in table.columns])
    book.save(target)


# --- responses ------------------------------------------------------------------------------


def _attachment(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(table: Rows, filename: str) -> Response:
    return _attachment(current_app.response_class(stream_with_context(csv_lines(table)), mimetype="text/csv"),
                       filename)


def json_response(document: Mapping[str, object], filename: str) -> Response:
    return _attachment(current_app.response_class(stream_with_context(json_chunks(document)),
                                                  mimetype="application/json"), filename)


def xlsx_response(tables: Sequence[Rows], filename: str) -> Response:
    # openpyxl's write-only mode keeps the rows on disk while it writes; only the finished,
    # compressed file is held in memory (an XLSX cannot be sent before it is complete).
    buffer = io.BytesIO()
    write_xlsx(tables, buffer)
    return _attachment(current_app.response_class(buffer.getvalue(), mimetype=MIMETYPES["xlsx"]), filename)


def download(fmt: str, name: str, table: Rows, *, document: Mapping[str, object] | None = None,
             sheets: Sequence[Rows] | None = None) -> Response:
    """``table`` as ``name``.csv/.xlsx/.json. JSON may wrap it in a ``document`` (other keys and
    tables beside it; default {"items": table}); XLSX may hold more ``sheets`` (default: the table)."""
    if fmt == "csv":
        return csv_response(table, f"{name}.csv")
    if fmt == "xlsx":
        return xlsx_response(sheets or [table], f"{name}.xlsx")
    if fmt == "json":
        return json_response(document if document is not None else {"items": table}, f"{name}.json")
    raise ValueError(f"format is one of {FORMATS}")
