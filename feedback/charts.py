"""Server-side SVG charts for pages and PDFs alike: horizontal bars (a ranking), columns or a line
with a target line, and stacked columns. Each has a title and a description for screen readers
and the same figures as an HTML table; numbers and dates follow the visitor's language.

No scripts and no style attributes: every element carries a CSS class (pages restyle them in
feedback.css) and presentation attributes (fill, stroke) as the default look, which is what a
PDF shows, since WeasyPrint does not apply the page's style sheet inside an SVG. Charts are 400
units wide, so that a 12-unit label stays about 12 px on a 390 px phone.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from babel.numbers import format_percent as babel_format_percent
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 400
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
# The default look (presentation attributes); feedback.css gives pages the same colours by class.
TONES = {"ok": "#146c2e", "bad": "#b00020", "main": "#0b4f9c", "warn": "#8a5a00", "muted": "#5a6270"}
INK, LINE, TRACK = "#1b1f24", "#d0d5dd", "#e8ebf0"
VALUE_KINDS = ("number", "percent")


@dataclass(frozen=True)
class Series:
    """One stacked part of a column: the key of its values, its label and its tone (a colour class)."""

    key: str
    label: str
    tone: str = "main"


@dataclass(frozen=True)
class Chart:
    """An SVG chart, its title and description, and the same figures as a table."""

    id: str
    title: str
    description: str
    svg: Markup
    table: Markup

    def figure(self, fold: bool = True) -> Markup:
        """The chart in a <figure> with its title as caption, and the table below it, folded
        behind a summary (``fold``) or shown."""
        table = self.table
        if fold:
            table = Markup('<details class="chart-data"><summary>%s</summary>%s</details>') % (
                _("Show the figures as a table"), table)
        return Markup('<figure class="chart-figure" id="%s">%s<figcaption>%s</figcaption>%s</figure>') % (
            self.id, self.svg, self.title, table)

    def __html__(self) -> str:
        return self.figure()


def format_value(value, kind: str = "number") -> str:
    """A figure in the visitor's language ("8.035", "99,5%" in Vietnamese); a dash when unknown."""
    if value is None:
        return "—"
    if kind == "percent":
        # Shown to a tenth of a percent: at most a few thousand texts per language, each formatted
        # once (Babel parses the pattern at every call, and a table of 300 units has 900 rates).
        return _percent(round(value * 1000), str(get_locale() or "vi"))
    return format_decimal(value)


@functools.lru_cache(maxsize=8192)
def _percent(tenths: int, locale: str) -> str:
    return babel_format_percent(tenths / 1000, "#,##0.#%", locale=locale)


def format_category(value, short: bool = False) -> str:
    """A category as text; a date stands for its month ("03/2026", short "03/26")."""
    if isinstance(value, dt.date):
        return format_date(value, "MM/yy" if short else "MM/yyyy")
    return str(value)


# --- the three kinds ------------------------------------------------------------------------


def ranking(rows: Sequence[tuple[str, float | None]], *, chart_id: str, title: str, description: str,
            category_header: str, value_header: str, value_kind: str = "percent", target: float | None = None,
            limit: int = 25) -> Chart:
    """Horizontal bars, one per row (label, value), in the order given, with the target marked.

    Each label sits on its own line above its bar, so long unit names stay readable on a phone.
    With a target, bars that reach it are "ok" and the others "bad".
    """
    _check_kind(value_kind)
    rows = list(rows)[:limit]
    values = [value for _label, value in rows if value is not None]
    scale = _scale(values + ([target] if target is not None else []), value_kind)
    top, row_h, bar_h, bar_w = 22, 40, 14, WIDTH - 62
    height = top + row_h * len(rows) + 6 if rows else 60
    body = []
    for index, (label, value) in enumerate(rows):
        y = top + index * row_h
        tone = "main" if target is None or value is None else ("ok" if value >= target else "bad")
        shown = format_value(value, value_kind)
        body.append(_text(_shorten(label, 58), 0, y + 13, "chart-label"))
        body.append(_el("rect", cls="chart-track", x=0, y=y + 19, width=bar_w, height=bar_h, fill=TRACK))
        if value:
            body.append(_el("rect", _el("title", text=f"{label}: {shown}"), cls=f"chart-bar chart-{tone}",
                            x=0, y=y + 19, width=bar_w * value / scale, height=bar_h, fill=TONES[tone]))
        body.append(_text(shown, bar_w + 6, y + 31, "chart-value"))
    if target is not None and rows:
        x = bar_w * target / scale
        body.append(_el("line", cls="chart-target", x1=x, y1=top - 4, x2=x, y2=height - 4, stroke=INK,
                        stroke_width=1.5, stroke_dasharray="4 3"))
        body.append(_text(_("Target %(value)s", value=format_value(target, value_kind)), x, top - 8, "chart-note",
                          anchor="end" if x > WIDTH / 2 else "start", size=11.5))
    if not rows:
        body.append(_text(_("No figures to show."), 0, 30, "chart-note"))
    table = _table(title, [category_header, value_header],
                   [(label, [format_value(value, value_kind)]) for label, value in rows])
    return _chart(chart_id, "ranking", title, description, height, body, table)


