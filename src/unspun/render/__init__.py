"""Renderings of the one analysis object (`Document.to_dict()`): terminal, HTML, Markdown (`render`), and
brat standoff, two files per document (`unspun.render.brat`).

Every renderer takes the ``unspun/1`` dict, never a `Document`, so a saved JSON file renders exactly like a
fresh analysis. The helpers here are the parts the renderers share: which spans to show, grouped how, and
how a voice is named. All page text is untrusted; each renderer escapes it for its own medium.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TEXT = "text"
JSON = "json"
HTML = "html"
MARKDOWN = "md"
FORMATS: tuple[str, ...] = (TEXT, JSON, HTML, MARKDOWN)

#: layers drawn over the running text (structure is drawn as blocks, sentences would cover everything)
INLINE_LAYERS: tuple[str, ...] = ("quotes", "propaganda", "hate", "claims", "entities", "outlets")
#: labels not worth highlighting: every sentence or comment gets a hate label, most of them `normal`
QUIET_LABELS: dict[str, frozenset[str]] = {"hate": frozenset({"normal"})}


def render(data: dict[str, Any], fmt: str) -> str:
    """The rendering of one analysis in `fmt` (one of `FORMATS`)."""
    renderers: dict[str, Callable[[dict[str, Any]], str]] = {
        TEXT: _text, JSON: _json, HTML: _html, MARKDOWN: _markdown,
    }
    if fmt not in renderers:
        raise ValueError(f"unknown format {fmt!r}; formats: {', '.join(FORMATS)}")
    return renderers[fmt](data)


def _text(data: dict[str, Any]) -> str:
    from unspun.render.terminal import render_text

    return render_text(data)


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _html(data: dict[str, Any]) -> str:
    from unspun.render.html import render_html

    return render_html(data)


def _markdown(data: dict[str, Any]) -> str:
    from unspun.render.markdown import render_markdown

    return render_markdown(data)


# -- shared views of the analysis ---------------------------------------------------------------------


def shown_spans(data: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    """The spans of `layer` worth showing (hate spans labelled `normal` are not)."""
    quiet = QUIET_LABELS.get(layer, frozenset())
    return [s for s in data.get("layers", {}).get(layer, []) if s.get("label") not in quiet]


def voice_name(voice: str, data: dict[str, Any] | None = None) -> str:
    """A voice string for people: ``author`` -> "author", ``commenter:2`` -> "commenter #2 (Kay)"."""
    kind, _, who = voice.partition(":")
    if kind == "commenter":
        author = None
        if data is not None:
            author = (data.get("summary", {}).get("voices", {}).get(voice) or {}).get("name")
        return f"commenter #{who}" + (f" ({author})" if author else "")
    if kind == "quoted":
        return f"quoted: {who}" if who and who != "unknown" else "quoted (source unknown)"
    return voice


def structure_voice(span: dict[str, Any]) -> str:
    """The voice of a serialised structure span (mirrors `unspun.voices.structure_voice`)."""
    from unspun.voices import commenter, quoted

    if span.get("label") == "comment":
        return commenter(int(span.get("attrs", {}).get("index", 0)))
    if span.get("label") == "quoted":
        return quoted(span.get("attrs", {}).get("outlet"))
    return "author"


@dataclass(slots=True)
class EntityGroup:
    """The mentions of one entity cluster."""

    cluster: int
    canonical: str
    label: str
    mentions: list[str] = field(default_factory=list)


def entity_groups(data: dict[str, Any]) -> list[EntityGroup]:
    """Entity mentions grouped by cluster, most-mentioned first."""
    groups: dict[Any, EntityGroup] = {}
    for span in data.get("layers", {}).get("entities", []):
        attrs = span.get("attrs", {})
        key = attrs.get("cluster", attrs.get("canonical", span["text"]))
        if key not in groups:
            canonical = str(attrs.get("canonical") or span["text"])
            groups[key] = EntityGroup(attrs.get("cluster", -1), canonical, span["label"])
        groups[key].mentions.append(span["text"])
    return sorted(groups.values(), key=lambda g: (-len(g.mentions), g.canonical))


@dataclass(slots=True)
class OutletGroup:
    """The mentions of one outlet, with what is known of its reliability."""

    canonical: str
    domain: str | None
    mentions: list[str] = field(default_factory=list)
    profile: dict[str, Any] = field(default_factory=dict)


#: outlet attrs that identify a mention rather than describe the outlet
_OUTLET_IDENTITY = frozenset({"canonical", "domain", "cluster", "voice"})


def outlet_groups(data: dict[str, Any]) -> list[OutletGroup]:
    """Outlet mentions grouped by canonical name, each with its reliability profile fields."""
    groups: dict[str, OutletGroup] = {}
    for span in data.get("layers", {}).get("outlets", []):
        attrs = span.get("attrs", {})
        name = str(attrs.get("canonical") or span["text"])
        group = groups.setdefault(name, OutletGroup(canonical=name, domain=attrs.get("domain")))
        group.mentions.append(span["text"])
        for key, value in attrs.items():
            if key not in _OUTLET_IDENTITY and value not in (None, "", [], {}):
                group.profile.setdefault(key, value)
    return sorted(groups.values(), key=lambda g: (-len(g.mentions), g.canonical))


def site_outlet(data: dict[str, Any]) -> dict[str, Any] | None:
    value = data.get("summary", {}).get("site_outlet")
    return value if isinstance(value, dict) else None


def format_value(value: Any) -> str:
    """A compact, human-readable form of an attribute value (offset refs show their text)."""
    if isinstance(value, dict):
        if {"start", "end", "text"} <= value.keys():
            return str(value["text"])
        return ", ".join(f"{k}: {format_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else str(value)


def format_score(score: Any) -> str:
    return "" if score is None else f"{float(score):.2f}"


def rationale_words(data: dict[str, Any], span: dict[str, Any]) -> list[str]:
    """The text of a hate span's rationale offsets (the words that carried the label)."""
    text = data.get("document", {}).get("text", "")
    words = []
    for pair in span.get("attrs", {}).get("rationale", []) or []:
        if isinstance(pair, list | tuple) and len(pair) == 2 and 0 <= pair[0] <= pair[1] <= len(text):
            words.append(text[pair[0] : pair[1]])
    return words


