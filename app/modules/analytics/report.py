"""The monthly PDF report: the month's rates, reasons, clusters and costs, with the charts."""
from __future__ import annotations

from flask import render_template

from app.modules.analytics import pages


def refusing_fetcher():
    """A WeasyPrint fetcher that fetches nothing: the report's charts are inline SVG."""
    from weasyprint.urls import URLFetcher

    class RefuseAll(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"analytics report: fetching {url!r} is not allowed")

    return RefuseAll()


def report_html(form, locale: str) -> str:
    """The report as HTML (inline SVG charts with their tables)."""
    from app.modules.analytics.periods import month_label

    return render_template("analytics/report.html", form=form, title_month=month_label(form.months()[1]), rates=pages.rates_page(form, locale),
                           reasons=pages.reasons_page(form, locale), contagion=pages.contagion_page(form),
                           cost=pages.cost_page(form))


def monthly_report_pdf(form, locale: str) -> bytes:
    """Render the report: the documents module's safe renderer when present, else WeasyPrint
    with a fetcher that refuses everything."""
    html = report_html(form, locale)
    try:
        from app.modules.documents.render import Meta, html_to_pdf
    except ImportError:
        from weasyprint import HTML

        return HTML(string=html, url_fetcher=refusing_fetcher()).write_pdf()
    from app.db import utcnow
    from app.modules.analytics.periods import month_label

    month = month_label(form.months()[1])
    meta = Meta(title=f"Turnover report {month}", author="Sendoff", subject="turnover", locale=locale,
                created=utcnow(), code=f"analytics-{month}", verify_url="", version=1)
    return html_to_pdf(html, meta)
