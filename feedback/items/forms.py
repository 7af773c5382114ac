"""Forms for filing, looking up and handling items."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, DateTimeLocalField, HiddenField, IntegerField, RadioField, SelectField, \
    StringField, TextAreaField
from wtforms.validators import Length, Optional

from feedback.forms import Form, choices
from feedback.items.models import KINDS, STAFF_CHANNELS, CHANNELS, TOPICS
from feedback.items.services import BODY_MAX, TITLE_MAX


class FilingForm(Form):
    # The service checks every rule and names the field; the form only carries the values.
    kind = RadioField(_l("This is a"), choices=choices(KINDS.items()), validate_choice=False)
    topic = RadioField(_l("About"), choices=choices(TOPICS.items()), validate_choice=False)
    unit = SelectField(_l("Unit concerned"), choices=[], validate_choice=False,
                       description=_l("The department, centre or commune your item is about."))
    procedure = SelectField(_l("Administrative procedure (if any)"), choices=[], validate_choice=False)
    title = StringField(_l("Title"), validators=[Length(max=TITLE_MAX * 2)],
                        description=_l("A short summary, e.g. “Birth registration took three weeks”. Do not write "
                                       "names, phone numbers or addresses here."))
    body = TextAreaField(_l("What happened, or what do you propose?"), validators=[Length(max=BODY_MAX * 2)],
                         render_kw={"rows": 8},
                         description=_l("Do not write names, phone numbers, identity numbers or addresses here, "
                                        "yours or anyone else's: this text may be published. Give your contact "
                                        "details below, where they stay private."))
    attachments = MultipleFileField(_l("Attachments (optional)"),
                                    description=_l("Up to 5 files: PDF, photos or office documents, 10 MB each."))
    name = StringField(_l("Your name"), validators=[Length(max=400)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)], render_kw={"inputmode": "tel", "autocomplete": "tel"},
                        description=_l("To receive SMS about your item, and to open it with your phone number."))
    email = StringField(_l("E-mail"), validators=[Length(max=400)], render_kw={"inputmode": "email", "autocomplete": "email"})
    address = StringField(_l("Address (only if you want an answer by post)"), validators=[Length(max=1000)])
    notify_sms = BooleanField(_l("Send me an SMS at each step"), default=True)
    notify_email = BooleanField(_l("Send me an e-mail at each step"), default=True)
    consent = BooleanField(_l("I agree that the unit uses my name, phone number and e-mail only to handle this item and "
                              "to tell me about it; they are never published. I may see, correct or ask to delete them."))
    publish = BooleanField(_l("The title and text of my item may be published in the public register, after any "
                              "personal data is removed."))
    # A field people never see: bots fill it in.
    website = StringField(_l("Leave this field empty"), validators=[Length(max=200)], render_kw={"autocomplete": "off", "tabindex": "-1"})
    submission = HiddenField(validators=[Length(max=200)])


class StaffFilingForm(FilingForm):
    channel = SelectField(_l("Received through"), choices=choices((key, CHANNELS[key]) for key in STAFF_CHANNELS))
    received_at = DateTimeLocalField(_l("Received on"), format="%Y-%m-%dT%H:%M", validators=[Optional()],
                                     description=_l("The day and time the item really arrived; deadlines count from it."))


class LookupForm(Form):
    code = StringField(_l("Tracking code"), validators=[Length(max=40)],
                       render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false",
                                  "placeholder": "PA-26-7K4Q-9M2X"})


class AccessForm(Form):
    key = StringField(_l("Private access key"), validators=[Length(max=40)],
                      render_kw={"autocapitalize": "characters", "autocomplete": "off"})
    phone = StringField(_l("or the phone number you gave"), validators=[Length(max=40)], render_kw={"inputmode": "tel"})


class AddInformationForm(Form):
    text = TextAreaField(_l("Additional information"), validators=[Length(max=BODY_MAX * 2)], render_kw={"rows": 5})
    attachments = MultipleFileField(_l("Attachments (optional)"))


class EraseForm(Form):
    confirm = BooleanField(_l("I understand: my contact data and my documents will be deleted for good, and the "
                              "unit can no longer contact me about this item."))


class ActionForm(Form):
    action = HiddenField(validators=[Length(max=32)])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=4000)], render_kw={"rows": 3})
    body = TextAreaField(_l("Answer"), validators=[Length(max=40000)], render_kw={"rows": 8})
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    original = StringField(_l("Tracking code of the original item"), validators=[Length(max=40)])
    days = IntegerField(_l("Working days to add"), validators=[Optional()])
    grounds = SelectField(_l("Reason for the transfer"), choices=[], validate_choice=False)


class ListFilterForm(Form):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    topic = SelectField(_l("Topic"), choices=[], validate_choice=False)
    channel = SelectField(_l("Channel"), choices=[], validate_choice=False)
    procedure = StringField(_l("Procedure code"), validators=[Length(max=64)])
    overdue = BooleanField(_l("Overdue only"))
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])
    q = StringField(_l("Code or words of the title"), validators=[Length(max=100)])
    sort = SelectField(_l("Order"), choices=[], validate_choice=False)