def columns(categories: Sequence, values: Sequence[float | None], *, chart_id: str, title: str, description: str,
            category_header: str, value_header: str, value_kind: str = "number", target: float | None = None,
            line: bool = False) -> Chart:
    """One column per category (or a line through the points, ``line``), each value written above
    it, and the target as a dashed line across. A missing value (None) leaves a gap. Columns start
    at zero; a line's scale starts just below its lowest point, and says where it starts."""
    _check_kind(value_kind)
    if len(categories) != len(values):
        raise ValueError("one value per category")
    known = [v for v in values if v is not None] + ([target] if target is not None else [])
    high = _scale(known, value_kind)
    low = _floor(min(known, default=0), high, value_kind) if line else 0
    target_label = _("Target %(value)s", value=format_value(target, value_kind)) if target is not None else None
    plot = _Plot(len(categories), high, low=low, legend=target is not None)
    body = [plot.axis()]
    if low:
        body += plot.bounds(format_value(low, value_kind), format_value(high, value_kind))
    if target is not None:
        body.append(plot.target(target))
    points = []
    for index, value in enumerate(values):
        if value is None:
            points.append(None)
            continue
        tone = "main" if target is None else ("ok" if value >= target else "bad")
        label = f"{format_category(categories[index])}: {format_value(value, value_kind)}"
        if line:
            points.append((plot.centre(index), plot.y(value)))
            body.append(_el("circle", _el("title", text=label), cls=f"chart-point chart-{tone}",
                            cx=plot.centre(index), cy=plot.y(value), r=3.5, fill=TONES[tone]))
        else:
            body.append(_el("rect", _el("title", text=label), cls=f"chart-bar chart-{tone}", x=plot.left(index),
                            y=plot.y(value), width=plot.bar_w, height=plot.y(low) - plot.y(value), fill=TONES[tone]))
        body.append(_text(format_value(value, value_kind), plot.centre(index), plot.y(value) - 6,
                          f"chart-value chart-value-{tone}", anchor="middle", size=plot.small))
    for segment in _segments(points):
        if len(segment) > 1:
            body.insert(1, _el("polyline", cls="chart-line", points=" ".join(f"{_n(x)},{_n(y)}" for x, y in segment),
                               fill="none", stroke=TONES["main"], stroke_width=2))
    body += plot.labels(categories)
    if target_label:
        body += plot.legend([("target", "", target_label)])
    table = _table(title, [category_header, value_header],
                   [(format_category(c), [format_value(v, value_kind)]) for c, v in zip(categories, values)])
    return _chart(chart_id, "line" if line else "columns", title, description, plot.height, body, table)


