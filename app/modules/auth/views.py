"""Sign in, sign out, change password, switch language."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.db import db
from app.extensions import limiter, login_manager
from app.modules.auth import operations
from app.modules.auth.forms import ChangePasswordForm, LanguageForm, LoginForm
from app.modules.auth.models import User
from app.requests import safe_next
from app.security import client_address

bp = Blueprint("auth", __name__, template_folder="templates")

login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(session_token: str) -> User | None:
    """Sessions carry the rotating token, so a rotated, expired or disabled account is signed out."""
    return operations.user_for_session(session_token, session_days=current_app.config["REMEMBER_DAYS"])


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    return safe_next(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """Show the sign-in form and sign the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = operations.authenticate_user(form.username.data, form.password.data, address=client_address(),
                                            session_days=current_app.config["REMEMBER_DAYS"])
        db.session.commit()
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        # One answer for an unknown name, a wrong password and a throttled attempt.
        flash(_("The user name or password is not correct, or there have been too many attempts. "
                "After several attempts, wait a few minutes before trying again."), "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out everywhere (copied cookies die too), keeping the language the user chose."""
    locale = session.get("locale") or current_user.locale
    operations.sign_out_user(current_user._get_current_object())
    db.session.commit()
    session.clear()
    logout_user()  # after clear(): it marks the remember cookie for deletion in the session
    if locale:
        session["locale"] = locale
    flash(_("You have signed out on every device."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the signed-in user's password; other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = current_user._get_current_object()
            operations.change_password(user, form.current.data, form.new.data)
        except operations.AccountError as error:
            form.new.errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)  # keep this session on the rotated token
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language and remember it for the user."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    if not LanguageForm().validate_on_submit():
        abort(400)
    session["locale"] = code
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
