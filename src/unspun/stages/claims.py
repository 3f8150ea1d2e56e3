"""The claims stage: check-worthy factual claims, one reading per sentence of the article and the comments.

A `HeadStage` over the claims task's one sigmoid head (`unspun.heads`), read from each sentence's pooled
pieces; its probability is the span's score. A sentence at or above the threshold (chosen on ClaimBuster
validation sentences and shipped in the model's config.json, `decisions["claims"]`; replaced by
`Options.thresholds["claims"]`) becomes a `check_worthy` span. `evaluate claims` runs these same functions.

Each claim says whose it is: its voice (`unspun.voices`) and, when the sentence is the content of a quote
(the quotes layer, when it ran), who is quoted (`speaker`) and which outlet carried it (`outlet`); a
sentence of a republished passage is carried by that passage's outlet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from unspun.document import CLAIMS, QUOTED, QUOTES, Document, Span
from unspun.pipeline import register_stage
from unspun.stages.head import HeadReading, HeadStage, Unit
from unspun.voices import enclosing_structure, quote_speaker, voice_at

CLAIMS_HEAD = "claims"
CHECK_WORTHY = "check_worthy"
#: the threshold when a model's config carries no calibrated rule (a sigmoid's even odds)
DEFAULT_THRESHOLD = 0.5
#: a quote is a sentence's when their overlap covers at least this share of the sentence or of the quote's
#: content ("X said the deal would create 2,000 jobs": the content is most of the sentence; a sentence
#: inside a long quote is all of it)
QUOTE_OVERLAP = 0.5


def claim_score(reading: HeadReading) -> float:
    """The claims head's probability that the read sentence is a check-worthy claim."""
    return float(reading.probs[CLAIMS_HEAD][0])


@dataclass(frozen=True)
class Attribution:
    """Who a claim is attributed to: the quoted speaker's words and the outlet that carried them."""

    speaker: str | None = None
    outlet: str | None = None


def _name(value: Any) -> str | None:
    """A name from a quotes-layer attribute: a string, or a record with `text` (or `name`/`canonical`)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        for key in ("text", "name", "canonical"):
            if isinstance(value.get(key), str) and value[key]:
                return str(value[key])
    return None


def quote_of(doc: Document, start: int, end: int) -> Span | None:
    """The quotes-layer span whose content the sentence [start, end) is (most overlap, at least
    QUOTE_OVERLAP of the sentence or of the content); None without one, or without a quotes layer."""
    best: tuple[int, Span] | None = None
    for quote in doc.layers.get(QUOTES, []):
        overlap = min(end, quote.end) - max(start, quote.start)
        if overlap <= 0:
            continue
        share = max(overlap / max(end - start, 1), overlap / max(quote.end - quote.start, 1))
        if share >= QUOTE_OVERLAP and (best is None or overlap > best[0]):
            best = (overlap, quote)
    return best[1] if best else None


def attribution(doc: Document, start: int, end: int) -> Attribution:
    """The speaker and carrying outlet of a sentence: from its quote when it is one, the outlet falling back
    to the republished passage it sits in."""
    speaker = outlet = None
    quote = quote_of(doc, start, end)
    if quote is not None:
        speaker, outlet = _name(quote_speaker(quote)), _name(quote.attrs.get("outlet"))
    if outlet is None:
        segment = enclosing_structure(doc, start, end)
        if segment is not None and segment.label == QUOTED:
            outlet = _name(segment.attrs.get("outlet"))
    return Attribution(speaker, outlet)


def claim_attrs(doc: Document, start: int, end: int) -> dict[str, Any]:
    """A claim's attrs: its voice, and its speaker and carrying outlet where it has them."""
    attrs: dict[str, Any] = {"voice": voice_at(doc, start, end)}
    who = attribution(doc, start, end)
    if who.speaker:
        attrs["speaker"] = who.speaker
    if who.outlet:
        attrs["outlet"] = who.outlet
    return attrs


@register_stage
class ClaimsStage(HeadStage):
    name = CLAIMS
    task = "claims"
    assigns = (CLAIMS,)
    unit = Unit.SENTENCE
    threshold_key = "threshold"

    def to_span(self, doc: Document, reading: HeadReading, decision: dict[str, Any]) -> Span | None:
        p = claim_score(reading)
        if p < float(decision.get("threshold", DEFAULT_THRESHOLD)):
            return None
        return Span(reading.start, reading.end, CHECK_WORTHY, round(p, 4),
                    claim_attrs(doc, reading.start, reading.end), self.name)
