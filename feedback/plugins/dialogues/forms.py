"""Forms of the dialogue pages. They carry the values; the services check every rule and name the field."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField, \
    TimeField
from wtforms.validators import Length, Optional

from feedback.forms import Form
from feedback.plugins.dialogues.services import ANSWER_MAX, BODY_MAX, COMMITMENT_MAX, LINK_MAX, NAME_MAX, \
    NOTE_MAX, PLACE_MAX, REASON_MAX, SUMMARY_MAX, TITLE_MAX, CHANGES_MAX


class PlanForm(Form):
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    day = DateField(_l("Day"), validators=[Optional()])
    start = TimeField(_l("Starts at"), validators=[Optional()])
    end = TimeField(_l("Ends at"), validators=[Optional()])
    place = StringField(_l("Place"), validators=[Length(max=PLACE_MAX * 2)],
                        description=_l("The hall and address, e.g. “Hội trường tầng 3, Trung tâm Phục vụ hành chính công”."))
    online_link = StringField(_l("Online link (optional)"), validators=[Length(max=LINK_MAX * 2)],
                              description=_l("Printed as text, never as a link, in the minutes."))
    secretary = SelectField(_l("Secretary"), choices=[], validate_choice=False)
    fields = TextAreaField(_l("Fields on the agenda, one a line"), validators=[Length(max=10_000)], render_kw={"rows": 3})
    procedures = TextAreaField(_l("Procedures on the agenda: their codes, one a line"), validators=[Length(max=10_000)],
                               render_kw={"rows": 3})
    invited = TextAreaField(_l("Organisations invited, one a line"), validators=[Length(max=20_000)],
                            render_kw={"rows": 4})


class CancelForm(Form):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[Length(max=REASON_MAX * 2)], render_kw={"rows": 2})


class RegistrationForm(Form):
    name = StringField(_l("Your name"), validators=[Length(max=NAME_MAX * 2)], render_kw={"autocomplete": "name"})
    organisation = StringField(_l("Organisation or business (optional)"), validators=[Length(max=NAME_MAX * 2)])
    phone = StringField(_l("Phone (optional)"), validators=[Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel"},
                        description=_l("To be told by SMS if the session moves or is cancelled."))
    email = StringField(_l("E-mail (optional)"), validators=[Length(max=400)],
                        render_kw={"inputmode": "email", "autocomplete": "email"},
                        description=_l("To receive the calendar event, and its update if the session moves."))
    consent = BooleanField(_l("I agree that the unit uses my name, phone number and e-mail only for this dialogue "
                              "session: to tell me about it and to answer my question. They are never published. I "
                              "may see, correct or ask to delete them."))
    website = StringField(_l("Leave this field empty"), validators=[Length(max=200)],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})


class QuestionForm(Form):
    title = StringField(_l("Title of your question"), validators=[Length(max=TITLE_MAX * 2)])
    body = TextAreaField(_l("Your question"), validators=[Length(max=BODY_MAX * 2)], render_kw={"rows": 6},
                         description=_l("It is published before the session with any personal data removed."))
    name = StringField(_l("Your name (optional)"), validators=[Length(max=NAME_MAX * 2)])
    phone = StringField(_l("Phone (optional)"), validators=[Length(max=40)], render_kw={"inputmode": "tel"})
    email = StringField(_l("E-mail (optional)"), validators=[Length(max=400)], render_kw={"inputmode": "email"})
    consent = BooleanField(_l("I agree that the unit uses my name, phone number and e-mail only for this dialogue "
                              "session: to tell me about it and to answer my question. They are never published. I "
                              "may see, correct or ask to delete them."))
    website = StringField(_l("Leave this field empty"), validators=[Length(max=200)],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})


class ActionForm(Form):
    """Every staff action on a session posts here: the service named by ``action`` checks the rest."""

    action = HiddenField(validators=[Length(max=32)])
    entry = HiddenField(validators=[Length(max=20)])
    question = HiddenField(validators=[Length(max=20)])
    commitment = HiddenField(validators=[Length(max=20)])
    code = StringField(_l("Tracking code of the item"), validators=[Length(max=40)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=REASON_MAX * 2)], render_kw={"rows": 2})
    answer = TextAreaField(_l("Answer given at the session"), validators=[Length(max=ANSWER_MAX * 2)],
                           render_kw={"rows": 4})
    answered_by = StringField(_l("Answered by"), validators=[Length(max=NAME_MAX * 2)])
    organisations = TextAreaField(_l("Organisations, one a line: name; number of people"),
                                  validators=[Length(max=40_000)], render_kw={"rows": 5})
    persons = TextAreaField(_l("Private persons named with their consent, one a line"),
                            validators=[Length(max=40_000)], render_kw={"rows": 3})
    persons_consent = BooleanField(_l("Each person named above agreed to be named in the minutes"))
    citizens = IntegerField(_l("Other citizens (counted, not named)"), validators=[Optional()], default=0)
    text = TextAreaField(_l("What was promised"), validators=[Length(max=COMMITMENT_MAX * 2)], render_kw={"rows": 3})
    unit = SelectField(_l("Unit that carries it out"), choices=[], validate_choice=False)
    days = StringField(_l("Deadline in working days"), validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
    closing = TimeField(_l("Closing time"), validators=[Optional()])
    summary = TextAreaField(_l("Summary of the discussion"), validators=[Length(max=SUMMARY_MAX * 2)],
                            render_kw={"rows": 8})
    changes = TextAreaField(_l("What this correction changes"), validators=[Length(max=CHANGES_MAX * 2)],
                            render_kw={"rows": 2})
    note = TextAreaField(_l("Note"), validators=[Length(max=NOTE_MAX * 2)], render_kw={"rows": 3})
    evidence = FileField(_l("Document (optional)"))
