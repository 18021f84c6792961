"""`flask audit verify` (the chain and its signed checkpoints) and `flask audit checkpoint`."""
from __future__ import annotations

import contextlib
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.db import db, is_sqlite, sqlite_begin
from app.engine.audit import ChainReport, verify_chain
from app.engine.models import AuditEvent
from app.modules.audit.checkpoints import (
    CheckpointError,
    checkpoint_dir,
    read_checkpoints,
    trusted_certificates,
    write_checkpoint,
)

LISTED = 20  # unanchored rows listed one by one; more are summed up


def register_cli(app: Flask) -> None:
    app.cli.add_command(audit)


@click.group(cls=AppGroup, help="The hash-chained audit log and its signed checkpoints.")
def audit():
    pass


@audit.command("verify")
@click.option("--checkpoints", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Checkpoint files to check against (default: SENDOFF_AUDIT_CHECKPOINT_DIR).")
@click.option("--trust", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A PEM file of certificates whose checkpoints are trusted, besides the "
                   "organisation key's (repeatable).")
@click.option("--batch", default=1000, show_default=True, help="Rows read at a time.")
def verify_command(folder, trust, batch):
    """Walk the chain and check it against the signed checkpoints; name every problem and
    exit 1 if there is one."""
    anchors, file_problems = read_checkpoints(folder or checkpoint_dir(), trusted_certificates(trust))
    for problem in file_problems:
        click.echo(problem.message)
    with _snapshot(db.session()) as session:
        report = verify_chain(session, batch=batch, anchors=anchors, keep=0,
                              on_problem=lambda problem: click.echo(problem.message))
        _describe_anchoring(session, report)
    problems = report.problem_count + len(file_problems)
    if problems:
        click.echo(f"Audit chain broken: {report.checked} rows checked, {problems} "
                   f"problem{'s' if problems != 1 else ''}.")
        raise SystemExit(1)
    click.echo(f"Audit chain intact: {report.checked} rows checked, no problems.")


@contextlib.contextmanager
def _snapshot(session):
    """One read-only snapshot for the whole walk, so that rows appended meanwhile are not
    half seen: REPEATABLE READ on PostgreSQL, a read (not write) transaction on SQLite.
    Inside a transaction already begun (a test's), it reads in that one."""
    if session.in_transaction():
        yield session
        return
    with sqlite_begin(False):
        session.connection(execution_options={} if is_sqlite(session)
                           else {"isolation_level": "REPEATABLE READ"})
        try:
            yield session
        finally:
            session.rollback()


def _describe_anchoring(session, report: ChainReport) -> None:
    anchor = report.anchor
    if anchor is None:
        click.echo(f"No checkpoint: none of the {report.checked} rows is anchored outside the "
                   "database (write one with `flask audit checkpoint`).")
        return
    click.echo(f"Latest checkpoint: {anchor.label} (row {anchor.last_id}, {anchor.row_count} "
               f"rows, signed {anchor.created_at}).")
    if not report.unanchored:
        click.echo("Every row is anchored by it.")
        return
    click.echo(f"{report.unanchored} row{'s' if report.unanchored != 1 else ''} after it "
               f"(rows {report.first_unanchored} to {report.last_id}) "
               f"{'are' if report.unanchored != 1 else 'is'} not anchored yet:")
    rows = session.execute(select(AuditEvent.id, AuditEvent.created_at, AuditEvent.event,
                                  AuditEvent.subject)
                           .where(AuditEvent.id > anchor.last_id).order_by(AuditEvent.id)
                           .limit(LISTED)).all()
    for row in rows:
        click.echo(f"  row {row.id}  {row.created_at:%Y-%m-%d %H:%M:%S} UTC  {row.event}  "
                   f"{row.subject or ''}".rstrip())
    if report.unanchored > len(rows):
        click.echo(f"  ... and {report.unanchored - len(rows)} more")


@audit.command("checkpoint")
def checkpoint_command():
    """Sign the chain's head now and write it to the checkpoint folder (mailed to the
    auditor when SENDOFF_AUDIT_CHECKPOINT_EMAIL is set)."""
    try:
        with _snapshot(db.session()) as session:
            written = write_checkpoint(session)
    except CheckpointError as error:
        raise click.ClickException(str(error)) from error
    claims = written.claims
    click.echo(f"Checkpoint written: {written.path}")
    click.echo(f"  row {claims['last_id']}, {claims['row_count']} rows, head "
               f"{claims['head_hash']}, {claims['created_at']}")
    if written.mail_error:
        click.echo(f"  not mailed to {written.mailed_to}: {written.mail_error}", err=True)
    elif written.mailed_to:
        click.echo(f"  mailed to {written.mailed_to}")