def span_title(span: dict[str, Any], layer: str) -> str:
    """One line describing a span (label, score, attributes): hover titles and table cells."""
    parts = [f"{layer}: {span.get('label')}"]
    if span.get("score") is not None:
        parts.append(f"score {format_score(span['score'])}")
    for key, value in (span.get("attrs") or {}).items():
        if key in ("rationale", "scores", "cluster", "segment"):
            continue
        shown = format_value(value)
        if shown:
            parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def voice_rows(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The per-voice summary, in page order: the author, quoted voices, then commenters."""
    voices = data.get("summary", {}).get("voices", {})
    return sorted(voices.items(), key=lambda item: voice_order(item[0]))


#: the order voices are listed in: the page's author, then quoted voices, then commenters
_VOICE_KINDS = {"author": 0, "quoted": 1, "commenter": 2}


def voice_order(voice: str) -> tuple[int, int, str]:
    """A sort key putting the author first, then quoted voices, then commenters in their index order."""
    kind, _, who = voice.partition(":")
    return _VOICE_KINDS.get(kind, 3), int(who) if who.isdigit() else 0, who


#: the voiced layers whose per-voice counts the summary tables show, in order
SUMMARY_LAYERS: tuple[str, ...] = ("hate", "propaganda", "claims", "quotes")
#: how much of a long passage a table cell shows (the full text is in the JSON and the text view)
EXCERPT_CHARS = 160


def counts_text(counts: dict[str, int] | None) -> str:
    if not counts:
        return "–"
    return ", ".join(f"{label} {n}" for label, n in counts.items())


def rate_text(rate: Any) -> str:
    return "–" if rate is None else f"{100 * float(rate):.0f}%"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` on one line, cut to `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mentions_text(mentions: list[str]) -> str:
    return f"{len(mentions)}× " + ", ".join(dict.fromkeys(mentions))


# -- tables: what every rendering lists, as plain (unescaped) text; each renderer escapes the cells ---------


@dataclass(slots=True)
class ReportTable:
    """One section of a report as a table of plain-text cells (renderers escape them for their medium)."""

    layer: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()
    #: shown instead of an empty table
    empty: str = "none found"


def structure_table(data: dict[str, Any]) -> ReportTable | None:
    spans = data.get("layers", {}).get("structure")
    if spans is None:
        return None
    rows = []
    for s in spans:
        attrs = s.get("attrs", {})
        detail = ""
        if s["label"] == "comment":
            detail = f"{attrs.get('author') or 'anonymous'} · depth {attrs.get('depth', 0)}"
            detail += f" · {attrs['time']}" if attrs.get("time") else ""
        elif s["label"] == "quoted":
            detail = str(attrs.get("outlet") or "source unknown")
        rows.append([s["label"], voice_name(structure_voice(s), data), detail, excerpt(s["text"], 120)])
    return ReportTable("structure", f"Structure ({len(spans)})", ["label", "voice", "who", "text"], rows)


def entities_table(data: dict[str, Any]) -> ReportTable | None:
    if "entities" not in data.get("layers", {}):
        return None
    groups = entity_groups(data)
    rows = [[g.canonical, g.label, mentions_text(g.mentions)] for g in groups]
    return ReportTable("entities", f"Entities ({len(groups)})", ["entity", "label", "mentions"], rows)


def outlets_table(data: dict[str, Any]) -> ReportTable | None:
    own = site_outlet(data)
    if "outlets" not in data.get("layers", {}) and not own:
        return None
    rows = []
    if own:
        profile = {k: v for k, v in own.items() if k not in ("canonical", "domain")}
        rows.append([f"{own.get('canonical') or '?'} (this page's site)", str(own.get("domain") or ""), "–",
                     format_value(profile) or "unknown"])
    rows += [[g.canonical, g.domain or "", mentions_text(g.mentions), format_value(g.profile) or "unknown"]
             for g in outlet_groups(data)]
    return ReportTable("outlets", "Outlets", ["outlet", "domain", "mentions", "reliability profile"], rows)


def quote_speaker(attrs: dict[str, Any]) -> str:
    """The speaker as written, with the antecedent a pronoun was resolved to: "she (= Rita Alvarez)"."""
    speaker, resolved = attrs.get("speaker"), attrs.get("speaker_resolved")
    text = str(speaker.get("text", "")) if isinstance(speaker, dict) else ""
    if isinstance(resolved, dict) and resolved.get("text"):
        text = f"{text} (= {resolved['text']})"
    return text or "?"


def chain_text(attrs: dict[str, Any]) -> str:
    """The chain of custody, speaker first: "Harbor officials → Coastal Ledger → The Dockside Patriot"."""
    chain = attrs.get("chain") or []
    return " → ".join(str(link.get("name", "?")) for link in chain if isinstance(link, dict))


def quotes_table(data: dict[str, Any]) -> ReportTable | None:
    spans = data.get("layers", {}).get("quotes")
    if spans is None:
        return None
    rows = []
    for s in spans:
        attrs = s.get("attrs", {})
        cue = attrs.get("cue")
        rows.append([quote_speaker(attrs), str(cue.get("text", "")) if isinstance(cue, dict) else "",
                     excerpt(s["text"]), s["label"], str(attrs.get("outlet") or ""), chain_text(attrs)])
    return ReportTable("quotes", f"Quotes ({len(spans)})",
                       ["speaker", "cue", "content", "kind", "carried by", "chain of custody"], rows)


def propaganda_table(data: dict[str, Any]) -> ReportTable | None:
    spans = data.get("layers", {}).get("propaganda")
    if spans is None:
        return None
    rows = [[s["label"], excerpt(s["text"]), str(s.get("attrs", {}).get("voice") or ""),
             format_score(s.get("score"))] for s in spans]
    return ReportTable("propaganda", f"Persuasion techniques ({len(spans)})",
                       ["technique", "text", "voice", "score"], rows, frozenset({3}))


def hate_table(data: dict[str, Any]) -> ReportTable | None:
    if "hate" not in data.get("layers", {}):
        return None
    spans = shown_spans(data, "hate")
    rows = [[s["label"], format_score(s.get("score")), excerpt(s["text"]),
             ", ".join(map(str, s.get("attrs", {}).get("targets") or [])) or "–",
             ", ".join(rationale_words(data, s)) or "–"] for s in spans]
    return ReportTable("hate", f"Hate and offence ({len(spans)})",
                       ["label", "score", "text", "targets", "rationale"], rows, frozenset({1}),
                       empty="nothing above the threshold")


#: how many claims each voice shows in the reports (the most check-worthy first)
CLAIMS_PER_VOICE = 3


def claims_table(data: dict[str, Any]) -> ReportTable | None:
    """The most check-worthy claims of each voice (author, quoted voices, commenters), with the quoted
    speaker and the outlet that carried a claim where known."""
    spans = data.get("layers", {}).get("claims")
    if spans is None:
        return None
    by_voice: dict[str, list[dict[str, Any]]] = {}
    for s in spans:
        by_voice.setdefault(str(s.get("attrs", {}).get("voice") or "author"), []).append(s)
    rows = []
    for voice in sorted(by_voice, key=voice_order):
        ranked = sorted(by_voice[voice], key=lambda s: (-float(s.get("score") or 0.0), s["start"]))
        for s in ranked[:CLAIMS_PER_VOICE]:
            attrs = s.get("attrs", {})
            rows.append([voice_name(voice, data), format_score(s.get("score")), excerpt(s["text"], 240),
                         format_value(attrs.get("speaker")) or "–", format_value(attrs.get("outlet")) or "–"])
    return ReportTable("claims", f"Check-worthy claims ({len(spans)}) — the top {CLAIMS_PER_VOICE} per voice",
                       ["voice", "score", "claim", "speaker", "outlet"], rows, frozenset({1}))


def voices_table(data: dict[str, Any]) -> ReportTable | None:
    """The per-voice summary (then the article and its comments as wholes)."""
    voices = voice_rows(data)
    if not voices:
        return None
    layers = [layer for layer in SUMMARY_LAYERS if any(layer in v for _, v in voices)]
    rates = ["hate rate", "offensive rate"] if "hate" in layers else []
    headers = ["voice", "segments", *layers, *rates]
    named = [(voice_name(v, data), info) for v, info in voices]
    sections = data.get("summary", {}).get("sections", {})
    named += [(f"all of the {name}", info) for name, info in sections.items() if info.get("segments")]
    rows = []
    for name, info in named:
        row = [name, str(int(info.get("segments") or 0)), *(counts_text(info.get(layer)) for layer in layers)]
        if rates:
            row += [rate_text(info.get("hate_rate")), rate_text(info.get("offensive_rate"))]
        rows.append(row)
    numeric = frozenset({1, *range(2 + len(layers), len(headers))})
    return ReportTable("summary", "Per voice", headers, rows, numeric)


def report_tables(data: dict[str, Any]) -> list[ReportTable]:
    """The tables every report shows, in order; layers that did not run give none."""
    tables = [quotes_table(data), propaganda_table(data), hate_table(data), claims_table(data),
              entities_table(data), outlets_table(data), voices_table(data)]
    # A layer whose stage was skipped (e.g. an English-only model on a German page) is empty for that
    # reason, not because nothing was found: say so instead of "none found".
    skipped = data.get("summary", {}).get("skipped") or {}
    for table in tables:
        if table is not None and not table.rows and table.layer in skipped:
            table.empty = f"skipped ({skipped[table.layer]})"
    return [t for t in tables if t is not None]
