"""Top-level CLI groups: users and jobs (features add their own in cli.py)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from sqlalchemy import select

from app.db import db
from app.modules.auth import operations
from app.modules.auth.models import GRANTED_ROLES, TOKEN_SCOPES, User
from app.modules.employees.models import Employee


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(jobs)


@click.group(help="Manage logins.")
def users():
    pass


def _get_user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


@users.command("create")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", "roles", multiple=True, type=click.Choice(GRANTED_ROLES))
@click.option("--employee-no", help="Link the login to this employee.")
def create_user_command(username, password, roles, employee_no):
    """Create a login."""
    employee_id = None
    if employee_no:
        employee_id = db.session.scalar(select(Employee.id).where(Employee.employee_no == employee_no))
        if employee_id is None:
            raise click.ClickException(f"no employee numbered {employee_no!r}")
    try:
        operations.check_password_strength(password, username)
        operations.create_user(username, password, roles=roles, employee_id=employee_id)
    except operations.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created {username}")


@users.command("disable")
@click.argument("username")
@click.option("--reason", default="")
def disable_user_command(username, reason):
    """Disable a login; every open session and remember-cookie ends at once."""
    operations.disable_user(_get_user(username), reason=reason)
    db.session.commit()
    click.echo(f"disabled {username}")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", help="What the token is for.")
@click.option("--days", default=90, show_default=True, help="Days until it expires (0: never).")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(TOKEN_SCOPES),
              help="What the token may do (repeat the option); default: read.")
def token_command(username, name, days, scopes):
    """Create a personal access token for the API; it is shown once, alone on the last line."""
    try:
        token, secret = operations.create_api_token(_get_user(username), name, days=days or None,
                                                    scopes=scopes or ("read",))
    except operations.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    expires = token.expires_at.date().isoformat() if token.expires_at else "never"
    click.echo(f"token {token.prefix}... for {username}: scopes {', '.join(token.scopes)}, expires {expires}")
    click.echo(secret)


@users.command("service-account")
@click.argument("username")
@click.option("--role", "roles", multiple=True, type=click.Choice(GRANTED_ROLES))
def service_account_command(username, roles):
    """Create a login for another system (no employee, no password): give it tokens."""
    try:
        operations.create_service_account(username, roles=roles)
    except operations.AccountError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"created service account {username}")


@click.group(help="Background jobs.")
def jobs():
    pass


@jobs.command("worker")
def worker_command():
    """Run an RQ worker (needs REDIS_URL)."""
    from app.jobs import run_worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set; without it jobs run in-process")
    run_worker(url)


@jobs.command("cron")
def cron_command():
    """Queue the timer tick every minute (needs REDIS_URL)."""
    from app.jobs import run_cron

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set; run 'flask workflows tick' from cron instead")
    run_cron(url)
