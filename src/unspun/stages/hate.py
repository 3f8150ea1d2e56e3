"""The hate stage: hate / offensive / normal per article sentence and per comment, with targets and rationale.

It reads the shared encoder's states (`doc.parses["encode"]`) and applies the hate heads with numpy
(`unspun.heads`): the class head and the target head on the mean state of the sentence's or comment's
word-pieces, the rationale head on each piece. The decision rule (the toxicity threshold, the rationale
and target thresholds) was chosen on HateXplain val and ships in the model's config.json; the
`hate_threshold` option overrides the toxicity threshold. `evaluate hate` runs these same functions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from unspun.document import COMMENT, ENCODE, HATE, SENTENCES, STRUCTURE, Document, Span
from unspun.encoder import CONFIG_FILE, Encoded, default_model_dir, model_installed
from unspun.heads import Head, load_heads, pool
from unspun.pipeline import Stage, register_stage

CLASS_HEAD = "hate_class"
TARGET_HEAD = "hate_targets"
RATIONALE_HEAD = "hate_rationale"
NORMAL = "normal"
# Defaults when a model's config carries no calibrated decision rule.
DEFAULT_TOXIC_THRESHOLD = 0.5
DEFAULT_RATIONALE_THRESHOLD = 0.5
DEFAULT_TARGET_THRESHOLD = 0.5
# A rationale "word" must hold a letter or digit: a comma next to a slur is not part of the rationale.
_WORDLIKE = re.compile(r"\w")


@dataclass(frozen=True)
class Decision:
    """How probabilities become a label: toxic when 1 - p(normal) >= `toxic`; then hate when
    p(hate) >= p(offensive) - `hate_offset` (offensive otherwise)."""

    toxic: float = DEFAULT_TOXIC_THRESHOLD
    rationale: float = DEFAULT_RATIONALE_THRESHOLD
    target: float = DEFAULT_TARGET_THRESHOLD
    hate_offset: float = 0.0


@dataclass
class HateModel:
    heads: dict[str, Head]
    decision: Decision
    target_names: dict[str, str]  # HateXplain community -> display name


@cache
def load_hate_model(model_dir: Path | None = None) -> HateModel:
    d = Path(model_dir) if model_dir else default_model_dir()
    heads = load_heads(d)
    cfg = json.loads((d / CONFIG_FILE).read_text("utf-8"))
    dec = cfg.get("hate_decision") or {}
    decision = Decision(
        dec.get("toxic", DEFAULT_TOXIC_THRESHOLD),
        dec.get("rationale", DEFAULT_RATIONALE_THRESHOLD),
        dec.get("target", DEFAULT_TARGET_THRESHOLD),
        dec.get("hate_offset", 0.0),
    )
    return HateModel(heads, decision, dict(cfg.get("target_names") or {}))


@dataclass
class HatePrediction:
    """The hate heads' reading of one character range."""

    start: int
    end: int
    label: str
    scores: dict[str, float]
    targets: list[str] = field(default_factory=list)  # display names, most likely first
    target_ids: list[str] = field(default_factory=list)  # HateXplain community names
    piece_idx: np.ndarray | None = None  # indices (into the Encoded) of the range's pieces
    piece_rationale: np.ndarray | None = None  # rationale probability per piece of the range
    target_probs: np.ndarray | None = None  # probability per target community (the head's label order)
    rationale: list[tuple[int, int]] = field(default_factory=list)  # character spans of rationale words

    @property
    def score(self) -> float:
        return self.scores[self.label]


def decide(scores: dict[str, float], toxic_threshold: float, hate_offset: float = 0.0) -> str:
    if 1.0 - scores[NORMAL] < toxic_threshold:
        return NORMAL
    return "hate" if scores["hate"] >= scores["offensive"] - hate_offset else "offensive"


def rationale_words(
    enc: Encoded, idx: np.ndarray, probs: np.ndarray, word_ids: np.ndarray, threshold: float, text: str
) -> list[tuple[int, int]]:
    """Character spans of the words (tokenizer words) whose mean piece probability reaches `threshold`."""
    spans = []
    words: dict[int, list[int]] = {}
    for k, w in enumerate(word_ids):
        words.setdefault(int(w), []).append(k)
    for ks in words.values():
        if float(np.mean(probs[ks])) < threshold:
            continue
        s = int(enc.offsets[idx[ks[0]], 0])
        e = int(enc.offsets[idx[ks[-1]], 1])
        if _WORDLIKE.search(text[s - enc.start : e - enc.start]):
            spans.append((s, e))
    return spans


