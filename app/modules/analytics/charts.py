"""Charts as server-rendered SVG (no JavaScript), each with the table a screen reader reads.

The same markup works in the page and in WeasyPrint PDFs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 300, 56, 16, 28, 56


@dataclass
class Chart:
    title: str
    note: str  # the formula or the assumptions, printed under the title
    svg: Markup
    headers: list[str]
    rows: list[list] = field(default_factory=list)


def _fmt(value, percent: bool) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if percent else (f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}")


def _frame(title: str, note: str, body: list[str], top: float, percent: bool) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    grid = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        grid.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                    f'{escape(_fmt(value, percent))}</text>')
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
            f'role="img" aria-label="{escape(title)}. {escape(note)}" font-family="sans-serif">'
            f'<title>{escape(title)}</title><desc>{escape(note)}</desc>')
    # Every text piece above went through escape(); numbers are formatted floats.
    return Markup(head + "".join(grid) + "".join(body) + "</svg>")  # noqa: S704


def _x_labels(labels: list[str], x_of) -> list[str]:
    step = max(1, len(labels) // 12)
    return [f'<text x="{x_of(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="10">'
            f'{escape(label)}</text>' for i, label in enumerate(labels) if i % step == 0]


def line_chart(title: str, note: str, x_labels: list[str], series: dict[str, list], percent: bool = True) -> Chart:
    """One line per series; gaps where a value is None."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = (max(values) if values else 0) * 1.1 or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    def x_of(i):
        return LEFT + (plot_w * i / max(1, len(x_labels) - 1))
    body = _x_labels(x_labels, x_of)
    for n, (name, vs) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(f"{x_of(i):.1f},{TOP + plot_h - plot_h * v / top:.1f}" for i, v in enumerate(vs)
                          if v is not None)
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        body.append(f'<text x="{LEFT + 8 + 120 * (n % 5)}" y="{HEIGHT - 12 - 12 * (n // 5)}" font-size="11" '
                    f'fill="{colour}">■ {escape(name)}</text>')
    rows = [[label] + [_fmt(vs[i] if i < len(vs) else None, percent) for vs in series.values()]
            for i, label in enumerate(x_labels)]
    return Chart(title, note, _frame(title, note, body, top, percent), [""] + list(series), rows)


def bar_chart(title: str, note: str, labels: list[str], values: list[float], percent: bool = False) -> Chart:
    """Vertical bars, one per label."""
    top = (max(values) if values else 0) * 1.1 or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    width = plot_w / max(1, len(labels))
    def x_of(i):
        return LEFT + width * (i + 0.5)
    body = _x_labels(labels, x_of)
    for i, value in enumerate(values):
        h = plot_h * (value or 0) / top
        body.append(f'<rect x="{LEFT + width * i + width * 0.15:.1f}" y="{TOP + plot_h - h:.1f}" '
                    f'width="{width * 0.7:.1f}" height="{h:.1f}" fill="{PALETTE[0]}"/>')
    rows = [[label, _fmt(value, percent)] for label, value in zip(labels, values, strict=True)]
    return Chart(title, note, _frame(title, note, body, top, percent), ["", title], rows)
