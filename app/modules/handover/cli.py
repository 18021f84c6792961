"""`flask handover lint [PATH ...]`: check the checklist templates like the workflows."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.modules.handover.checklists import lint_paths


def register_cli(app: Flask) -> None:
    """Add the `handover` command group."""
    app.cli.add_command(handover)


@click.group(cls=AppGroup, help="Handover checklist templates.")
def handover():
    pass


@handover.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
def lint(paths):
    """Lint workflows/checklists/*.yaml (or the files named); exit 1 on any problem."""
    problems = lint_paths(list(paths) or None)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    click.echo("checklists: no problems")
