"""`flask alumni search QUERY --by USERNAME` and `flask alumni backfill`."""
from __future__ import annotations

import click
from sqlalchemy import select

from app.db import db


def _hr_user(username: str):
    """The active HR login a command-line look-up is logged under; refused otherwise."""
    from app.modules.auth.models import User
    from app.modules.auth.permissions import roles_of

    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise click.ClickException(f"no user named {username!r}; --by takes your HR login")
    if not user.is_active:
        raise click.ClickException(f"the login {username!r} is disabled")
    if "hr" not in roles_of(user):
        raise click.ClickException(f"{username!r} is not an HR user; only HR may look up alumni")
    return user


def register_cli(app) -> None:
    @app.cli.group(help="The alumni archive.")
    def alumni():
        pass

    @alumni.command("search")
    @click.argument("query")
    @click.option("--by", "username", required=True,
                  help="Your HR login: the look-up is logged under it.")
    def search_command(query: str, username: str) -> None:
        """Print matches: employee number, name, last day, eligibility (the look-up is logged)."""
        from app.modules.alumni.search import search_alumni

        page = search_alumni(query, _hr_user(username))
        db.session.commit()
        for m in page.items:
            click.echo("\t".join([m.employee.employee_no, m.employee.name,
                                  m.record.frozen.get("last_day") or "", m.record.eligibility]))
        if not page.items:
            click.echo("no match", err=True)

    @alumni.command("backfill")
    def backfill_command() -> None:
        """Archive past employees that came in through the import (idempotent)."""
        from app.modules.alumni.operations import backfill_archive

        count = backfill_archive()
        db.session.commit()
        click.echo(f"{count} alumni records added.")
