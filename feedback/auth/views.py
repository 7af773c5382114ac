"""Sign in and out of the staff side."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from feedback.auth.forms import LoginForm
from feedback.auth.services import authenticate
from feedback.ratelimit import limited
from feedback.transaction import run

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None, user) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("admin.index") if user.is_admin else url_for("pages.home")


@bp.route("/login", methods=["GET", "POST"])
@limited("RATELIMIT_LOGIN", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = run(lambda: authenticate(form.email.data, form.password.data))
        if user is None:
            form.password.errors.append(_("The e-mail or the password is wrong."))
        else:
            login_user(user)
            flash(_("Welcome, %(name)s.", name=user.name or user.email), "success")
            return redirect(_safe_next(request.args.get("next"), user))
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" or not form.errors else 422


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("pages.home"))
