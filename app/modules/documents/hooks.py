"""Register the render_pdf outbox handler (the engine's slow action and request_document)."""
from __future__ import annotations

from app.engine.registry import registry


@registry.outbox_handler("render_pdf")
def render_pdf_job(payload: dict) -> None:
    """Render the record named by the job; idempotent by job id."""
    from app.modules.documents.operations import render_document_job

    render_document_job(payload)