def stacked_columns(categories: Sequence, series: Sequence[Series], values: Mapping[str, Sequence[float]], *,
                    chart_id: str, title: str, description: str, category_header: str,
                    notes: Sequence[tuple[str, str] | None] | None = None, note_header: str | None = None) -> Chart:
    """Columns made of the ``series`` stacked from the bottom, with a legend. ``notes`` puts a short
    text above each column (text and tone, e.g. the on-time rate), also a column of the table."""
    if any(len(values[s.key]) != len(categories) for s in series):
        raise ValueError("one value per category in every series")
    totals = [sum(values[s.key][index] or 0 for s in series) for index in range(len(categories))]
    plot = _Plot(len(categories), _scale(totals, "number"), legend=bool(series))
    body = [plot.axis()]
    for index in range(len(categories)):
        base = 0.0
        for part in series:
            amount = values[part.key][index] or 0
            if amount:
                body.append(_el(
                    "rect", _el("title", text=f"{format_category(categories[index])}, {part.label}: "
                                              f"{format_value(amount)}"),
                    cls=f"chart-bar chart-{part.tone}", x=plot.left(index), y=plot.y(base + amount),
                    width=plot.bar_w, height=plot.y(base) - plot.y(base + amount), fill=TONES[part.tone]))
            base += amount
        if notes and notes[index]:
            text, tone = notes[index]
            body.append(_text(text, plot.centre(index), plot.y(base) - 6, f"chart-value chart-value-{tone}",
                              anchor="middle", size=plot.small, fill=TONES.get(tone, INK)))
    body += plot.labels(categories)
    body += plot.legend([("box", part.tone, part.label) for part in series])
    headers = [category_header] + [s.label for s in series] + ([note_header] if notes and note_header else [])
    rows = []
    for index, category in enumerate(categories):
        cells = [format_value(values[s.key][index]) for s in series]
        if notes and note_header:
            cells.append(notes[index][0] if notes[index] else "—")
        rows.append((format_category(category), cells))
    table = _table(title, headers, rows)
    return _chart(chart_id, "stacked", title, description, plot.height, body, table)


# --- drawing --------------------------------------------------------------------------------


class _Plot:
    """The frame of a column or line chart: ``count`` slots across, values from ``low`` to ``high``."""

    top, plot_h, margin = 24, 170, 4

    def __init__(self, count: int, high: float, low: float = 0, legend: bool = False):
        self.count, self.high, self.low = max(count, 1), high, low
        self.slot = (WIDTH - 2 * self.margin) / self.count
        self.bar_w = self.slot * 0.62
        self.small = 11.5 if self.slot >= 30 else 10
        self.height = self.top + self.plot_h + 24 + (24 if legend else 0)

    def left(self, index: int) -> float:
        return self.margin + index * self.slot + (self.slot - self.bar_w) / 2

    def centre(self, index: int) -> float:
        return self.margin + (index + 0.5) * self.slot

    def y(self, value: float) -> float:
        return self.top + self.plot_h * (1 - (value - self.low) / ((self.high - self.low) or 1))

    def axis(self) -> Markup:
        return _el("line", cls="chart-axis", x1=0, y1=self.y(self.low), x2=WIDTH, y2=self.y(self.low), stroke=LINE)

    def bounds(self, low: str, high: str) -> list[Markup]:
        """Where a scale that does not start at zero starts and ends, at the left."""
        return [_el("line", cls="chart-axis", x1=0, y1=self.y(self.high), x2=WIDTH, y2=self.y(self.high), stroke=LINE),
                _text(low, 0, self.y(self.low) - 3, "chart-note", size=10, fill=TONES["muted"]),
                _text(high, 0, self.y(self.high) - 3, "chart-note", size=10, fill=TONES["muted"])]

    def target(self, value: float) -> Markup:
        y = self.y(value)
        return _el("line", cls="chart-target", x1=0, y1=y, x2=WIDTH, y2=y, stroke=INK, stroke_width=1.5,
                   stroke_dasharray="4 3")

    def labels(self, categories: Sequence) -> list[Markup]:
        y = self.top + self.plot_h + 16
        return [_text(format_category(c, short=True), self.centre(i), y, "chart-label", anchor="middle",
                      size=self.small) for i, c in enumerate(categories)]

    def legend(self, entries: Sequence[tuple[str, str, str]]) -> list[Markup]:
        """A key below the chart: ("box", tone, label) for a series, ("target", "", label) for the target."""
        y, x, parts = self.height - 8, 0.0, []
        for kind, tone, label in entries:
            if kind == "target":
                parts.append(_el("line", cls="chart-target", x1=x, y1=y - 4, x2=x + 18, y2=y - 4, stroke=INK,
                                 stroke_width=1.5, stroke_dasharray="4 3"))
                x += 22
            else:
                parts.append(_el("rect", cls=f"chart-key chart-{tone}", x=x, y=y - 10, width=12, height=12,
                                 fill=TONES[tone]))
                x += 16
            parts.append(_text(label, x, y, "chart-label", size=11.5))
            x += 6.5 * len(label) + 14
        return parts


