"""Sign in and out of the staff side."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from feedback.auth import services
from feedback.auth.forms import LoginForm, PasswordChangeForm
from feedback.auth.services import authenticate
from feedback.forms import commit_or_show_errors
from feedback.ratelimit import limited
from feedback.throttle import TooManyAttempts
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
        try:
            user = run(lambda: authenticate(form.email.data, form.password.data))
        except TooManyAttempts as refused:
            form.form_errors.append(str(refused.message))
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(refused.retry_after)}
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
    user = current_user._get_current_object()
    run(lambda: services.sign_out(user))
    logout_user()
    flash(_("You are signed out, in every browser."), "info")
    return redirect(url_for("pages.home"))


# --- the signed-in member of staff's own account -----------------------------------------------


@bp.route("/staff/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        _changed, refused = commit_or_show_errors(
            form, lambda: services.change_own_password(user, form.current_password.data, form.new_password.data))
        if not refused:
            login_user(user)  # this browser goes on with the new session generation
            flash(_("Your password was changed. Your other sessions and your API tokens have ended."), "success")
            return redirect(url_for("auth.account"))
        status = refused
    elif form.errors:
        status = 422
    return render_template("auth/account.html", form=form, tokens=services.tokens_of(user, include_ended=True)), status


@bp.route("/staff/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    user = current_user._get_current_object()
    run(lambda: services.revoke_token(token_id, user))  # another's token: 404, as if absent
    flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account"))
