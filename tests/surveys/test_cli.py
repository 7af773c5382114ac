"""`flask surveys ...`: the template, publishing, listing, XLSForm export and import."""

from __future__ import annotations

from sqlalchemy import select

from feedback.extensions import db as _db
from feedback.surveys.models import Survey


def test_the_template_command_then_publish_and_list(app, runner, staff):
    made = runner.invoke(args=["surveys", "template"])
    assert made.exit_code == 0, made.output
    assert "Survey sipas made from the template (20 questions), a draft." in made.output
    second = runner.invoke(args=["surveys", "template", "--publish", "--unit", "P.STP"])
    assert "Survey sipas-2" in second.output and "published" in second.output
    assert runner.invoke(args=["surveys", "template", "--unit", "NOPE"]).exit_code != 0
    published = runner.invoke(args=["surveys", "publish", "sipas"])
    assert published.exit_code == 0 and "version 1 published" in published.output
    again = runner.invoke(args=["surveys", "publish", "sipas"])
    assert again.exit_code != 0 and "không có bản nháp" in again.output
    listing = runner.invoke(args=["surveys", "list"]).output
    assert "sipas  [open v1]" in listing and "v1  published  20 questions  0 responses" in listing
    with app.app_context():
        assert _db.session.scalar(select(Survey).where(Survey.code == "sipas-2")).unit.code == "P.STP"


def test_export_and_import_from_the_command_line(app, runner, sipas, tmp_path):
    target = tmp_path / "sipas.xlsx"
    exported = runner.invoke(args=["surveys", "export", "sipas", str(target)])
    assert exported.exit_code == 0 and target.stat().st_size > 5000
    taken = runner.invoke(args=["surveys", "import", str(target)])
    assert taken.exit_code != 0 and "Trang settings, dòng 2, cột form_id" in taken.output
    imported = runner.invoke(args=["surveys", "import", str(target), "--code", "copy"])
    assert imported.exit_code == 0, imported.output
    assert "Survey copy: draft version 1 with 6 sections and 20 questions." in imported.output
    into = runner.invoke(args=["surveys", "import", str(target), "--into", "sipas"])
    assert "Survey sipas: draft version 2" in into.output
    assert runner.invoke(args=["surveys", "export", "sipas", str(target), "--version", "7"]).exit_code != 0
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    refused = runner.invoke(args=["surveys", "import", str(bad), "--code", "bad"])
    assert refused.exit_code != 0 and "(.xlsx)" in refused.output
