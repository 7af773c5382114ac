"""The ceiling of the benchmarks: the smallest app of ours that does what our pages do, on the same
framework, form library, ORM and database, served by the same gunicorn. Our figures are read as
ratios to it, measured in the same run.

- ``GET /form``: a form with a CSRF token, rendered from a template (our filing page);
- ``POST /form``: the form checked and one row inserted and committed (our filing POST);
- ``GET /list``: fifty rows read and rendered in a table (our register and dashboard pages).

The table is created by the benchmark before gunicorn starts (``create_table``).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, redirect, render_template
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

db = SQLAlchemy()


class Note(db.Model):
    __tablename__ = "ceiling_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)


class NoteForm(FlaskForm):
    title = StringField("Tiêu đề", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Nội dung", validators=[DataRequired(), Length(max=20_000)])


def create_app(url: str | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "ceiling_templates"))
    app.config.update(SECRET_KEY=os.environ.get("CEILING_SECRET_KEY", "ceiling"),
                      SQLALCHEMY_DATABASE_URI=url or os.environ["CEILING_DATABASE_URL"])
    db.init_app(app)

    @app.route("/form", methods=["GET", "POST"])
    def form():
        note_form = NoteForm()
        if note_form.validate_on_submit():
            db.session.add(Note(title=note_form.title.data, body=note_form.body.data))
            db.session.commit()
            return redirect("/list")
        return render_template("form.html", form=note_form), 422 if note_form.is_submitted() else 200

    @app.get("/list")
    def rows():
        notes = db.session.scalars(select(Note).order_by(Note.id.desc()).limit(50)).all()
        return render_template("list.html", notes=notes)

    return app


def create_table(url: str, rows: int = 1000) -> None:
    """The ceiling's table with ``rows`` rows, in the benchmark's database."""
    app = create_app(url)
    with app.app_context():
        Note.__table__.drop(db.engine, checkfirst=True)
        Note.__table__.create(db.engine)
        db.session.execute(Note.__table__.insert(), [
            {"title": f"Phản ánh số {number}", "body": "Hồ sơ bị chậm so với phiếu hẹn, đề nghị kiểm tra."}
            for number in range(rows)])
        db.session.commit()
        db.engine.dispose()
