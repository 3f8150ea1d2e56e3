"""The propaganda stage: spans using one of SemEval-2020 Task 11's 14 persuasion techniques, in whose voice.

Span-then-classify (docs/DECISIONS.md): the token head `propaganda_spans` scores every word "inside a
technique span"; runs of words at or above the span threshold that reach the peak somewhere become spans;
the sequence head `propaganda_technique` then reads each span's pooled pieces and names its technique.
Techniques overlap in the corpus, so a span also lists the runner-up techniques whose probability reaches
`also` (attrs `techniques`). The technique also reads what the head cannot see in a span's averaged pieces
(`decided_techniques`): its length in words (`LengthPrior`) and whether it is said again elsewhere in the
document (`with_repetition`). The decision rule (span threshold, word gap, peak, length prior, Repetition
floor) was chosen on held-out PTC train articles and ships in the model's config.json
(`decisions["propaganda"]`); `Options.thresholds["propaganda"]` replaces the span threshold. `evaluate
propaganda` runs these same functions.

Each span carries its voice (`unspun.voices`): a technique inside a republished passage is the quoted
outlet's, inside a comment the commenter's, elsewhere the author's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np

from unspun.document import PROPAGANDA, Document, Span
from unspun.heads import Head
from unspun.pipeline import register_stage
from unspun.stages.head import HeadReading, HeadStage, Unit, Word, read_ranges, words_of
from unspun.voices import voice_at

SPANS_HEAD = "propaganda_spans"
TECHNIQUE_HEAD = "propaganda_technique"
# Defaults when a model's config carries no calibrated decision rule.
DEFAULT_SPAN_THRESHOLD = 0.5
#: a runner-up technique is listed beside the first when its probability reaches this
DEFAULT_ALSO = 0.3
#: untagged words a span may bridge between two tagged runs ("so-called *experts* and *pundits*")
DEFAULT_GAP = 0
#: a span needs this many letters or digits: a lone "a" or "is" carries no technique
MIN_SPAN_ALNUM = 3
REPETITION = "Repetition"
#: a word, for matching phrases and telling content words from stop words (letters or digits, with an
#: inner apostrophe)
_WORD = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class Decision:
    span: float = DEFAULT_SPAN_THRESHOLD
    also: float = DEFAULT_ALSO
    gap: int = DEFAULT_GAP
    #: the score a run must reach somewhere to be a span: a run is grown from words at `span` or above but
    #: begins only where the head is surer (hysteresis; 0: any run). Chosen with `span` and `gap`.
    peak: float = 0.0
    #: the least Repetition probability of a span whose text recurs in the document (0: none). Repetition
    #: is the document's doing, which a span's own pieces cannot show; see `with_repetition`.
    repeated: float = 0.0
    #: how a span's length in words bears on its technique (`LengthPrior`; None: not at all)
    length: LengthPrior | None = None

    @classmethod
    def from_rule(cls, rule: dict[str, Any]) -> Decision:
        length = rule.get("length_prior")
        return cls(
            float(rule.get("span", DEFAULT_SPAN_THRESHOLD)),
            float(rule.get("also", DEFAULT_ALSO)),
            int(rule.get("gap", DEFAULT_GAP)),
            float(rule.get("peak", 0.0)),
            float(rule.get("repeated", 0.0)),
            LengthPrior.from_dict(length) if length else None,
        )


@dataclass(frozen=True)
class LengthPrior:
    """P(technique | the span's length in words) / P(technique), counted on the PTC train articles' gold
    spans, by length bucket: a bucket holds the lengths up to its edge (after the last edge: longer ones).

    The technique head reads a span's pieces averaged, which keeps what the words are and loses how many
    there are; but a one-word span is mostly Loaded_Language or Name_Calling, a sentence-long one Doubt,
    Appeal_to_fear or Causal_Oversimplification. Multiplying the head's probabilities by this ratio (Bayes'
    rule, with the head taken to have read the words alone) puts the length back: PTC dev TC micro-F1
    0.442 -> 0.486 by itself, no parameter chosen (docs/DECISIONS.md)."""

    edges: tuple[int, ...]
    ratios: dict[str, tuple[float, ...]]

    def bucket(self, phrase: str) -> int:
        words = len(phrase.split())
        return next((k for k, edge in enumerate(self.edges) if words <= edge), len(self.edges))

    def apply(self, probs: dict[str, float], phrase: str) -> dict[str, float]:
        k = self.bucket(phrase)
        weighted = {label: p * self.ratios[label][k] if label in self.ratios else p
                    for label, p in probs.items()}
        total = sum(weighted.values())
        return {label: p / total for label, p in weighted.items()} if total > 0 else probs

    def to_dict(self) -> dict[str, Any]:
        return {"edges": list(self.edges), "ratios": {k: list(v) for k, v in self.ratios.items()}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LengthPrior:
        return cls(tuple(int(e) for e in data["edges"]),
                   {k: tuple(float(x) for x in v) for k, v in data["ratios"].items()})


@dataclass(frozen=True)
class TechniqueSpan:
    """One decoded span: where, how sure the span head is, and the technique head's probabilities."""

    start: int
    end: int
    score: float  # mean "inside a span" probability of its words
    technique_probs: dict[str, float]

    @property
    def technique(self) -> str:
        return max(self.technique_probs, key=self.technique_probs.__getitem__)


