"""The register's forms: the public search, the staff review of public texts, and the filer's rating."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from feedback.forms import Form, choices


class SearchForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Words (accents optional) or tracking code"), validators=[Length(max=200)])
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    field = SelectField(_l("Field"), choices=[], validate_choice=False)
    procedure = StringField(_l("Procedure code"), validators=[Length(max=64)])
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    timeliness = SelectField(_l("On time or late"), choices=[], validate_choice=False)
    date_from = DateField(_l("Received from"), validators=[Optional()])
    date_to = DateField(_l("Received until"), validators=[Optional()])
    sort = SelectField(_l("Order"), choices=[], validate_choice=False)


class PeriodForm(Form):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])


class ReviewForm(Form):
    title = StringField(_l("Public title"), validators=[Length(max=200)],
                        description=_l("Published as written. Empty: the automatic version (personal data masked)."))
    body = TextAreaField(_l("Public text of the item"), validators=[Length(max=20000)], render_kw={"rows": 8},
                         description=_l("Published as written: take out names, phone numbers and addresses. "
                                        "Empty: the automatic version."))
    answer = TextAreaField(_l("Public text of the answer"), validators=[Length(max=20000)], render_kw={"rows": 8},
                           description=_l("Published as written. Empty: the automatic version of the answer."))


class RatingForm(Form):
    satisfied = RadioField(_l("Are you satisfied with the answer?"),
                           choices=choices([("yes", _l("Satisfied")), ("no", _l("Not satisfied"))]),
                           validators=[InputRequired(_l("Choose satisfied or not satisfied."))])
    comment = TextAreaField(_l("Comment (optional, seen by staff only)"), validators=[Length(max=2000)])
