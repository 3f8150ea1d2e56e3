"""The Markdown report: the page block by block with its voices, then a heading and a table per layer.

Page text is untrusted: HTML special characters become entities and Markdown punctuation is backslash-
escaped, and newlines inside table cells become spaces, so a page cannot inject links, images, raw HTML or
break a table.
"""

from __future__ import annotations

import re
from typing import Any

from unspun.render import ReportTable, report_tables, structure_voice, voice_name
from unspun.render.inert import inert_data

# Inline Markdown syntax (emphasis, code, links/images, tables, strike-through, escapes); HTML's own
# specials become entities. Characters that only mean something at the start of a line (headings, lists,
# block quotes, ordered lists) are escaped there.
_MD_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
_MD_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def md(text: Any) -> str:
    """Escape page text for Markdown: HTML entities, a backslash before Markdown punctuation."""
    out = _MD_INLINE.sub(r"\\\1", str(text))
    out = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    out = _MD_ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), out)
    return "".join(_HTML_SPECIAL.get(c, c) for c in out)


def cell(text: Any) -> str:
    return md(" ".join(str(text).split()))


def table_md(t: ReportTable) -> str:
    if not t.rows:
        return f"## {md(t.title)}\n\n{md(t.empty.capitalize())}.\n"
    lines = ["| " + " | ".join(map(cell, t.headers)) + " |",
             "|" + "".join("---:|" if i in t.numeric else "---|" for i in range(len(t.headers)))]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in t.rows]
    return f"## {md(t.title)}\n\n" + "\n".join(lines) + "\n"


def structure_md(data: dict[str, Any]) -> list[str]:
    out = ["## Structure and voices", ""]
    for s in data.get("layers", {}).get("structure", []):
        attrs = s.get("attrs", {})
        if s["label"] == "comment":
            depth = int(attrs.get("depth") or 0)
            who = f"comment #{attrs.get('index', '?')} by {attrs.get('author') or 'anonymous'}"
            who += f", {attrs['time']}" if attrs.get("time") else ""
            who += f", reply at depth {depth}" if depth else ""
        elif s["label"] == "quoted":
            who = f"quoted — {attrs.get('outlet') or 'source unknown'}"
        else:
            who = f"{s['label']} ({voice_name(structure_voice(s), data)})"
        body = "\n".join(f"> {md(line)}" if line.strip() else ">" for line in s["text"].splitlines())
        out += [f"**{md(who)}**", "", body, ""]
    return out


def render_markdown(data: dict[str, Any]) -> str:
    """The Markdown report of one analysis (page text made inert first: `render.inert`)."""
    data = inert_data(data)
    doc = data.get("document", {})
    out = [f"# {md(doc.get('title') or '(untitled)')}", ""]
    for key in ("site", "published", "language", "url", "id"):
        if doc.get(key):
            out.append(f"- **{key}**: {md(doc[key])}")
    out += [f"- **unspun**: {md(data.get('version', ''))}", ""]
    if data.get("layers", {}).get("structure"):
        out += structure_md(data)
    out += [table_md(t) for t in report_tables(data)]
    if data.get("warnings"):
        out += ["## Warnings", ""] + [f"- {md(w)}" for w in data["warnings"]] + [""]
    return "\n".join(out).rstrip() + "\n"
