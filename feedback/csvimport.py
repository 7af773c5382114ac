"""Reading CSV files for imports: every bad cell reported with its row and column."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _

from feedback.errors import Invalid

GROUPED_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
WHOLE_NUMBER = re.compile(r"^-?\d+$")
TRUE_WORDS = {"1", "true", "yes", "y", "x", "có", "co", "c"}
FALSE_WORDS = {"0", "false", "no", "n", "", "không", "khong", "k"}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)s, column %(column)s: %(message)s", row=self.row, column=self.column, message=self.message)


@dataclass
class CsvReader:
    """Parses cells and collects every problem; ``check()`` raises them all at once."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    errors: list[RowError] = field(default_factory=list)
    header: list[str] = field(default_factory=list)

    def rows(self, data: bytes | str):
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        header = self.header = [name.strip() for name in (reader.fieldnames or [])]
        reader.fieldnames = header
        missing = [name for name in self.required if name not in header]
        if missing:
            raise Invalid(
                _("The file lacks the column(s): %(columns)s.", columns=", ".join(missing)),
                {"file": _("Required columns: %(columns)s.", columns=", ".join(self.required))},
            )
        # Numbered as a spreadsheet shows them (the header is row 1), blank lines included.
        for raw in reader:
            number = reader.line_num
            if None in raw:
                self.error(number, header[-1], _("more cells than columns"))
            yield number, {key: (value or "").strip() for key, value in raw.items() if key is not None}

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def text(self, row: int, values: dict, column: str, max_length: int, required: bool = True) -> str:
        value = values.get(column, "")
        if required and not value:
            self.error(row, column, _("is empty"))
        elif len(value) > max_length:
            self.error(row, column, _("is longer than %(n)s characters", n=max_length))
        return value

    def integer(self, row: int, values: dict, column: str, minimum: int = 0, required: bool = True,
                choices: tuple[int, ...] | None = None, maximum: int = 2**31 - 1) -> int | None:
        value = values.get(column, "").replace(" ", "")
        if not value:
            if required:
                self.error(row, column, _("is empty"))
            return None
        if GROUPED_NUMBER.match(value):  # "1.000.000" as Vietnamese write it
            value = value.replace(".", "")
        if not WHOLE_NUMBER.match(value):
            self.error(row, column, _("is not a whole number: %(value)s", value=values.get(column)))
            return None
        number = int(value)
        if number > maximum:
            self.error(row, column, _("must be at most %(n)s", n=maximum))
            return None
        if number < minimum:
            self.error(row, column, _("must be at least %(n)s", n=minimum))
            return None
        if choices and number not in choices:
            self.error(row, column, _("must be one of %(choices)s", choices=", ".join(map(str, choices))))
            return None
        return number

    def boolean(self, row: int, values: dict, column: str) -> bool:
        value = values.get(column, "").lower()
        if value in TRUE_WORDS:
            return True
        if value not in FALSE_WORDS:
            self.error(row, column, _("is not yes or no: %(value)s", value=values.get(column)))
        return False

    def date(self, row: int, values: dict, column: str, required: bool = False) -> dt.date | None:
        value = values.get(column, "")
        if not value:
            if required:
                self.error(row, column, _("is empty"))
            return None
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(value, pattern).date()
            except ValueError:
                continue
        self.error(row, column, _("is not a date (dd/mm/yyyy): %(value)s", value=value))
        return None

    def check(self) -> None:
        if self.errors:
            raise Invalid(
                _("%(n)s error(s) in the file; nothing was imported.", n=len(self.errors)),
                {"rows": [str(error) for error in self.errors]},
            )
