"""Small inline SVG plots for the corpus report: horizontal bars, paired bars, columns, a two-column graph.

Drawn here rather than by a plotting library: the report must render offline with nothing fetched, and these
four shapes are all it needs. Every label is escaped (it comes from the crawl).
"""

from __future__ import annotations

from html import escape

#: colours of the series (article, comments) and of single bars; readable on white and in greyscale
COLOURS = ("#3a6ea5", "#d9822b", "#6b8e23", "#8e44ad")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
LABEL_WIDTH = 220
BAR_HEIGHT = 16
GAP = 6


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT}>'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _fmt(value: float, percent: bool) -> str:
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def bar_chart(items: list[tuple[str, float]], *, title: str, width: int = 640, percent: bool = False) -> str:
    """One horizontal bar per (label, value)."""
    peak = max((v for _, v in items), default=0) or 1
    plot = width - LABEL_WIDTH - 70
    body = []
    for k, (label, value) in enumerate(items):
        y = k * (BAR_HEIGHT + GAP)
        w = max(1.0, plot * value / peak) if value else 0
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">'
                    f'{escape(_clip(label))}</text>'
                    f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                    f'fill="{COLOURS[0]}"/>'
                    f'<text x="{LABEL_WIDTH + w + 4:.1f}" y="{y + 12}">{_fmt(value, percent)}</text>')
    return _svg(width, max(1, len(items)) * (BAR_HEIGHT + GAP), body, title)


def paired_bars(rows: list[tuple[str, list[float | None]]], series: list[str], *, title: str,
                width: int = 640, percent: bool = True) -> str:
    """Per label, one bar per series (None: no data, drawn as a dash), with a legend on top."""
    values = [v for _, vs in rows for v in vs if v is not None]
    peak = max(values, default=0) or 1
    plot = width - LABEL_WIDTH - 70
    bar = BAR_HEIGHT * 0.7
    group = bar * len(series) + GAP * 2
    body = [f'<rect x="{LABEL_WIDTH + 130 * k}" y="2" width="10" height="10" fill="{COLOURS[k]}"/>'
            f'<text x="{LABEL_WIDTH + 130 * k + 14}" y="11">{escape(name)}</text>'
            for k, name in enumerate(series)]
    top = 20
    for k, (label, vs) in enumerate(rows):
        y0 = top + k * group
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y0 + bar + 4:.1f}" text-anchor="end">'
                    f'{escape(_clip(label))}</text>')
        for j, value in enumerate(vs):
            y = y0 + j * bar
            if value is None:
                body.append(f'<text x="{LABEL_WIDTH + 2}" y="{y + bar - 2:.1f}" fill="#888">–</text>')
                continue
            w = plot * value / peak if value else 0
            body.append(f'<rect x="{LABEL_WIDTH}" y="{y:.1f}" width="{w:.1f}" height="{bar - 1:.1f}" '
                        f'fill="{COLOURS[j % len(COLOURS)]}"/>'
                        f'<text x="{LABEL_WIDTH + w + 4:.1f}" y="{y + bar - 2:.1f}" font-size="10">'
                        f'{_fmt(value, percent)}</text>')
    return _svg(width, int(top + max(1, len(rows)) * group), body, title)


def columns(items: list[tuple[str, float]], *, title: str, width: int = 640, height: int = 180) -> str:
    """A vertical column per (label, value): a histogram over given bins."""
    peak = max((v for _, v in items), default=0) or 1
    n = max(1, len(items))
    slot = (width - 20) / n
    plot = height - 40
    body = []
    for k, (label, value) in enumerate(items):
        h = plot * value / peak
        x = 10 + k * slot
        body.append(f'<rect x="{x + 4:.1f}" y="{20 + plot - h:.1f}" width="{slot - 8:.1f}" height="{h:.1f}" '
                    f'fill="{COLOURS[0]}"/>'
                    f'<text x="{x + slot / 2:.1f}" y="{16 + plot - h:.1f}" text-anchor="middle">'
                    f'{_fmt(value, False)}</text>'
                    f'<text x="{x + slot / 2:.1f}" y="{height - 6}" text-anchor="middle" font-size="10">'
                    f'{escape(label)}</text>')
    return _svg(width, height, body, title)


def bipartite(edges: list[tuple[str, str, float]], *, title: str, width: int = 720) -> str:
    """Left nodes (sources) linked to right nodes (targets), line width by weight: who cites whom."""
    lefts = list(dict.fromkeys(a for a, _, _ in edges))
    rights = list(dict.fromkeys(b for _, b, _ in edges))
    row = 22
    height = max(len(lefts), len(rights), 1) * row + 10
    lx, rx = 200, width - 200
    ly = {name: 10 + k * row + row / 2 for k, name in enumerate(lefts)}
    ry = {name: 10 + k * row + row / 2 for k, name in enumerate(rights)}
    peak = max((w for _, _, w in edges), default=1) or 1
    body = []
    for a, b, w in edges:
        body.append(f'<line x1="{lx}" y1="{ly[a]:.1f}" x2="{rx}" y2="{ry[b]:.1f}" stroke="{COLOURS[0]}" '
                    f'stroke-opacity="0.55" stroke-width="{1 + 5 * w / peak:.1f}"><title>'
                    f'{escape(a)} → {escape(b)}: {_fmt(w, False)}</title></line>')
    for name, y in ly.items():
        body.append(f'<circle cx="{lx}" cy="{y:.1f}" r="4" fill="{COLOURS[0]}"/>'
                    f'<text x="{lx - 8}" y="{y + 4:.1f}" text-anchor="end">{escape(_clip(name, 28))}</text>')
    for name, y in ry.items():
        body.append(f'<circle cx="{rx}" cy="{y:.1f}" r="4" fill="{COLOURS[1]}"/>'
                    f'<text x="{rx + 8}" y="{y + 4:.1f}">{escape(_clip(name, 28))}</text>')
    return _svg(width, int(height), body, title)
