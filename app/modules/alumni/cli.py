"""`flask alumni search QUERY` and `flask alumni backfill`."""
from __future__ import annotations

import click

from app.db import db


def register_cli(app) -> None:
    @app.cli.group(help="The alumni archive.")
    def alumni():
        pass

    @alumni.command("search")
    @click.argument("query")
    def search_command(query: str) -> None:
        """Print matches: employee number, name, last day, eligibility (the look-up is logged)."""
        from app.modules.alumni.search import search_alumni

        matches = search_alumni(query, None)
        db.session.commit()
        for m in matches:
            click.echo("\t".join([m.employee.employee_no, m.employee.name,
                                  m.record.frozen.get("last_day") or "", m.record.eligibility]))
        if not matches:
            click.echo("no match", err=True)

    @alumni.command("backfill")
    def backfill_command() -> None:
        """Archive past employees that came in through the import (idempotent)."""
        from app.modules.alumni.operations import backfill_archive

        count = backfill_archive()
        db.session.commit()
        click.echo(f"{count} alumni records added.")
