"""The web page's view of one analysis: what to draw, as plain data, for a script that inserts every string
with DOM text APIs (never as markup).

It is the HTML report's reading of the ``unspun/1`` dict — the same blocks, highlighted layers, span titles,
legend colours and tables (`render.html`, `render`) — handed to the browser instead of written as HTML, so
the page and the report cannot drift apart. A layer the renderers do not know yet (a later stage) is drawn
with a neutral style and listed in a table of its own.
"""

from __future__ import annotations

from typing import Any

from unspun.render import (
    INLINE_LAYERS,
    ReportTable,
    excerpt,
    format_score,
    report_tables,
    shown_spans,
    span_title,
    structure_table,
)
from unspun.render.html import LABEL_COLOURS, LAYER_COLOURS, LAYER_TITLES, block_caption, blocks

VIEW_SCHEMA_ID = "unspun/1-view"
#: layers that are never drawn over the text: structure is drawn as blocks, sentences would cover it all
NOT_INLINE = frozenset({"structure", "sentences"})
#: the rationale words of hate spans, drawn as a layer of their own so they can be toggled
RATIONALE = "rationale"
RATIONALE_COLOUR = "#fde047"
#: the colour of a layer no renderer knows yet
OTHER_COLOUR = "#64748b"


def _layer(name: str, title: str, colour: str, spans: list[dict[str, Any]]) -> dict[str, Any]:
    labels: dict[str, dict[str, Any]] = {}
    for span in spans:
        label_colour = LABEL_COLOURS.get((name, span["label"]), colour)
        entry = labels.setdefault(span["label"], {"count": 0, "colour": label_colour})
        entry["count"] += 1
    return {"name": name, "title": title, "colour": colour, "known": name in INLINE_LAYERS,
            "labels": labels, "spans": spans}


def inline_layers(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The layers drawn over the text, in the report's order, then later layers, then rationale words."""
    present = data.get("layers", {})
    names = [n for n in INLINE_LAYERS if n in present]
    names += [n for n in present if n not in INLINE_LAYERS and n not in NOT_INLINE]
    out = []
    for name in names:
        spans = [{"start": s["start"], "end": s["end"], "label": s["label"], "title": span_title(s, name)}
                 for s in shown_spans(data, name) if s["end"] > s["start"]]
        out.append(_layer(name, LAYER_TITLES.get(name, name.replace("_", " ").capitalize()),
                          LAYER_COLOURS.get(name, OTHER_COLOUR), spans))
    if "hate" in present:
        words = []
        text_len = len(data.get("document", {}).get("text", ""))
        for s in shown_spans(data, "hate"):
            for pair in s.get("attrs", {}).get("rationale") or []:
                if isinstance(pair, list | tuple) and len(pair) == 2 and 0 <= pair[0] < pair[1] <= text_len:
                    words.append({"start": pair[0], "end": pair[1], "label": "rationale",
                                  "title": f"rationale of a {s['label']} span"})
        out.append(_layer(RATIONALE, "Rationale words", RATIONALE_COLOUR, words))
    return out


def other_table(data: dict[str, Any], name: str) -> ReportTable:
    spans = data.get("layers", {}).get(name, [])
    rows = [[s["label"], format_score(s.get("score")), excerpt(s.get("text", ""))] for s in spans]
    return ReportTable(name, f"{name.replace('_', ' ').capitalize()} ({len(spans)})",
                       ["label", "score", "text"], rows, frozenset({1}))


def table_dict(t: ReportTable) -> dict[str, Any]:
    return {"layer": t.layer, "title": t.title, "headers": t.headers, "rows": t.rows,
            "numeric": sorted(t.numeric), "empty": t.empty}


def page_view(data: dict[str, Any]) -> dict[str, Any]:
    """What the web page draws for one analysis (plain strings and offsets; the page escapes nothing because
    it inserts nothing as markup)."""
    doc = data.get("document", {})
    out_blocks = []
    for start, end, span in blocks(data):
        css, caption, url = block_caption(span, data)
        depth = int(span.get("attrs", {}).get("depth") or 0) if span and span["label"] == "comment" else 0
        out_blocks.append({"start": start, "end": end, "kind": css.removeprefix("b-"), "caption": caption,
                           "url": url if isinstance(url, str) else None, "depth": min(depth, 8)})
    tables = [t for t in (structure_table(data),) if t is not None] + report_tables(data)
    known = {t.layer for t in tables}
    tables += [other_table(data, name) for name in data.get("layers", {})
               if name not in INLINE_LAYERS and name not in NOT_INLINE and name not in known]
    meta = [[key, str(doc[key])] for key in ("site", "published", "language", "url", "id") if doc.get(key)]
    meta.append(["unspun", str(data.get("version", ""))])
    return {
        "schema": VIEW_SCHEMA_ID,
        "title": doc.get("title") or "(untitled)",
        "meta": meta,
        "text": doc.get("text", ""),
        "blocks": out_blocks,
        "layers": inline_layers(data),
        "tables": [table_dict(t) for t in tables],
        "warnings": [str(w) for w in data.get("warnings") or []],
    }