def _chart(chart_id: str, kind: str, title: str, description: str, height: float, body: list, table: Markup) -> Chart:
    svg = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-%s" viewBox="0 0 %s %s" width="%s" height="%s" '
        'role="img" aria-labelledby="%s-title" aria-describedby="%s-desc" font-family="%s" font-size="13">'
        '<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>%s</svg>'
    ) % (kind, WIDTH, _n(height), WIDTH, _n(height), chart_id, chart_id, FONT, chart_id, title, chart_id,
         description, Markup("").join(body))
    return Chart(id=chart_id, title=title, description=description, svg=svg, table=table)


def _table(caption: str, headers: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> Markup:
    head = Markup("").join(Markup('<th scope="col"%s>%s</th>') % (Markup(' class="num"') if i else "", h)
                           for i, h in enumerate(headers))
    body = Markup("").join(
        Markup('<tr><th scope="row">%s</th>%s</tr>') % (label, Markup("").join(
            Markup('<td class="num">%s</td>') % cell for cell in cells)) for label, cells in rows)
    # The region is named by its caption too: two tables on a page are two distinct landmarks.
    return Markup('<div class="table-scroll" tabindex="0" role="region" aria-label="%s · %s"><table class="stats chart-table">'
                  '<caption>%s</caption><thead><tr>%s</tr></thead><tbody>%s</tbody></table></div>') % (
        caption, _("Table (scrolls sideways)"), caption, head, body)


def _el(tag: str, *children: Markup, text: str | None = None, cls: str | None = None, **attrs) -> Markup:
    """An SVG element; attribute names with "_" become "-" (stroke_width); text is escaped."""
    names = "".join(f' {name.replace("_", "-")}="{escape(_n(value))}"' for name, value in attrs.items()
                    if value is not None)
    if cls:
        names = f' class="{escape(cls)}"' + names
    inner = Markup("").join(children) + (escape(text) if text is not None else "")
    # The tag and attribute names are ours; values and text were escaped above.
    return Markup(f"<{tag}{names}>{inner}</{tag}>") if inner else Markup(f"<{tag}{names}/>")  # nosec B704


def _text(text: str, x: float, y: float, cls: str, anchor: str = "start", size: float | None = None,
          fill: str = INK) -> Markup:
    return _el("text", text=text, cls=cls, x=x, y=y, text_anchor=anchor if anchor != "start" else None,
               font_size=size, fill=fill)


def _n(value) -> str:
    """Coordinates with at most one decimal."""
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _floor(lowest: float, high: float, kind: str) -> float:
    """Where a line's scale starts: a round number a little below its lowest point, never below zero."""
    step = 0.05 if kind == "percent" else 10 ** max(0, len(str(int(abs(high) or 1))) - 2)
    start = lowest - (high - lowest) * 0.15 - step / 10
    return max(0.0, (start // step) * step)


def _scale(values: Sequence[float], kind: str) -> float:
    peak = max(values, default=0) or 0
    if kind == "percent":
        return max(1.0, peak)
    return peak or 1


def _segments(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    segments, current = [], []
    for point in points:
        if point is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(point)
    if current:
        segments.append(current)
    return segments


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _check_kind(kind: str) -> None:
    if kind not in VALUE_KINDS:
        raise ValueError(f"value_kind is one of {VALUE_KINDS}")
