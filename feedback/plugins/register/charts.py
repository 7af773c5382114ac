"""Server-side SVG charts: readable without JavaScript, styled by CSS classes (no inline styles or scripts)."""

from __future__ import annotations

from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from markupsafe import Markup


def _percent(rate) -> str:
    return format_percent(rate, "#,##0.#%") if rate is not None else "—"


def ranking_chart(rows: list[dict], target: float = 1.0, limit: int = 25) -> Markup:
    """Horizontal bars: each unit's on-time rate, with the 100% target marked."""
    rows = rows[:limit]
    if not rows:
        return Markup("")
    label_w, bar_w, row_h, top = 260, 360, 26, 24
    width, height = label_w + bar_w + 70, top + row_h * len(rows) + 10
    title = _("On-time rate by unit (target %(target)s)", target=_percent(target))
    parts = [Markup('<svg class="chart chart-ranking" viewBox="0 0 %d %d" width="100%%" role="img" '
                    'aria-labelledby="ranking-title" xmlns="http://www.w3.org/2000/svg">') % (width, height),
             Markup('<title id="ranking-title">%s</title>') % title]
    target_x = label_w + bar_w * target
    for index, row in enumerate(rows):
        y = top + index * row_h
        rate = row["on_time_rate"] or 0
        name = row["name"] if len(row["name"]) <= 38 else row["name"][:37] + "…"
        kind = "ok" if rate >= target else "bad"
        parts.append(Markup('<text class="chart-label" x="%d" y="%d" text-anchor="end">%s</text>')
                     % (label_w - 8, y + 16, name))
        parts.append(Markup('<rect class="chart-track" x="%d" y="%d" width="%d" height="%d"/>')
                     % (label_w, y + 4, bar_w, row_h - 8))
        parts.append(Markup('<rect class="chart-bar chart-%s" x="%d" y="%d" width="%.1f" height="%d">'
                            '<title>%s: %s</title></rect>')
                     % (kind, label_w, y + 4, bar_w * rate, row_h - 8, row["name"], _percent(row["on_time_rate"])))
        parts.append(Markup('<text class="chart-value" x="%d" y="%d">%s</text>')
                     % (label_w + bar_w + 6, y + 16, _percent(row["on_time_rate"])))
    parts.append(Markup('<line class="chart-target" x1="%.1f" y1="%d" x2="%.1f" y2="%d"/>')
                 % (target_x, top - 6, target_x, height - 6))
    parts.append(Markup('<text class="chart-note" x="%.1f" y="%d" text-anchor="end">%s</text>')
                 % (target_x, top - 10, _("Target")))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def trend_chart(months: list[dict], target: float = 1.0) -> Markup:
    """Stacked columns per month: answered on time and late, with the on-time rate above each."""
    if not months:
        return Markup("")
    left, top, plot_h, col_w, gap = 40, 30, 180, 34, 14
    width = left + len(months) * (col_w + gap) + 10
    height = top + plot_h + 40
    peak = max((m["answered"] for m in months), default=0) or 1
    title = _("Answers per month: on time and late")
    parts = [Markup('<svg class="chart chart-trend" viewBox="0 0 %d %d" width="100%%" role="img" '
                    'aria-labelledby="trend-title" xmlns="http://www.w3.org/2000/svg">') % (width, height),
             Markup('<title id="trend-title">%s</title>') % title,
             Markup('<line class="chart-axis" x1="%d" y1="%d" x2="%d" y2="%d"/>')
             % (left, top + plot_h, width - 5, top + plot_h)]
    for index, month in enumerate(months):
        x = left + index * (col_w + gap) + gap // 2
        on_h = plot_h * month["answered_on_time"] / peak
        late_h = plot_h * month["answered_late"] / peak
        label = format_date(month["month"], "MM/yyyy")
        parts.append(Markup('<rect class="chart-bar chart-ok" x="%d" y="%.1f" width="%d" height="%.1f">'
                            '<title>%s: %s</title></rect>')
                     % (x, top + plot_h - on_h, col_w, on_h, label,
                        _("%(n)s on time", n=month["answered_on_time"])))
        parts.append(Markup('<rect class="chart-bar chart-bad" x="%d" y="%.1f" width="%d" height="%.1f">'
                            '<title>%s: %s</title></rect>')
                     % (x, top + plot_h - on_h - late_h, col_w, late_h, label,
                        _("%(n)s late", n=month["answered_late"])))
        if month["on_time_rate"] is not None:
            kind = "ok" if month["on_time_rate"] >= target else "bad"
            parts.append(Markup('<text class="chart-value chart-value-%s" x="%d" y="%.1f" text-anchor="middle">%s</text>')
                         % (kind, x + col_w // 2, top + plot_h - on_h - late_h - 6, _percent(month["on_time_rate"])))
        parts.append(Markup('<text class="chart-label" x="%d" y="%d" text-anchor="middle">%s</text>')
                     % (x + col_w // 2, top + plot_h + 16, format_date(month["month"], "MM/yy")))
    parts.append(Markup('<text class="chart-note" x="%d" y="%d">%s</text>')
                 % (left, height - 6, _("Green: answered on time; red: late.")))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