def predict_range(
    enc: Encoded,
    start: int,
    end: int,
    model: HateModel,
    *,
    toxic_threshold: float | None = None,
    text: str | None = None,
) -> HatePrediction | None:
    """Hate heads over the pieces of [start, end) of an encoded text; None when the range has no piece.

    `text` is the encoded text itself (offsets relative to `enc.start`), used to find rationale words.
    """
    vec = pool(enc, start, end)
    if vec is None:
        return None
    cls = model.heads[CLASS_HEAD]
    probs = cls(vec[None, :])[0]
    scores = {label: float(p) for label, p in zip(cls.labels, probs, strict=True)}
    toxic = model.decision.toxic if toxic_threshold is None else toxic_threshold
    label = decide(scores, toxic, model.decision.hate_offset)
    pred = HatePrediction(start, end, label, scores)
    idx = enc.pieces_in(start, end)
    pred.piece_idx = idx
    pred.piece_rationale = model.heads[RATIONALE_HEAD](enc.states[idx])[:, 0]
    tgt = model.heads[TARGET_HEAD]
    tprobs = tgt(vec[None, :])[0]
    pred.target_probs = tprobs
    order = np.argsort(-tprobs)
    pred.target_ids = [tgt.labels[i] for i in order if tprobs[i] >= model.decision.target]
    pred.targets = [model.target_names.get(t, t) for t in pred.target_ids]
    if label != NORMAL and text is not None and enc.word_ids is not None:
        pred.rationale = rationale_words(
            enc, idx, pred.piece_rationale, enc.word_ids[idx], model.decision.rationale, text
        )
    return pred


@dataclass
class HateResult:
    predictions: list[HatePrediction]


def hate_document(doc: Document, model: HateModel, toxic_threshold: float | None = None) -> HateResult:
    """Predictions for every article sentence and every comment of an encoded document."""
    from unspun.stages.encode import ENCODE

    out = doc.parses.get(ENCODE)
    if out is None:
        return HateResult([])
    preds = []
    for seg, enc in zip(out.segments, out.encoded, strict=True):
        seg_text = doc.text[seg.start : seg.end]
        if seg.label == COMMENT:
            ranges = [(seg.start, seg.end)]
        else:
            ranges = [(s.start, s.end) for s in doc.layers.get(SENTENCES, []) if seg.contains(s.start, s.end)]
            if not ranges:
                ranges = [(seg.start, seg.end)]
        for start, end in sorted(ranges):
            p = predict_range(enc, start, end, model, toxic_threshold=toxic_threshold, text=seg_text)
            if p is not None:
                preds.append(p)
    return HateResult(preds)


@register_stage
class HateStage(Stage[HateResult]):
    name = HATE
    requires = (SENTENCES,)
    needs = (ENCODE,)
    assigns = (HATE,)
    english_only = True

    @classmethod
    def available(cls) -> bool:
        d = default_model_dir()
        if not model_installed(d):
            return False
        try:
            cfg = json.loads((d / CONFIG_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            return False
        return CLASS_HEAD in cfg.get("heads", {}) and (d / "heads.npz").is_file()

    def initialize(self) -> None:
        load_hate_model(self.options.model_dir)

    def predict(self, doc: Document) -> HateResult:
        return hate_document(doc, load_hate_model(self.options.model_dir), self.options.hate_threshold)

    def set_annotations(self, doc: Document, result: HateResult) -> None:
        layer = doc.layer(HATE)
        for p in result.predictions:
            attrs = {
                "targets": p.targets if p.label != NORMAL else [],
                "rationale": [[s, e] for s, e in p.rationale] if p.label != NORMAL else [],
                "scores": {k: round(v, 4) for k, v in p.scores.items()},
            }
            layer.append(Span(p.start, p.end, p.label, round(p.score, 4), attrs, self.name))
        if STRUCTURE not in doc.layers:
            doc.warn("hate: no structure layer; nothing was classified")
