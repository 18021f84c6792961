"""`flask docs`: render a record, verify a file, make a trial signing key."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import Flask, current_app

from app.db import db


def register_cli(app: Flask) -> None:
    app.cli.add_command(docs)


@click.group(help="PDF records: render, verify, keygen.")
def docs():
    pass


@docs.command("render")
@click.option("--case", "case_id", required=True, type=int, help="Case id.")
@click.option("--kind", required=True, help="Document kind, e.g. termination_certificate.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), help="Default: the case's.")
@click.option("--bilingual", is_flag=True, help="Chinese and English side by side.")
@click.option("--with-reason", is_flag=True, help="Certificate: state the reason (on request).")
@click.option("--confidential", is_flag=True, help="Exit interview: include confidential notes.")
def render_command(case_id, kind, out, locale, bilingual, with_reason, confidential):
    """Render and record a new version now, and write it to FILE."""
    from app.modules.cases.models import Case
    from app.modules.documents import storage
    from app.modules.documents.operations import generate_document

    case = db.session.get(Case, case_id)
    if case is None:
        raise click.ClickException(f"no case with id {case_id}")
    options = {"with_reason": with_reason, "include_confidential": confidential}
    try:
        document = generate_document(db.session, case, kind, locale=locale, bilingual=bilingual,
                                     options=options)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    out.write_bytes(storage.load(document.sha256))
    click.echo(f"{out}: {document.kind} v{document.version} sha256 {document.sha256} "
               f"code {document.code}")


@docs.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(file):
    """Say whether FILE is a document we issued (exit status 1 when it is not)."""
    from app.modules.documents.kinds import kind_title
    from app.modules.documents.operations import issued_on, verify_upload

    result = verify_upload(file.read_bytes())
    if not result.found:
        click.echo(f"{file}: NOT GENUINE - no document with this SHA-256 was issued")
        raise SystemExit(1)
    doc = result.document
    click.echo(f"{file}: GENUINE - case {doc.case.reference}, "
               f"{kind_title(doc.kind, 'en')} v{doc.version}, issued {issued_on(doc)}, "
               + ("latest version" if result.latest else f"superseded by v{result.latest_version}"))
    for sig in result.signatures or []:
        click.echo("signature: " + json.dumps(sig, default=str))


@docs.command("keygen")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Default: instance/signing.p12")
@click.option("--name", default="Sendoff document signing (trial)", show_default=True)
@click.option("--organisation", default=None, help="Default: COMPANY_NAME or Sendoff.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def keygen_command(out, name, organisation, password, force):
    """Make a self-signed key and certificate for trials (not trusted by anyone else)."""
    from app.modules.documents.signing import make_self_signed

    out = out or Path(current_app.instance_path) / "signing.p12"
    if out.exists() and not force:
        raise click.ClickException(f"{out} exists; use --force to replace it")
    organisation = organisation or current_app.config.get("COMPANY_NAME") or "Sendoff"
    p12, cert_pem = make_self_signed(name, organisation, password)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(p12)
    out.chmod(0o600)
    out.with_suffix(".crt.pem").write_bytes(cert_pem)
    click.echo(f"wrote {out} and {out.with_suffix('.crt.pem')}")
    click.echo("set in the environment:")
    click.echo(f"  SENDOFF_SIGNING_KEY_FILE={out}")
    click.echo("  SENDOFF_SIGNING_KEY_PASSWORD=<the password you typed>")