def word_runs(
    words: list[Word], threshold: float, gap: int = 0, peak: float = 0.0
) -> list[tuple[int, int, float]]:
    """Runs of consecutive words scoring at or above `threshold` (bridging up to `gap` words below it) in
    which some word reaches `peak`, as (start, end, mean score of the run's tagged words)."""
    runs: list[tuple[int, int, float]] = []
    cur: list[Word] = []
    below = 0
    for w in [*words, None]:
        if w is not None and float(w.score[0]) >= threshold:
            cur.append(w)
            below = 0
            continue
        below += 1
        if cur and (w is None or below > gap):
            tagged = [float(x.score[0]) for x in cur]
            if max(tagged) >= peak:
                runs.append((cur[0].start, cur[-1].end, float(np.mean(tagged))))
            cur = []
    return runs


def span_runs(
    words: list[Word], decision: Decision, text: str, text_start: int = 0
) -> list[tuple[int, int, float]]:
    """The decided spans of a reading's words: runs at or above the span threshold, bridging up to `gap`
    words, that reach `peak` somewhere, with at least MIN_SPAN_ALNUM letters or digits."""
    return [
        (s, e, p)
        for s, e, p in word_runs(words, decision.span, decision.gap, decision.peak)
        if sum(c.isalnum() for c in text[s - text_start : e - text_start]) >= MIN_SPAN_ALNUM
    ]


