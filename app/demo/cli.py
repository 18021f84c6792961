"""`flask demo load`: the demo company, its history and the demo logins."""
from __future__ import annotations

import sys
import time

import click
from sqlalchemy.orm import sessionmaker

from app.clock import AppClock
from app.clock import now as clock_now
from app.clock import today as china_today
from app.db import db
from app.demo import company
from app.demo.cases import load_demo_cases, people_logins
from app.demo.loader import counts, demo_anchor, demo_steps, load_demo
from app.engine.errors import NotDeployed
from app.engine.outbox import PENDING_KEY, due_job_ids, run_job


@click.group(help="Demo data.")
def demo():
    pass


@demo.command("load")
def load_command() -> None:
    """Load the demo company (idempotent: a second run adds nothing)."""
    started = time.monotonic()
    with click.progressbar(length=demo_steps(demo_anchor(db.session)), label="Loading the demo company",
                           file=sys.stderr) as bar:
        result = load_demo(db.session, progress=bar.update)
    try:
        cases_added = load_demo_cases(db.session, china_today())
    except NotDeployed as error:
        raise click.ClickException(f"{error}: run 'flask workflows deploy' first") from error
    # The demo queued PDFs and e-mails: run them here, one after another, once the data is
    # committed, instead of on one thread per job competing for SQLite's write lock.
    db.session.info.pop(PENDING_KEY, None)
    db.session.commit()
    _run_jobs()
    result.update(counts(db.session))  # the archived demo cases' leavers have left
    if result["already_loaded"]:
        click.echo("The demo was already loaded; only missing records were added.")
    click.echo(f"{company.COMPANY_ZH} ({company.COMPANY_EN}): {result['current']} current and "
               f"{result['past']} past employees, {result['separations']} departures, "
               f"{result['wage_records']} monthly wages; {result['added_people']} people added "
               f"in {time.monotonic() - started:.1f} s.")
    click.echo(f"{cases_added} demo cases added." if cases_added else "Demo cases already there.")
    click.echo(_login_table(result["logins"]))
    people = people_logins(db.session)
    if people:
        click.echo(f"{len(people)} people in the demo cases sign in with their employee number in "
                   f"lower case ({people[0]}, {people[1 % len(people)]}, ...) and the same password.")


def _run_jobs() -> None:
    """Run every due job, the ones the jobs queue included, each on a fresh session as the
    worker does (a job that only reads would leave a read transaction open, and SQLite
    refuses the next job's write on it)."""
    factory = sessionmaker(bind=db.engine, expire_on_commit=False)
    while True:
        with factory() as session:
            job_ids = due_job_ids(session, clock_now())
        if not job_ids:
            return
        for job_id in job_ids:
            run_job(job_id, session_factory=factory, clock=AppClock())
            db.session.remove()


def _login_table(logins: list[dict]) -> str:
    header = ("username", "role", "password", "who")
    rows = [header] + [(login["username"], login["roles"], login["password"], login["who"])
                       for login in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
             + "  " + row[3] for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths) + "  " + "-" * 3)
    return "\n".join(lines)
