"""The HTML report: one self-contained file (inline CSS, no script, no external resource).

The text is drawn block by block (one block per structure span, labelled with its voice) and split into
segments at every span boundary of every inline layer, so overlapping spans of different layers each keep
their own markup: a segment is wrapped in one element per layer that covers it, and each layer draws with its
own CSS property (background, marker, underline, outline), which compose. A checkbox per layer turns its
highlighting off with a pure-CSS rule, so the report needs no JavaScript and its Content-Security-Policy
forbids scripts outright. The analysis itself is embedded as JSON (a data block, never executed) with ``<``,
``>`` and ``&`` escaped, so the report carries the one object it was made from.

Everything that comes from the page — text, labels, attributes, metadata, URLs — is escaped with
`html.escape`; only http(s) URLs become links.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

from unspun.render import (
    INLINE_LAYERS,
    ReportTable,
    report_tables,
    shown_spans,
    span_title,
    structure_table,
    structure_voice,
    voice_name,
)
from unspun.render.inert import inert_data

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
LAYER_TITLES = {
    "quotes": "Quotes", "propaganda": "Persuasion techniques", "hate": "Hate and offence",
    "claims": "Check-worthy claims", "entities": "Entities", "outlets": "Outlets",
}
#: swatch colour per layer (and per label where labels need telling apart)
LAYER_COLOURS = {"quotes": "#bfdbfe", "propaganda": "#fdba74", "hate": "#dc2626", "claims": "#7c3aed",
                 "entities": "#16a34a", "outlets": "#0d9488"}
#: one marker colour per persuasion technique (SemEval-2020 Task 11), so a reader tells them apart in the text
TECHNIQUE_COLOURS = {
    "Loaded_Language": "#fdba74", "Name_Calling,Labeling": "#f9a8d4", "Repetition": "#c4b5fd",
    "Exaggeration,Minimisation": "#fcd34d", "Doubt": "#a5b4fc", "Appeal_to_fear-prejudice": "#fca5a5",
    "Flag-Waving": "#93c5fd", "Causal_Oversimplification": "#86efac", "Slogans": "#f0abfc",
    "Appeal_to_Authority": "#67e8f9", "Black-and-White_Fallacy": "#d6d3d1",
    "Thought-terminating_Cliches": "#bef264",
    "Whataboutism,Straw_Men,Red_Herring": "#fde68a", "Bandwagon,Reductio_ad_hitlerum": "#5eead4",
}
LABEL_COLOURS = {
    ("hate", "hate"): "#dc2626", ("hate", "offensive"): "#f97316",
    ("entities", "PERSON"): "#16a34a", ("entities", "ORG"): "#2563eb", ("entities", "GPE"): "#ca8a04",
    ("entities", "NORP"): "#db2777",
    **{("propaganda", name): colour for name, colour in TECHNIQUE_COLOURS.items()},
}

CSS = """
*{box-sizing:border-box}
body{font:15px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2937;background:#f8fafc}
.toggle{position:absolute;left:-9999px}
.page{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1.2rem;padding:1.2rem}
.page{max-width:1500px;margin:auto}
header.doc{grid-column:1/-1;background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:.8rem 1rem}
header.doc h1{font-size:1.3rem;margin:.1rem 0 .4rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:0;font-size:.9rem}
dl.meta dt{color:#6b7280}dl.meta dd{margin:0;overflow-wrap:anywhere}
.legend{grid-column:1/-1;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;font-size:.9rem}
.legend label{cursor:pointer;user-select:none}
.legend .box{display:inline-block;width:.9em;height:.9em;border:1px solid #9ca3af;border-radius:2px}
.legend .box{margin-right:.3em;vertical-align:-.1em}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .2em 0 .5em;vertical-align:-.05em}
.legend .labels{color:#4b5563}
main.text{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:1rem 1.2rem}
.block{white-space:pre-wrap;margin:0 0 .9rem;padding:.3rem .6rem;border-left:4px solid #e5e7eb}
.block .who{display:block;white-space:normal;font-size:.75rem;color:#6b7280}
.block .who{text-transform:uppercase;letter-spacing:.03em}
.b-title{font-weight:600;font-size:1.1rem;border-left-color:#111827}
.b-editorial{border-left-color:#0891b2}
.b-quoted{border-left-color:#a21caf;background:#fdf4ff}
.b-comment{border-left-color:#16a34a;background:#f0fdf4}
.b-other{border-left-style:dashed}
.l-quotes{background-color:#dbeafe}
.l-propaganda{background-image:linear-gradient(transparent 55%,#fdba74 55%)}
.l-hate.lab-hate{color:#b91c1c;text-decoration:underline wavy #dc2626}
.l-hate.lab-offensive{color:#9a3412;text-decoration:underline wavy #f97316}
.l-claims{border-bottom:2px dashed #7c3aed}
.l-entities{box-shadow:inset 0 -2px 0 #16a34a}
.l-entities.lab-org{box-shadow:inset 0 -2px 0 #2563eb}
.l-entities.lab-gpe{box-shadow:inset 0 -2px 0 #ca8a04}
.l-entities.lab-norp{box-shadow:inset 0 -2px 0 #db2777}
.l-outlets{outline:1px solid #0d9488;outline-offset:1px}
aside.panels details{background:#fff;border:1px solid #e5e7eb;border-radius:8px}
aside.panels details{padding:.5rem .8rem;margin-bottom:.8rem}
aside.panels summary{font-weight:600;cursor:pointer}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin-top:.4rem}
th,td{border-bottom:1px solid #e5e7eb;padding:.25rem .35rem;text-align:left;vertical-align:top}
th,td{overflow-wrap:anywhere}
th{color:#374151;background:#f9fafb}
.num{text-align:right}
.dim{color:#6b7280}
ul.warnings{color:#92400e}
@media (max-width:900px){.page{grid-template-columns:1fr}}
"""


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"


CSS += "".join(
    f".l-propaganda.lab-{slug(name)}{{background-image:linear-gradient(transparent 55%,{colour} 55%)}}\n"
    for name, colour in TECHNIQUE_COLOURS.items()
)


def script_safe_json(data: Any) -> str:
    """JSON that cannot end or open an HTML element inside a <script> data block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def link(url: Any) -> str:
    """An escaped link for an http(s) URL; any other scheme (javascript:, data:) is shown as text only."""
    if not url:
        return ""
    url = str(url)
    if re.match(r"(?i)^https?://", url):
        return f'<a href="{escape(url, quote=True)}" rel="noopener noreferrer nofollow">{escape(url)}</a>'
    return escape(url)


def toggle_css(layers: list[str]) -> str:
    """Per-layer rules: an unchecked checkbox removes that layer's highlighting."""
    reset = ("background:none!important;box-shadow:none!important;border-bottom:0!important;"
             "outline:0!important;color:inherit!important;text-decoration:none!important")
    return "\n".join(f"#t-{layer}:not(:checked)~.page .l-{layer}{{{reset}}}" for layer in layers)


# -- the text view ---------------------------------------------------------------------------------


def blocks(data: dict[str, Any]) -> list[tuple[int, int, dict[str, Any] | None]]:
    """The text as blocks: one per structure span, plus any non-blank text no structure span covers."""
    text = data["document"]["text"]
    structure = sorted(data.get("layers", {}).get("structure", []), key=lambda s: (s["start"], -s["end"]))
    out: list[tuple[int, int, dict[str, Any] | None]] = []
    pos = 0
    for span in structure:
        if span["start"] < pos:  # nested or overlapping structure span: its text is already drawn
            continue
        if text[pos : span["start"]].strip():
            out.append((pos, span["start"], None))
        out.append((span["start"], span["end"], span))
        pos = span["end"]
    if text[pos:].strip():
        out.append((pos, len(text), None))
    return out


def block_caption(span: dict[str, Any] | None, data: dict[str, Any]) -> tuple[str, str, str | None]:
    """(css class, plain-text caption, the quoted source's URL or None) of a block."""
    if span is None:
        return "b-other", "text outside the page structure", None
    label = span["label"]
    attrs = span.get("attrs", {})
    if label == "comment":
        depth = int(attrs.get("depth") or 0)
        bits = [f"comment #{attrs.get('index', '?')}", str(attrs.get("author") or "anonymous")]
        if attrs.get("time"):
            bits.append(str(attrs["time"]))
        if depth:
            bits.append(f"reply, depth {depth}")
        return "b-comment", " · ".join(bits), None
    if label == "quoted":
        return "b-quoted", f"quoted — {attrs.get('outlet') or 'source unknown'}", attrs.get("url") or None
    return f"b-{slug(label)}", voice_name(structure_voice(span), data) + f" · {label}", None


def block_head(span: dict[str, Any] | None, data: dict[str, Any]) -> tuple[str, str]:
    """(css class, escaped caption) of a block."""
    css, caption, url = block_caption(span, data)
    return css, escape(caption) + (f" ({link(url)})" if url else "")


def text_view(data: dict[str, Any], layers: list[str]) -> str:
    text = data["document"]["text"]
    spans = [(layer, s) for layer in layers for s in shown_spans(data, layer) if s["end"] > s["start"]]
    out = []
    for start, end, struct in blocks(data):
        css, caption = block_head(struct, data)
        indent = ""
        if struct is not None and struct["label"] == "comment":
            depth = int(struct.get("attrs", {}).get("depth") or 0)
            indent = f' style="margin-left:{min(depth, 8) * 1.5:.1f}rem"'
        inside = [(layer, s) for layer, s in spans if s["start"] < end and start < s["end"]]
        edges = (p for _, s in inside for p in (s["start"], s["end"]))
        cuts = sorted({start, end, *(max(start, min(end, p)) for p in edges)})
        pieces = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            piece = escape(text[a:b])
            for layer in reversed(layers):  # the first layer ends up outermost
                covering = [s for lay, s in inside if lay == layer and s["start"] <= a and b <= s["end"]]
                if covering:
                    classes = " ".join(dict.fromkeys(f"lab-{slug(s['label'])}" for s in covering))
                    title = " | ".join(span_title(s, layer) for s in covering)
                    piece = (f'<span class="l-{layer} {classes}" title="{escape(title, quote=True)}">'
                             f"{piece}</span>")
            pieces.append(piece)
        out.append(f'<div class="block {css}"{indent}><span class="who">{caption}</span>'
                   f'{"".join(pieces)}</div>')
    return "\n".join(out)


# -- panels ----------------------------------------------------------------------------------------


def table_html(t: ReportTable) -> str:
    """A side panel holding one report table, every cell escaped."""
    if not t.rows:
        body = f'<p class="dim">{escape(t.empty.capitalize())}.</p>'
    else:
        def row(cells: list[str], tag: str) -> str:
            return "<tr>" + "".join(
                f"<{tag}{' class=num' if i in t.numeric else ''}>{escape(c)}</{tag}>"
                for i, c in enumerate(cells)
            ) + "</tr>"

        body = (f"<table><thead>{row(t.headers, 'th')}</thead>"
                f"<tbody>{''.join(row(r, 'td') for r in t.rows)}</tbody></table>")
    return f'<details open id="p-{t.layer}"><summary>{escape(t.title)}</summary>{body}</details>'


def warnings_panel(data: dict[str, Any]) -> str:
    warnings = data.get("warnings") or []
    if not warnings:
        return ""
    items = "".join(f"<li>{escape(str(w))}</li>" for w in warnings)
    return (f'<details open id="p-warnings"><summary>Warnings ({len(warnings)})</summary>'
            f'<ul class="warnings">{items}</ul></details>')


# -- the page --------------------------------------------------------------------------------------


def legend(data: dict[str, Any], layers: list[str]) -> str:
    items = []
    for layer in layers:
        colour = LAYER_COLOURS[layer]
        counts: dict[str, int] = {}
        for s in shown_spans(data, layer):
            counts[s["label"]] = counts.get(s["label"], 0) + 1
        labels = "".join(
            f'<span class="sw" style="background:{LABEL_COLOURS.get((layer, label), colour)}"></span>'
            f"{escape(label)} {n}" for label, n in sorted(counts.items())
        ) or ' <span class="dim">none</span>'
        items.append(f'<label for="t-{layer}"><span class="box" style="background:{colour}"></span>'
                     f'{escape(LAYER_TITLES[layer])}</label><span class="labels">{labels}</span>')
    return f'<nav class="legend">{"".join(f"<span>{i}</span>" for i in items)}</nav>'


def doc_header(data: dict[str, Any]) -> str:
    doc = data.get("document", {})
    rows = []
    for key in ("site", "published", "language", "url", "id"):
        if doc.get(key):
            value = link(doc[key]) if key == "url" else escape(str(doc[key]))
            rows.append(f"<dt>{key}</dt><dd>{value}</dd>")
    rows.append(f'<dt>unspun</dt><dd>{escape(str(data.get("version", "")))}</dd>')
    return (f'<header class="doc"><h1>{escape(doc.get("title") or "(untitled)")}</h1>'
            f'<dl class="meta">{"".join(rows)}</dl></header>')


def render_html(data: dict[str, Any]) -> str:
    """The self-contained HTML report of one analysis: what it shows is made inert (`render.inert`: no
    direction override reverses the text), the object it embeds is the analysis as it is."""
    embedded = script_safe_json(data)
    data = inert_data(data)
    present = data.get("layers", {})
    layers = [layer for layer in INLINE_LAYERS if layer in present]
    tables = [structure_table(data), *report_tables(data)]
    panels = warnings_panel(data) + "".join(table_html(t) for t in tables if t is not None)
    toggles = "".join(f'<input type="checkbox" class="toggle" id="t-{layer}" checked>' for layer in layers)
    title = data.get("document", {}).get("title") or "analysis"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{escape(CSP, quote=True)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>unspun: {escape(title)}</title>
<style>{CSS}
{toggle_css(layers)}</style>
</head>
<body>
{toggles}
<div class="page">
{doc_header(data)}
{legend(data, layers)}
<main class="text">
{text_view(data, layers)}
</main>
<aside class="panels">
{panels}
</aside>
</div>
<script type="application/json" id="unspun-data">{embedded}</script>
</body>
</html>
"""
