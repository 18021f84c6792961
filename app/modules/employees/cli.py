"""CLI: `flask employees import FILE.csv [--partial]` and `flask demo load`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from app.audit import record_event
from app.db import db
from app.modules.employees.importer import import_employees, read_csv


def register_cli(app: Flask) -> None:
    from app.demo.cli import demo

    app.cli.add_command(employees)
    app.cli.add_command(demo)


@click.group(help="Employee records.")
def employees():
    pass


@employees.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partial", is_flag=True,
              help="Write the valid rows even when some rows are rejected.")
def import_command(file: Path, partial: bool) -> None:
    """Import employees from a CSV file (UTF-8; see docs for the columns)."""
    table = read_csv(file)
    with click.progressbar(length=max(2 * len(table.rows), 1), label="Importing",
                           file=sys.stderr) as bar:
        result = import_employees(table, partial=partial, on_progress=bar.update)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.written:
        record_event("employees.imported", subject=f"file:{file.name}", payload={
            "created": result.created, "updated": result.updated,
            "rejected": len(result.rejected_rows), "partial": partial,
            "archived": result.archived,
        })
        db.session.commit()
    else:
        db.session.rollback()
    click.echo(_summary(result))
    if result.problems:
        raise click.exceptions.Exit(1)


def _summary(result) -> str:
    rejected = len(result.rejected_rows)
    if not result.written:
        why = f"{rejected} row(s) rejected" if result.problems else "no rows"
        return f"Nothing imported: {why}."
    return (f"Imported {result.created + result.updated} of {result.rows} row(s): "
            f"{result.created} created, {result.updated} updated, {rejected} rejected; "
            f"{result.archived} added to the alumni archive.")
