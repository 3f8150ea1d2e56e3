"""The human-readable terminal report (rich): the page's voices, then what each layer found.

All page text goes into `rich.text.Text` objects, which rich never parses as markup, so a page that contains
``[bold]`` or ``[link=...]`` prints as written (the same protection as `rich.markup.escape`).
"""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from unspun.render import ReportTable, excerpt, report_tables
from unspun.render.inert import inert_data

LABEL_STYLES = {"title": "bold", "editorial": "cyan", "quoted": "magenta", "comment": "green",
                "hate": "bold red", "offensive": "yellow"}


def header(data: dict[str, Any]) -> RenderableType:
    doc = data.get("document", {})
    lines = Text()
    lines.append(doc.get("title") or "(untitled)", style="bold")
    for key in ("site", "published", "language", "url", "id"):
        if doc.get(key):
            lines.append(f"\n{key}: ", style="dim")
            lines.append(str(doc[key]))
    return Panel(lines, title="unspun", title_align="left", expand=True)


def structure_view(data: dict[str, Any]) -> RenderableType | None:
    """The page block by block, each with its voice; comments indented by thread depth."""
    spans = data.get("layers", {}).get("structure")
    if not spans:
        return None
    table = Table(title="Structure and voices", header_style="bold", expand=True)
    table.add_column("voice", no_wrap=True, max_width=40)
    table.add_column("text")
    for span in spans:
        attrs = span.get("attrs", {})
        label = span["label"]
        if label == "comment":
            depth = int(attrs.get("depth") or 0)
            voice = Text("  " * depth + ("↳ " if depth else "") + f"#{attrs.get('index', '?')} ",
                         style=LABEL_STYLES["comment"])
            voice.append(str(attrs.get("author") or "anonymous"))
            if attrs.get("time"):
                voice.append(f" · {attrs['time']}", style="dim")
        elif label == "quoted":
            voice = Text("quoted", style=LABEL_STYLES["quoted"])
            voice.append(f" — {attrs.get('outlet') or 'source unknown'}")
        else:
            voice = Text(label, style=LABEL_STYLES.get(label, ""))
        table.add_row(voice, Text(excerpt(span["text"])))
    return table


def voices_view(t: ReportTable) -> RenderableType:
    """The per-voice table, its per-layer counts folded into one cell of lines (terminals are narrow)."""
    table = Table(title=t.title, header_style="bold", expand=True)
    layer_columns = [i for i, h in enumerate(t.headers) if i >= 2 and "rate" not in h]
    rate_columns = [i for i, h in enumerate(t.headers) if "rate" in h]
    table.add_column("voice", max_width=36)
    table.add_column("segments", justify="right")
    for i in rate_columns:
        table.add_column(t.headers[i], justify="right")
    table.add_column("spans per layer")
    for row in t.rows:
        said = "\n".join(f"{t.headers[i]}: {row[i]}" for i in layer_columns if row[i] != "–")
        table.add_row(Text(row[0]), row[1], *(row[i] for i in rate_columns), Text(said or "–"))
    return table


def table_view(t: ReportTable) -> RenderableType:
    if t.layer == "summary" and t.rows:
        return voices_view(t)
    if not t.rows:
        return Text(f"{t.title}: {t.empty}.", style="dim")
    table = Table(title=t.title, header_style="bold", expand=True)
    for i, name in enumerate(t.headers):
        table.add_column(name, justify="right" if i in t.numeric else "left")
    for row in t.rows:
        cells = [Text(cell) for cell in row]
        if t.layer == "hate":
            cells[0].stylize(LABEL_STYLES.get(row[0], ""))
        table.add_row(*cells)
    return table


def warnings_view(data: dict[str, Any]) -> RenderableType | None:
    warnings = data.get("warnings") or []
    if not warnings:
        return None
    return Text("\n".join(f"warning: {w}" for w in warnings), style="yellow")


def report(data: dict[str, Any], *, warnings: bool = True) -> Group:
    """The whole report as one rich renderable (the CLI prints warnings to stderr instead); page text is
    made inert first (`render.inert`): no escape sequence from a page reaches the terminal."""
    data = inert_data(data)
    parts = [header(data), structure_view(data), *map(table_view, report_tables(data)),
             warnings_view(data) if warnings else None]
    return Group(*[p for p in parts if p is not None])


def print_report(data: dict[str, Any], console: Console) -> None:
    console.print(report(data))


def render_text(data: dict[str, Any], *, width: int = 110, color: bool = False) -> str:
    """The report as a string (no colour codes unless asked): for files and tests."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system="standard" if color else None,
                      force_terminal=color, highlight=False, emoji=False)
    print_report(data, console)
    return buffer.getvalue()
