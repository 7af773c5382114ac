"""Sign-in and account forms."""

from flask_babel import lazy_gettext as _l
from feedback.forms import Form, choices
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from feedback.auth.models import ROLES


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=200)])


class UserForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail.")),
                                                  Email(_l("Enter a valid e-mail address.")), Length(max=255)])
    name = StringField(_l("Full name"), validators=[Length(max=255)])
    title = StringField(_l("Title (e.g. Director)"), validators=[Length(max=255)])
    role = SelectField(_l("Role"), choices=choices(ROLES.items()))
    unit = SelectField(_l("Unit"), choices=[], validate_choice=False)
    password = PasswordField(_l("Password"), validators=[Optional(), Length(max=200)],
                             description=_l("At least 10 characters. Leave empty to keep the current one."))
    active = BooleanField(_l("Account is active"), default=True)


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password.")),
                                                                             Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password.")),
                                                               Length(max=200)],
                                 description=_l("At least 10 characters. Every other session and every API token "
                                                "of your account ends."))
