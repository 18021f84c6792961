"""`flask workflows ...` (deploy, lint, diagram, migrate, tick, drain)."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from app.clock import AppClock
from app.db import db
from app.engine import diagram, outbox, runtime
from app.engine.definition import from_canonical, load
from app.engine.errors import EngineError
from app.engine.lint import definition_files, lint_paths
from app.engine.registry import registry
from app.modules.audit.checkpoints import tick_checkpoint

WORKFLOWS_DIR = Path(__file__).resolve().parents[3] / "workflows"


def register_cli(app: Flask) -> None:
    """Add the `workflows` command group."""
    app.cli.add_command(workflows)


def _factory():
    return sessionmaker(bind=db.engine, expire_on_commit=False)


def _calendar():
    from app.modules.workflows.hooks import app_calendar

    return app_calendar()


@click.group(cls=AppGroup, help="Workflow definitions, cases in flight, timers and the outbox.")
def workflows():
    pass


@workflows.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def lint_command(paths):
    """Check definitions (default: every definition in workflows/); exit 1 on any problem."""
    problems = lint_paths(paths or [WORKFLOWS_DIR], registry)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise SystemExit(1)
    click.echo(f"{len(definition_files(paths or [WORKFLOWS_DIR]))} definitions, no problems")


@workflows.command("deploy")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--by", "deployed_by", default="cli", help="Who deploys (kept on the row).")
def deploy_command(paths, deployed_by):
    """Validate, lint and store definitions as (id, version, sha256); never overwrite."""
    try:
        for file in definition_files(paths or [WORKFLOWS_DIR]):
            row, created = runtime.deploy(db.session, file, registry=registry,
                                          deployed_by=deployed_by)
            state = "deployed" if created else "unchanged"
            click.echo(f"{state} {row.workflow_id} v{row.version} sha256 {row.sha256[:16]}")
    except EngineError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()


@workflows.command("diagram")
@click.argument("workflow_id")
@click.option("--version", type=int, help="A deployed version (default: latest, else the file).")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid")
def diagram_command(workflow_id, version, fmt):
    """Print the definition as Mermaid stateDiagram-v2 (or DOT/SVG)."""
    try:
        defn = from_canonical(runtime.get_definition(db.session, workflow_id, version).canonical)
    except (EngineError, SQLAlchemyError) as error:  # not deployed, or no database yet
        db.session.rollback()
        file = WORKFLOWS_DIR / f"{workflow_id}.yaml"
        if version is not None or not file.exists():
            raise click.ClickException(
                f"{workflow_id} is neither deployed nor in workflows/") from error
        defn = load(file)
    render = {"mermaid": diagram.mermaid, "dot": diagram.dot, "svg": diagram.svg}[fmt]
    click.echo(render(defn), nl=False)


def _parse_map(pairs) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new:
            raise click.BadParameter(f"{pair!r} is not old=new", param_hint="--map")
        mapping[old] = new
    return mapping


@workflows.command("migrate")
@click.argument("workflow_id")
@click.option("--from", "from_version", type=int, required=True)
@click.option("--to", "to_version", type=int, required=True)
@click.option("--map", "pairs", multiple=True, help="old_state=new_state (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show what would move; change nothing.")
def migrate_command(workflow_id, from_version, to_version, pairs, dry_run):
    """Move in-flight cases between versions; one audit event per moved case."""
    try:
        items = runtime.migrate(db.session, workflow_id, from_version, to_version,
                                _parse_map(pairs), dry_run=dry_run, clock=AppClock(),
                                calendar=_calendar(), registry=registry)
    except EngineError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    for item in items:
        label = item.subject or f"instance {item.instance_id}"
        if item.refused:
            click.echo(f"refused {label}: {item.refused}")
        else:
            verb = "would move" if dry_run else "moved"
            click.echo(f"{verb} {label}: {'/'.join(item.from_states)} -> {item.to_states[0]}")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    moved = sum(1 for i in items if not i.refused)
    click.echo(f"{moved} of {len(items)} cases {'can move' if dry_run else 'moved'}")


@workflows.command("tick")
def tick_command():
    """Fire due timers as the system actor (idempotent; run it every minute from cron), and
    write a signed audit checkpoint when one is due."""
    clock = AppClock()
    report = runtime.tick(_factory(), clock=clock, calendar=_calendar(), registry=registry)
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(f"fired {report.fired}, skipped {report.skipped}, errors {len(report.errors)}")
    checkpoint = tick_checkpoint(_factory(), clock.now())
    if checkpoint:
        click.echo(f"audit checkpoint: {checkpoint}")
    if report.errors:
        raise SystemExit(1)


@workflows.command("drain")
@click.option("--limit", default=100, show_default=True)
def drain_command(limit):
    """Run due outbox jobs now, in this process (also retries expired leases)."""
    counts = outbox.drain(_factory(), clock=AppClock(), registry=registry, limit=limit)
    click.echo(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing due")
