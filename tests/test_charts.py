"""Server-side SVG charts: valid SVG with a title, a description and a table of the same figures,
classes and no style attributes or scripts, sizes that follow the figures, labels readable on a
390 px phone, numbers and months in the visitor's language."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from feedback import charts

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [dt.date(2026, month, 1) for month in range(1, 13)]


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def table_rows(chart: charts.Chart) -> list[list[str]]:
    return [re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", row) for row in re.findall(r"<tr>(.*?)</tr>", str(chart.table))]


def _ranking(**options):
    rows = options.pop("rows", [("Sở Tư pháp", 1.0), ("Ủy ban nhân dân xã Cô Tô", 0.5), ("Sở Y tế", None)])
    return charts.ranking(rows, chart_id="ranking", title="Tỷ lệ đúng hạn", description="Các đơn vị, từ cao xuống thấp",
                          category_header="Đơn vị", value_header="Tỷ lệ", **options)


def _columns(values, **options):
    return charts.columns(MONTHS[: len(values)], values, chart_id="months", title="Theo tháng",
                          description="Mười hai tháng", category_header="Tháng", value_header="Số", **options)


def _stacked(**options):
    return charts.stacked_columns(
        MONTHS[:3], [charts.Series("on_time", "Đúng hạn", "ok"), charts.Series("late", "Trễ hạn", "bad")],
        {"on_time": [8035, 10, 0], "late": [28, 10, 0]}, chart_id="trend", title="Trả lời theo tháng",
        description="Đúng hạn và trễ hạn", category_header="Tháng", **options)


def every_chart():
    return [_ranking(target=1.0), _columns([3, 5, None, 8]), _columns([0.9, 0.95, 0.99], value_kind="percent",
                                                                        target=0.98, line=True), _stacked()]


def test_each_kind_is_accessible_svg_with_its_table(app):
    with app.test_request_context("/"):
        for chart in every_chart():
            root = parse(chart)
            assert root.tag == SVG + "svg" and root.get("role") == "img"
            title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
            assert root.get("aria-labelledby") == title.get("id") == f"{chart.id}-title"
            assert root.get("aria-describedby") == desc.get("id") == f"{chart.id}-desc"
            assert title.text == chart.title and desc.text == chart.description
            assert root.get("viewBox").startswith("0 0 400 ")
            markup = str(chart.figure())
            assert "<script" not in markup and "style=" not in markup and not re.search(r"\son\w+=", markup)
            assert f"<caption>{chart.title}</caption>" in markup and "<details" in markup
            assert "<details" not in str(chart.figure(fold=False)) and "<table" in str(chart.figure(fold=False))
            for element in root.iter():
                if element.tag in (SVG + "rect", SVG + "text", SVG + "line", SVG + "circle", SVG + "polyline"):
                    assert element.get("class", "").startswith("chart-"), element.tag


def test_labels_stay_readable_on_a_phone(app):
    """At 390 px a 400-unit chart shrinks to 97.5 %: no text below 10 units (about 10 px)."""
    with app.test_request_context("/"):
        for chart in every_chart() + [_columns(list(range(1, 13)))]:
            root = parse(chart)
            base = float(root.get("font-size"))
            sizes = [float(text.get("font-size") or base) for text in root.iter(SVG + "text")]
            assert sizes and min(sizes) >= 10, (chart.id, min(sizes))


def test_ranking_bars_follow_the_figures_and_mark_the_target(app):
    with app.test_request_context("/"):
        root = parse(_ranking(target=1.0))
    bars = [rect for rect in root.iter(SVG + "rect") if "chart-bar" in rect.get("class")]
    tracks = [rect for rect in root.iter(SVG + "rect") if rect.get("class") == "chart-track"]
    assert len(bars) == 2 and len(tracks) == 3  # no bar for an unknown rate
    full = float(tracks[0].get("width"))
    assert float(bars[0].get("width")) == pytest.approx(full) and float(bars[1].get("width")) == pytest.approx(full / 2, abs=0.1)
    assert "chart-ok" in bars[0].get("class") and "chart-bad" in bars[1].get("class")
    target = root.find(SVG + "line")
    assert target.get("class") == "chart-target" and float(target.get("x1")) == pytest.approx(full)
    texts = [text.text for text in root.iter(SVG + "text")]
    assert texts[:3] == ["Sở Tư pháp", "100%", "Ủy ban nhân dân xã Cô Tô"] and "—" in texts and "Mục tiêu 100%" in texts


def test_ranking_without_a_target_and_without_rows(app):
    with app.test_request_context("/"):
        plain = parse(_ranking(value_kind="number", rows=[("A", 30), ("B", 60)]))
        empty = _ranking(rows=[])
    bars = [rect for rect in plain.iter(SVG + "rect") if "chart-bar" in rect.get("class")]
    assert [bar.get("class") for bar in bars] == ["chart-bar chart-main"] * 2
    assert float(bars[1].get("width")) == pytest.approx(2 * float(bars[0].get("width")), abs=0.2)
    assert plain.find(SVG + "line") is None
    assert "Chưa có số liệu." in str(empty.svg) and table_rows(empty) == [["Đơn vị", "Tỷ lệ"]]


def test_long_labels_are_shortened_in_the_chart_but_whole_in_the_table(app):
    name = "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh, chi nhánh thành phố Hạ Long số 2"
    with app.test_request_context("/"):
        chart = _ranking(rows=[(name, 0.75)])
    labels = [text.text for text in parse(chart).iter(SVG + "text") if text.get("class") == "chart-label"]
    assert labels[0].endswith("…") and len(labels[0]) <= 58
    assert table_rows(chart)[1] == [name, "75%"]
    assert name in str(chart.svg)  # the bar's tooltip


def test_columns_heights_gaps_and_target(app):
    with app.test_request_context("/"):
        chart = _columns([2, 4, None, 8], target=5)
    root = parse(chart)
    bars = [rect for rect in root.iter(SVG + "rect") if "chart-bar" in rect.get("class")]
    heights = [float(bar.get("height")) for bar in bars]
    assert len(bars) == 3 and heights[1] == pytest.approx(2 * heights[0], abs=0.2) and heights[2] == pytest.approx(4 * heights[0], abs=0.2)
    bottoms = {round(float(bar.get("y")) + float(bar.get("height")), 1) for bar in bars}
    assert len(bottoms) == 1  # every column stands on the axis
    assert [bar.get("class") for bar in bars] == ["chart-bar chart-bad", "chart-bar chart-bad", "chart-bar chart-ok"]
    target = [line for line in root.iter(SVG + "line") if line.get("class") == "chart-target"][0]
    assert float(target.get("y1")) == pytest.approx(bottoms.pop() - heights[2] * 5 / 8, abs=0.2)
    assert table_rows(chart)[1:] == [["01/2026", "2"], ["02/2026", "4"], ["03/2026", "—"], ["04/2026", "8"]]
    with pytest.raises(ValueError):
        _columns([1, 2], value_kind="money")
    with pytest.raises(ValueError):
        charts.columns(MONTHS[:2], [1], chart_id="x", title="t", description="d", category_header="c",
                       value_header="v")


def test_a_line_breaks_at_a_gap_and_says_where_its_scale_starts(app):
    with app.test_request_context("/"):
        chart = _columns([0.9, 0.95, None, 0.97, 0.99], value_kind="percent", target=0.98, line=True)
    root = parse(chart)
    lines = list(root.iter(SVG + "polyline"))
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    points = list(root.iter(SVG + "circle"))
    assert len(points) == 4 and [p.get("class") for p in points][-1] == "chart-point chart-ok"
    notes = [text.text for text in root.iter(SVG + "text") if text.get("class") == "chart-note"]
    assert notes[:2] == ["85%", "100%"]  # the scale runs from 85 % to 100 %, and says so
    assert "Mục tiêu 98%" in [text.text for text in root.iter(SVG + "text")]
    # Higher is higher: 99 % is drawn above 90 %.
    assert float(points[-1].get("cy")) < float(points[0].get("cy"))


def test_stacked_columns_add_up_with_notes_and_legend(app):
    notes = [("99,7%", "ok"), ("50%", "bad"), None]
    with app.test_request_context("/"):
        chart = _stacked(notes=notes, note_header="Tỷ lệ đúng hạn")
    root = parse(chart)
    bars = [rect for rect in root.iter(SVG + "rect") if "chart-bar" in rect.get("class")]
    assert len(bars) == 4  # nothing drawn for zero
    first_on_time, first_late = bars[0], bars[1]
    assert float(first_late.get("y")) + float(first_late.get("height")) == pytest.approx(float(first_on_time.get("y")), abs=0.1)
    keys = [rect.get("class") for rect in root.iter(SVG + "rect") if "chart-key" in rect.get("class")]
    assert keys == ["chart-key chart-ok", "chart-key chart-bad"]
    texts = [text.text for text in root.iter(SVG + "text")]
    assert "99,7%" in texts and "Đúng hạn" in texts and "01/26" in texts
    assert table_rows(chart) == [["Tháng", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn"], ["01/2026", "8.035", "28", "99,7%"],
                                 ["02/2026", "10", "10", "50%"], ["03/2026", "0", "0", "—"]]
    with pytest.raises(ValueError):
        charts.stacked_columns(MONTHS[:2], [charts.Series("a", "A")], {"a": [1]}, chart_id="x", title="t",
                               description="d", category_header="c")


def test_numbers_and_months_follow_the_language(app):
    with app.test_request_context("/?lang=en"):
        chart = _stacked()
        assert charts.format_value(8035) == "8,035" and charts.format_value(0.995, "percent") == "99.5%"
    assert table_rows(chart)[1] == ["01/2026", "8,035", "28"]
    with app.test_request_context("/"):
        assert charts.format_value(8035) == "8.035" and charts.format_value(0.995, "percent") == "99,5%"
        assert charts.format_value(None) == "—" and charts.format_category(dt.date(2027, 2, 1)) == "02/2027"


def test_text_is_escaped(app):
    with app.test_request_context("/"):
        chart = _ranking(rows=[('<script>alert(1)</script> & "Sở"', 0.5)])
    assert "<script>" not in str(chart.svg) and "<script>" not in str(chart.table)
    assert parse(chart).find(SVG + "text").text == '<script>alert(1)</script> & "Sở"'
