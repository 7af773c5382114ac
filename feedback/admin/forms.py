"""Forms of the admin screens; choices of units are filled by the views."""

from flask_babel import lazy_gettext as _l
from feedback.forms import Form, choices
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from feedback.units.models import UNIT_KINDS


class UnitForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code.")), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the unit's name.")), Length(max=255)])
    kind = SelectField(_l("Kind"), choices=choices(UNIT_KINDS.items()))
    parent = SelectField(_l("Parent unit"), choices=[], validate_choice=False,
                         description=_l("Overdue items escalate to the parent unit's head."))
    valid_from = DateField(_l("Exists from"), validators=[InputRequired(_l("Enter a date."))])
    valid_until = DateField(_l("Exists until"), validators=[Optional()])
    abbreviation = StringField(_l("Abbreviation in document symbols"), validators=[Length(max=32)],
                               description=_l("As in 15/PXL-UBND. Empty: UBND for a People's Committee, else the "
                                              "last part of the code."))
    locality = StringField(_l("Locality written before the date of its documents"), validators=[Length(max=128)],
                           description=_l("As in \"Cô Tô, ngày 05 tháng 02 năm 2027\". Empty: taken from the name "
                                          "of the People's Committee it belongs to."))


class MergeForm(Form):
    sources = SelectMultipleField(_l("Units that are merged"), choices=[], validate_choice=False,
                                  validators=[DataRequired(_l("Choose at least one unit to merge."))])
    successor = SelectField(_l("Successor unit"), choices=[], validate_choice=False,
                            validators=[DataRequired(_l("Choose the successor."))])
    on = DateField(_l("Merged from"), validators=[InputRequired(_l("Enter a date."))])


class ProcedureForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter a code.")), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=500)])
    field = StringField(_l("Field"), validators=[Length(max=255)])
    unit = SelectField(_l("Responsible unit"), choices=[], validate_choice=False)
    processing_days = IntegerField(_l("Legal processing time (working days)"),
                                   validators=[InputRequired(_l("Enter a whole number of days.")),
                                               NumberRange(min=0, message=_l("Enter 0 or more."))])
    fee = IntegerField(_l("Fee (đồng)"), validators=[Optional(), NumberRange(min=0, message=_l("Enter 0 or more."))])
    online_level = SelectField(_l("Online level"), choices=choices([("", "—"), ("2", "2"), ("3", "3"), ("4", "4")]))
    postal_return = BooleanField(_l("Results can be returned by public postal service"))


class ImportForm(Form):
    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class CalendarChangeForm(Form):
    day = DateField(_l("Day"), validators=[InputRequired(_l("Enter a date."))])
    working = SelectField(_l("The day becomes"), choices=choices([("off", _l("A day off")),
                                                                  ("working", _l("A working day (make-up day)"))]))
    name = StringField(_l("Name, as announced"), validators=[DataRequired(_l("Enter a name.")), Length(max=255)],
                       description=_l("E.g. “Nghỉ bù Quốc khánh theo Thông báo số …”"))
