"""The quotes stage: who is reported to have said what, through which outlet (attribution relations).

Three steps, each a pure function that `evaluate quotes` runs as well:

1. **Tag** (`role_spans`): the token head `quotes_tags` (BIO over source / cue / content, trained on
   PolNeAR; it reads its neighbours through dilated convolutions) tags every word of a segment; runs of B/I
   tags become role spans, widened to the words they cut. A content span's edges are then fitted to its
   quotation marks (`fit_quote_marks`): the tagger reads words, while a direct quotation runs from its
   opening mark to its closing one, trailing comma included, as PolNeAR marks it.
2. **Link** (`link`): each content to the nearest cue in its segment, each cue to the nearest source beside
   it; a cue without a source of its own continues the previous relation's source ("…," the daily wrote,
   adding …), as PolNeAR's annotators share one source between such events. The kind is `direct` when the
   content is one quotation, `mixed` when it holds one, `indirect` otherwise; a content no cue reports is
   no relation. The parse rules (`stages.attribution_rules`: a speech verb with its subject and complement
   or quotation, "according to X") replace the tagger's reading where both read a relation and add the
   relations it missed.
3. **Resolve and carry** (`QuotesStage`): a pronoun speaker ("he said") is resolved to the nearest earlier
   compatible speaker, recorded as `speaker_resolved`; the chain of custody runs from the speaker through an
   outlet named in the sentence ("told the Ledger", "the BBC reported"), the relation it is reported inside,
   the republished passage or comment that holds it, to the page (`chain`, `outlet` = the first carrier).

The page's summary gets `quotes`: per speaker and per outlet, what they are reported to have said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from unspun.document import COMMENT, ENTITIES, OUTLETS, QUOTED, QUOTES, SENTENCES, Document, Span
from unspun.heads import QUOTE_TAGS
from unspun.nlp import parse_segments
from unspun.pipeline import register_stage
from unspun.stages.head import HeadReading, HeadStage, Unit, Word, tag_spans, words_of
from unspun.voices import enclosing_structure, quote_speaker, quoted

TAGS_HEAD = "quotes_tags"
#: the most characters between a content and its cue, and between a cue and its source
MAX_CUE_GAP = 200
MAX_SOURCE_GAP = 120
#: third-person pronouns a speaker is resolved from, and the entity labels each may refer to
PRONOUN_REFERENTS: dict[str, tuple[str, ...]] = {
    "he": ("PERSON",),
    "she": ("PERSON",),
    "they": ("ORG", "NORP", "GPE", "PERSON"),
    "it": ("ORG", "GPE"),
}
OPEN_QUOTES = "“\"‘'«"
CLOSE_QUOTES = "”\"’'»"
# what may stand between a content's last word and its closing mark: "…smart,”" / "…done.”"
_CLOSING = re.compile(r"[,.!?;:…]*[”\"’»]")
#: the chain's roles, innermost first
SPEAKER, OUTLET, REPORTED_BY, COMMENTER, PAGE = "speaker", "outlet", "reported_by", "commenter", "page"


@dataclass(frozen=True)
class RoleSpan:
    role: str  # source / cue / content
    start: int
    end: int
    score: float

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Relation:
    content: RoleSpan
    cue: RoleSpan | None
    source: RoleSpan | None
    #: the source is the previous relation's (the cue had none of its own)
    source_shared: bool = False

    @property
    def start(self) -> int:
        return self.content.start

    @property
    def end(self) -> int:
        return self.content.end


def role_spans(words: list[Word], text: str, text_start: int = 0) -> list[RoleSpan]:
    """A reading's role spans: its words' BIO tags decoded, contents fitted to their quotation marks."""
    out = []
    for t in tag_spans(words, QUOTE_TAGS):
        span = RoleSpan(t.label, *whole_words(t.start, t.end, text, text_start), t.score)
        if span.role == "content":
            start, end = fit_quote_marks(span.start, span.end, text, text_start)
            span = replace(span, start=start, end=end)
        out.append(span)
    return out


def whole_words(start: int, end: int, text: str, text_start: int = 0) -> tuple[int, int]:
    """A span widened to the words it cuts: the tokenizer splits "mayor's" into "mayor", "'", "s", and a
    tag on "s office" alone means "mayor's office"."""
    lo, hi = start - text_start, end - text_start
    while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "'’" and lo > 1 and text[lo - 2].isalnum()):
        lo -= 1
    while hi < len(text) and text[hi].isalnum():
        hi += 1
    return lo + text_start, hi + text_start


def fit_quote_marks(start: int, end: int, text: str, text_start: int = 0) -> tuple[int, int]:
    """Widen a content span over the opening mark just before it and, when it then holds an unclosed
    quotation, over the punctuation and closing mark just after it."""
    lo, hi = start - text_start, end - text_start
    if lo > 0 and text[lo - 1] in OPEN_QUOTES:
        lo -= 1
    inner = text[lo:hi]
    opened = sum(inner.count(c) for c in "“«") - sum(inner.count(c) for c in "”»")
    straight_open = inner.count('"') % 2 == 1
    if opened > 0 or straight_open:
        m = _CLOSING.match(text, hi)
        if m:
            hi = m.end()
    return lo + text_start, hi + text_start


def kind_of(content: str) -> str:
    """`direct`: the content is one quotation; `mixed`: it holds a quotation; `indirect`: none."""
    s = content.strip()
    if not any(c in s for c in '“”"«»'):
        return "indirect"
    if s[:1] in OPEN_QUOTES and (s[-1:] in CLOSE_QUOTES) and sum(s.count(c) for c in '“"«') <= 2:
        return "direct"
    return "mixed"


def _gap(a: RoleSpan, b: RoleSpan) -> int:
    return max(a.start - b.end, b.start - a.end, 0)


def link(spans: Iterable[RoleSpan], previous_source: RoleSpan | None = None) -> list[Relation]:
    """The relations among one segment's role spans, in text order. `previous_source` is the source of the
    last relation before the segment, which a cue without a source of its own continues."""
    by_role: dict[str, list[RoleSpan]] = {"source": [], "cue": [], "content": []}
    for s in sorted(spans, key=lambda s: s.start):
        by_role[s.role].append(s)
    relations = []
    last_source = previous_source
    for content in by_role["content"]:
        cues = [c for c in by_role["cue"] if _gap(c, content) <= MAX_CUE_GAP]
        # the nearest cue; at equal distance the one after the content ("…," she said)
        cue = min(cues, key=lambda c: (_gap(c, content), c.start < content.start), default=None)
        if cue is None:
            continue  # a content no cue reports says nothing of who said it
        sources = [
            s
            for s in by_role["source"]
            if _gap(s, cue) <= MAX_SOURCE_GAP and not _between(s, cue, [content, *by_role["cue"]])
        ]
        source, shared = min(sources, key=lambda s: _gap(s, cue), default=None), False
        if source is None and last_source is not None:
            source, shared = last_source, True
        relations.append(Relation(content, cue, source, shared))
        if source is not None:
            last_source = source
    return relations


def _between(s: RoleSpan, cue: RoleSpan, others: list[RoleSpan]) -> bool:
    """Whether the content or another cue lies between a source and the cue: the source is then another
    sentence's or another cue's ("the daily wrote, adding …": "adding" shares the source of "wrote")."""
    lo, hi = min(s.end, cue.end), max(s.start, cue.start)
    return any(lo <= o.start and o.end <= hi for o in others if o is not cue)


# --- the stage --------------------------------------------------------------------------------------------
def _ref(doc: Document, span: RoleSpan | Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {"start": span.start, "end": span.end, "text": doc.text[span.start : span.end]}


def _labels_over(doc: Document, layer: str, start: int, end: int) -> list[Span]:
    return [s for s in doc.layers.get(layer, []) if s.overlaps(start, end)]


def resolve_pronoun(doc: Document, speaker: RoleSpan, earlier: list[RoleSpan]) -> RoleSpan | None:
    """The nearest earlier speaker a third-person pronoun can refer to: a named or described speaker (not a
    pronoun itself) whose entity label fits the pronoun when the entities layer knows it."""
    word = doc.text[speaker.start : speaker.end].strip().lower()
    labels = PRONOUN_REFERENTS.get(word)
    if labels is None:
        return None
    candidates = [
        s for s in reversed(earlier) if doc.text[s.start : s.end].strip().lower() not in PRONOUN_REFERENTS
    ]
    for s in candidates:
        ents = _labels_over(doc, ENTITIES, s.start, s.end)
        if not ents or any(e.label in labels for e in ents):
            return s
    return candidates[0] if candidates else None


def sentence_of(doc: Document, at: int) -> tuple[int, int] | None:
    for s in doc.layers.get(SENTENCES, []):
        if s.start <= at < s.end:
            return s.start, s.end
    return None


def named_outlet(doc: Document, rel: Relation) -> str | None:
    """An outlet the relation's sentence names as its carrier: the speaker itself ("the BBC reported") or an
    outlet after the cue ("told the Ledger")."""
    if rel.cue is None:
        return None
    if rel.source is not None:
        for o in _labels_over(doc, OUTLETS, rel.source.start, rel.source.end):
            return str(o.attrs.get("canonical") or doc.text[o.start : o.end])
    sentence = sentence_of(doc, rel.cue.start) or (rel.cue.start, rel.cue.end + MAX_SOURCE_GAP)
    for o in doc.layers.get(OUTLETS, []):
        if rel.cue.end <= o.start < sentence[1] and not rel.content.overlaps(o.start, o.end):
            return str(o.attrs.get("canonical") or doc.text[o.start : o.end])
    return None


def page_name(doc: Document) -> str:
    site = doc.summary.get("site_outlet")
    if isinstance(site, dict) and site.get("canonical"):
        return str(site["canonical"])
    return doc.site or doc.url or "this page"


def custody_chain(
    doc: Document, rel: Relation, speaker: str | None, parent: list[dict[str, str]] | None
) -> list[dict[str, str]]:
    """Who carried the words to the reader, innermost first: the speaker, an outlet named in the sentence,
    the relation it is reported inside (its own chain), the republished passage or comment that holds it,
    the page."""
    chain = [{"role": SPEAKER, "name": speaker or "unknown"}]

    def add(role: str, name: str) -> None:
        if all(link["name"] != name for link in chain):
            chain.append({"role": role, "name": name})

    outlet = named_outlet(doc, rel)
    if outlet:
        add(OUTLET, outlet)
    if parent is not None:
        for link in parent:
            add(REPORTED_BY if link["role"] == SPEAKER else link["role"], link["name"])
        return chain
    segment = enclosing_structure(doc, rel.start, rel.end)
    if segment is not None and segment.label == QUOTED and segment.attrs.get("outlet"):
        add(OUTLET, str(segment.attrs["outlet"]))
    elif segment is not None and segment.label == COMMENT:
        add(COMMENTER, str(segment.attrs.get("author") or f"comment {segment.attrs.get('index', 0)}"))
    add(PAGE, page_name(doc))
    return chain


@register_stage
class QuotesStage(HeadStage):
    name = QUOTES
    task = "quotes"
    assigns = (QUOTES,)
    unit = Unit.SEGMENT

    def set_annotations(self, doc: Document, result: list[HeadReading]) -> None:
        # imported here: the rules module builds on this one's RoleSpan and Relation
        from unspun.stages.attribution_rules import merge_relations, rule_relations

        relations: list[Relation] = []
        for reading in result:
            spans = role_spans(words_of(reading, TAGS_HEAD, doc.text), doc.text)
            relations += link(spans, relations[-1].source if relations else None)
        # the parse the sentence and entity stages made (not parsed again)
        relations = merge_relations(relations, rule_relations(parse_segments(doc), doc.text))
        layer = doc.layer(QUOTES)
        speakers: list[RoleSpan] = []
        chains: list[tuple[Relation, list[dict[str, str]]]] = []
        for rel in relations:
            attrs: dict[str, Any] = {"speaker": _ref(doc, rel.source), "cue": _ref(doc, rel.cue)}
            speaker = rel.source
            if rel.source is not None:
                resolved = resolve_pronoun(doc, rel.source, speakers)
                if resolved is not None:
                    attrs["speaker_resolved"] = _ref(doc, resolved)
                    speaker = resolved
                speakers.append(rel.source)
            if rel.source_shared:
                attrs["speaker_shared"] = True
            name = doc.text[speaker.start : speaker.end] if speaker is not None else None
            # the nearest earlier relation whose content holds this one (it is reported inside it)
            parent = next((c for r, c in reversed(chains) if r.content.contains(rel.start, rel.end)), None)
            chain = custody_chain(doc, rel, name, parent)
            chains.append((rel, chain))
            attrs["chain"] = chain
            attrs["outlet"] = chain[1]["name"] if len(chain) > 1 else None
            attrs["voice"] = quoted(name)
            content = doc.text[rel.start : rel.end]
            layer.append(
                Span(rel.start, rel.end, kind_of(content), round(rel.content.score, 4), attrs, self.name)
            )
        doc.summary[QUOTES] = quotes_summary(doc, layer)


def quotes_summary(doc: Document, quotes: list[Span]) -> dict[str, Any]:
    """Per speaker and per carrying outlet: what they are reported to have said (content texts, in order)."""
    by_speaker: dict[str, list[str]] = {}
    by_outlet: dict[str, list[str]] = {}
    for q in quotes:
        content = doc.text[q.start : q.end]
        speaker = quote_speaker(q)
        by_speaker.setdefault(speaker["text"] if speaker else "unknown", []).append(content)
        if q.attrs.get("outlet"):
            by_outlet.setdefault(str(q.attrs["outlet"]), []).append(content)
    return {"relations": len(quotes), "by_speaker": by_speaker, "by_outlet": by_outlet}
