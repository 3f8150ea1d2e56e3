"""The hate stage: hate / offensive / normal per article sentence and per comment, with targets and rationale.

A `HeadStage` over the hate task's three heads: the class head and the target head read the pooled
sentence or comment, the rationale head each word-piece. The decision rule (the toxicity threshold, the
hate-vs-offensive offset, the rationale and target thresholds) was chosen on validation data and ships in
the model's config.json (`decisions["hate"]`); `Options.thresholds["hate"]` replaces the toxicity threshold.
`evaluate hate` runs these same functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from unspun.document import HATE, Document, Span
from unspun.heads import HATE_LABELS, Head
from unspun.parts import Part
from unspun.pipeline import register_stage
from unspun.stages.head import HeadReading, HeadStage, Unit, word_spans, words_of

CLASS_HEAD = "hate_class"
TARGET_HEAD = "hate_targets"
RATIONALE_HEAD = "hate_rationale"
HATE_LABEL, OFFENSIVE, NORMAL = HATE_LABELS
# Defaults when a model's config carries no calibrated decision rule.
DEFAULT_TOXIC_THRESHOLD = 0.5
DEFAULT_RATIONALE_THRESHOLD = 0.5
DEFAULT_TARGET_THRESHOLD = 0.5


@dataclass(frozen=True)
class Decision:
    """How probabilities become a label: toxic when 1 - p(normal) >= `toxic`; then hate when
    p(hate) >= p(offensive) - `hate_offset` (offensive otherwise)."""

    toxic: float = DEFAULT_TOXIC_THRESHOLD
    rationale: float = DEFAULT_RATIONALE_THRESHOLD
    target: float = DEFAULT_TARGET_THRESHOLD
    hate_offset: float = 0.0

    @classmethod
    def from_rule(cls, rule: dict[str, Any]) -> Decision:
        return cls(
            float(rule.get("toxic", DEFAULT_TOXIC_THRESHOLD)),
            float(rule.get("rationale", DEFAULT_RATIONALE_THRESHOLD)),
            float(rule.get("target", DEFAULT_TARGET_THRESHOLD)),
            float(rule.get("hate_offset", 0.0)),
        )


@dataclass
class HatePrediction:
    """The hate heads' reading of one character range, decided."""

    start: int
    end: int
    label: str
    scores: dict[str, float]
    target_probs: np.ndarray  # probability per target community (the head's label order)
    targets: list[str] = field(default_factory=list)  # display names, most likely first
    rationale: list[tuple[int, int]] = field(default_factory=list)  # character spans of rationale words

    @property
    def score(self) -> float:
        return self.scores[self.label]


def decide(scores: dict[str, float], toxic_threshold: float, hate_offset: float = 0.0) -> str:
    if 1.0 - scores[NORMAL] < toxic_threshold:
        return NORMAL
    return HATE_LABEL if scores[HATE_LABEL] >= scores[OFFENSIVE] - hate_offset else OFFENSIVE


def predict_hate(
    reading: HeadReading,
    heads: dict[str, Head],
    decision: Decision,
    target_names: dict[str, str],
    text: str,
    text_start: int = 0,
) -> HatePrediction:
    """Decide one reading: label, targets (display names) and rationale words (character spans).

    `text` is the document text, or a part of it that starts at character `text_start`."""
    scores = reading.scores(CLASS_HEAD, heads[CLASS_HEAD].labels)
    label = decide(scores, decision.toxic, decision.hate_offset)
    tprobs = reading.probs[TARGET_HEAD]
    pred = HatePrediction(reading.start, reading.end, label, scores, tprobs)
    if label != NORMAL:
        labels = heads[TARGET_HEAD].labels
        ids = [labels[i] for i in np.argsort(-tprobs) if tprobs[i] >= decision.target]
        pred.targets = [target_names.get(t, t) for t in ids]
        words = words_of(reading, RATIONALE_HEAD, text, text_start)
        pred.rationale = word_spans(words, 0, decision.rationale)
    return pred


@register_stage
class HateStage(HeadStage):
    name = HATE
    task = "hate"
    assigns = (HATE,)
    unit = Unit.COMMENT_OR_SENTENCE
    threshold_key = "toxic"

    def moved(self, span: Span, part: Part) -> Span:
        moved = super().moved(span, part)
        moved.attrs = {**span.attrs,
                       "rationale": [[s + part.start, e + part.start] for s, e in span.attrs["rationale"]]}
        return moved

    @cached_property
    def target_names(self) -> dict[str, str]:
        return dict(self.installed.config.get("target_names") or {})

    def to_span(self, doc: Document, reading: HeadReading, decision: dict[str, Any]) -> Span:
        p = predict_hate(reading, self.heads, Decision.from_rule(decision), self.target_names, doc.text)
        attrs = {
            "targets": p.targets,
            "rationale": [[s, e] for s, e in p.rationale],
            "scores": {k: round(v, 4) for k, v in p.scores.items()},
        }
        return Span(p.start, p.end, p.label, round(p.score, 4), attrs, self.name)
