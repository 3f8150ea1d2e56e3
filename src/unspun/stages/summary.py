"""The summary stage: counts per layer and label, the page's structure, and who says what (per voice).

A quoted outlet's loaded language is not the blogger's, and a commenter's slur is not the article's: every
count over the stance-bearing layers (hate, propaganda, claims, quotes) is also broken down per voice
(`unspun.voices`) and per section (the article vs its comments). Layers that did not run are simply absent;
keys that other stages wrote into `doc.summary` (outlets, site_outlet, skipped) are kept. When the claims
layer ran, `top_claims` lists the most check-worthy claims, each with its voice and, for a quoted claim, its
speaker and carrying outlet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from unspun.document import CLAIMS, COMMENT, HATE, PROPAGANDA, QUOTES, STRUCTURE, Document, Span
from unspun.pipeline import Stage, register_stage
from unspun.voices import AUTHOR, enclosing_structure, structure_voice, voice_at

#: the layers whose spans express a stance and so are counted per voice and per section
VOICED_LAYERS: tuple[str, ...] = (HATE, PROPAGANDA, CLAIMS, QUOTES)
#: hate labels whose rates are reported (the third label, `normal`, is the rest)
HATE_RATE_LABELS: tuple[str, ...] = ("hate", "offensive")
#: how many of the most check-worthy claims the summary lists
TOP_CLAIMS = 10
ARTICLE = "article"
COMMENTS = "comments"


@dataclass(slots=True)
class VoiceTally:
    """What one voice (or one section) said: spans per label in each voiced layer."""

    kind: str
    name: str | None = None
    segments: int = 0
    chars: int = 0
    layers: dict[str, Counter[str]] = field(default_factory=dict)

    def count(self, layer: str, label: str) -> None:
        self.layers.setdefault(layer, Counter())[label] += 1

    def to_dict(self, layers: tuple[str, ...]) -> dict[str, Any]:
        """The tally, with a (maybe empty) count per label for each voiced layer that ran."""
        out: dict[str, Any] = {
            "kind": self.kind,
            "name": self.name,
            "segments": self.segments,
            "chars": self.chars,
        }
        for layer in layers:
            out[layer] = dict(sorted(self.layers.get(layer, Counter()).items()))
        if HATE in layers:
            out.update(hate_rates(self.layers.get(HATE, Counter())))
        return out


def hate_rates(labels: Counter[str]) -> dict[str, float | None]:
    """`hate_rate` and `offensive_rate`: the share of hate-layer units (sentences, comments) so labelled."""
    total = sum(labels.values())
    return {f"{label}_rate": round(labels[label] / total, 4) if total else None for label in HATE_RATE_LABELS}


def voice_kind(voice: str) -> tuple[str, str | None]:
    """`("quoted", "Coastal Ledger")` from `"quoted:Coastal Ledger"`; `("author", None)` from `"author"`.
    A commenter's name is their author name (from the structure span), not their index."""
    kind, _, name = voice.partition(":")
    return kind, (name or None) if kind != "commenter" else None


def span_voice(doc: Document, layer: str, span: Span) -> str:
    """Whose voice a span is in. A quote is counted for the voice that carries it (the page section it sits
    in), not for its speaker; a propaganda span carries its own voice when the stage set one."""
    if layer == QUOTES:
        segment = enclosing_structure(doc, span.start, span.end)
        return structure_voice(segment) if segment is not None else AUTHOR
    voice = span.attrs.get("voice")
    if isinstance(voice, str) and voice:
        return voice
    return voice_at(doc, span.start, span.end)


def structure_counts(doc: Document) -> dict[str, Any]:
    spans = doc.layers.get(STRUCTURE, [])
    labels = Counter(s.label for s in spans)
    comments = [s for s in spans if s.label == COMMENT]
    authors = {s.attrs.get("author") for s in comments if s.attrs.get("author")}
    return {
        "segments": len(spans),
        "labels": dict(sorted(labels.items())),
        "comments": len(comments),
        "commenters": len(authors),
        "max_depth": max((int(s.attrs.get("depth") or 0) for s in comments), default=None),
    }


def layer_counts(doc: Document) -> dict[str, dict[str, Any]]:
    return {
        name: {"spans": len(spans), "labels": dict(sorted(Counter(s.label for s in spans).items()))}
        for name, spans in doc.layers.items()
    }


def present_voiced_layers(doc: Document) -> tuple[str, ...]:
    return tuple(layer for layer in VOICED_LAYERS if layer in doc.layers)


def voice_tallies(doc: Document) -> tuple[dict[str, VoiceTally], dict[str, VoiceTally]]:
    """Per-voice and per-section (article / comments) tallies over the voiced layers present."""
    voices: dict[str, VoiceTally] = {}
    sections = {
        ARTICLE: VoiceTally(kind="section", name=ARTICLE),
        COMMENTS: VoiceTally(kind="section", name=COMMENTS),
    }

    def tally(voice: str) -> VoiceTally:
        if voice not in voices:
            kind, name = voice_kind(voice)
            voices[voice] = VoiceTally(kind=kind, name=name)
        return voices[voice]

    for segment in doc.layers.get(STRUCTURE, []):
        voice = structure_voice(segment)
        t = tally(voice)
        t.segments += 1
        t.chars += segment.end - segment.start
        if segment.label == COMMENT and segment.attrs.get("author"):
            t.name = str(segment.attrs["author"])
        section = sections[COMMENTS if segment.label == COMMENT else ARTICLE]
        section.segments += 1
        section.chars += segment.end - segment.start
    for layer in present_voiced_layers(doc):
        for span in doc.layers[layer]:
            tally(span_voice(doc, layer, span)).count(layer, span.label)
            container = enclosing_structure(doc, span.start, span.end)
            in_comments = container is not None and container.label == COMMENT
            sections[COMMENTS if in_comments else ARTICLE].count(layer, span.label)
    return voices, sections


def top_claims(doc: Document, n: int = TOP_CLAIMS) -> list[dict[str, Any]]:
    """The `n` most check-worthy claims, highest score first (page order on a tie), with whose they are."""
    ranked = sorted(doc.layers.get(CLAIMS, []), key=lambda s: (-(s.score or 0.0), s.start))[:n]
    return [
        {
            "start": s.start,
            "end": s.end,
            "text": doc.span_text(s),
            "score": s.score,
            "voice": span_voice(doc, CLAIMS, s),
            "speaker": s.attrs.get("speaker"),
            "outlet": s.attrs.get("outlet"),
        }
        for s in ranked
    ]


@register_stage
class SummaryStage(Stage[dict[str, Any]]):
    """Counts and per-voice breakdowns into `doc.summary`; needs only the structure layer."""

    name = "summary"
    requires = (STRUCTURE,)
    assigns = ("summary",)

    def predict(self, doc: Document) -> dict[str, Any]:
        voices, sections = voice_tallies(doc)
        layers = present_voiced_layers(doc)
        out: dict[str, Any] = {
            "layers": layer_counts(doc),
            "structure": structure_counts(doc),
            "voices": {voice: t.to_dict(layers) for voice, t in voices.items()},
            "sections": {name: t.to_dict(layers) for name, t in sections.items()},
        }
        if CLAIMS in doc.layers:
            out["top_claims"] = top_claims(doc)
        return out

    def set_annotations(self, doc: Document, result: dict[str, Any]) -> None:
        doc.summary.update(result)
