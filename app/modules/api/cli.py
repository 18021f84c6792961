"""`flask identity reconcile`: leavers still active in the SCIM service."""
from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    app.cli.add_command(identity)


@click.group(help="The company's identity service (SCIM).")
def identity():
    pass


@identity.command("reconcile")
def reconcile_command():
    """List people who have left but are still active in the SCIM service; exit 1 if any."""
    from app.modules.api import scim

    if not scim.configured():
        raise click.ClickException("SENDOFF_SCIM_URL is not set")
    rows = scim.still_active()
    for row in rows:
        click.echo(f"{row['employee_no']}\t{row['email'] or '-'}\t{row['scim_id']}\tmatched by {row['matched_by']}")
    click.echo(f"{len(rows)} people have left but are still active in the SCIM service")
    if rows:
        raise SystemExit(1)