class Recurrence:
    """How often a phrase's words occur, in order and case aside, in one document's words.

    The document's words are indexed on the first look-up; a phrase is found through its rarest word, so a
    page of a million characters with thousands of spans costs what its words do, not characters times
    spans."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def _index(self) -> tuple[list[str], dict[str, list[int]]]:
        words = [w.lower() for w in _WORD.findall(self.text)]
        at: dict[str, list[int]] = {}
        for k, word in enumerate(words):
            at.setdefault(word, []).append(k)
        return words, at

    def count(self, phrase: str, enough: int = 2) -> int:
        """Occurrences of the phrase's words as a run of the document's words (counting stops at `enough`)."""
        wanted = [w.lower() for w in _WORD.findall(phrase)]
        if not wanted:
            return 0
        words, at = self._index
        j = min(range(len(wanted)), key=lambda i: len(at.get(wanted[i], ())))
        found = 0
        for k in at.get(wanted[j], ()):
            if k >= j and words[k - j : k - j + len(wanted)] == wanted:
                found += 1
                if found >= enough:
                    break
        return found


def with_repetition(
    probs: dict[str, float], phrase: str, recurrence: Recurrence, least: float
) -> dict[str, float]:
    """`probs` with Repetition raised to at least `least` when `phrase` occurs more than once in the
    document (`recurrence`: its words, case aside); unchanged when `least` is 0.

    The technique head reads a span's own pieces, so it cannot see that the span is said again elsewhere,
    which is what Repetition is: on PTC dev it named 12 % of the Repetition spans. Of PTC's gold Repetition
    rows, 88-89 % recur in their article (dev, held-out train articles), and 41-50 % of recurring rows are
    Repetition (`tools/propaganda_recurrence.py`); `least` was chosen on the held-out train articles
    (docs/DECISIONS.md)."""
    if least <= 0 or REPETITION not in probs:
        return probs
    if not has_content_word(phrase) or recurrence.count(phrase) < 2:
        return probs
    return {**probs, REPETITION: max(probs[REPETITION], least)}


def has_content_word(phrase: str) -> bool:
    """Whether a phrase holds a word that is not one of spaCy's English stop words: "the" or "or we" recur
    in any text, so their recurrence says nothing (PTC's annotators did mark a repeated "Why?" or
    "without" as Repetition: 18 of dev's 145 rows, which this rule gives up)."""
    return any(word not in _stop_words() for word in _WORD.findall(phrase.lower()))


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS  # a word list; spaCy's pipeline is not loaded

    return frozenset(STOP_WORDS)


def technique_spans(
    reading: HeadReading, heads: dict[str, Head], decision: Decision, text: str, text_start: int = 0,
    recurrence: Recurrence | None = None,
) -> list[TechniqueSpan]:
    """Decode one reading (a segment read by the span head) into technique spans.

    `text` is the document text, or a part of it that starts at character `text_start`; `recurrence` is the
    whole document's word index (default: `text`'s), where a span's recurrence is counted."""
    runs = span_runs(words_of(reading, SPANS_HEAD, text, text_start), decision, text, text_start)
    if not runs or reading.encoded is None:
        return []
    technique = {TECHNIQUE_HEAD: heads[TECHNIQUE_HEAD]}
    labels = heads[TECHNIQUE_HEAD].labels
    recurrence = Recurrence(text) if recurrence is None else recurrence
    out = []
    for (start, end, score), r in zip(
        runs, read_ranges(reading.encoded, [(s, e) for s, e, _ in runs], technique), strict=True
    ):
        if r is None:
            continue
        probs = {label: float(p) for label, p in zip(labels, r.probs[TECHNIQUE_HEAD], strict=True)}
        phrase = text[start - text_start : end - text_start]
        out.append(TechniqueSpan(start, end, score, decided_techniques(probs, phrase, recurrence, decision)))
    return out


def decided_techniques(
    probs: dict[str, float], phrase: str, recurrence: Recurrence, decision: Decision
) -> dict[str, float]:
    """The technique head's probabilities for a span, with what the head cannot see put back: the span's
    length (`LengthPrior`), then whether it recurs in the document (`with_repetition`)."""
    if decision.length is not None:
        probs = decision.length.apply(probs, phrase)
    return with_repetition(probs, phrase, recurrence, decision.repeated)


@register_stage
class PropagandaStage(HeadStage):
    name = PROPAGANDA
    task = "propaganda"
    assigns = (PROPAGANDA,)
    unit = Unit.SEGMENT
    threshold_key = "span"

    def set_annotations(self, doc: Document, result: list[HeadReading]) -> None:
        layer = doc.layer(PROPAGANDA)
        decision = Decision.from_rule(self.decision())
        recurrence = Recurrence(doc.text)  # indexed only if a span is looked up
        for reading in result:
            for t in technique_spans(reading, self.heads, decision, doc.text, recurrence=recurrence):
                ranked = sorted(t.technique_probs.items(), key=lambda kv: -kv[1])
                also = [name for name, p in ranked[1:] if p >= decision.also]
                attrs = {
                    "voice": voice_at(doc, t.start, t.end),
                    "technique_score": round(ranked[0][1], 4),
                    "techniques": [ranked[0][0], *also],
                }
                layer.append(Span(t.start, t.end, t.technique, round(t.score, 4), attrs, self.name))
