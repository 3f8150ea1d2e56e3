"""`HeadStage`: the template of every model-backed stage (hate, claims, propaganda, quotes).

A head stage reads the shared encoder's states (`doc.parses["encode"]`, written by the encode stage) and
applies the heads its task registered (`unspun.heads`): it knows whether they are installed, which ranges it
reads (its `unit`), pools each range for the sequence heads and keeps the per-piece outputs of the token
heads. `predict` returns only probabilities (`HeadReading`s); the decision — thresholds calibrated per task
and shipped in the model's config, overridable by `Options.thresholds` — is applied in `set_annotations`,
so one pipeline serves callers with different thresholds. A subclass sets `name`, `task`, `unit`, `assigns`
and writes `to_span`:

    @register_stage
    class ClaimsStage(HeadStage):
        name = task = CLAIMS
        assigns = (CLAIMS,)
        unit = Unit.SENTENCE
        threshold_key = "threshold"

        def to_span(self, doc, reading, decision):
            p = float(reading.probs["claims"][0])
            if p >= decision.get("threshold", 0.5):
                return Span(reading.start, reading.end, "check_worthy", round(p, 4), {}, self.name)
            return None
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from unspun.document import COMMENT, ENCODE, SENTENCES, STRUCTURE, Document, Span
from unspun.encoder import Encoded, default_model_dir, model_installed
from unspun.errors import PipelineError
from unspun.heads import SEQUENCE, Head, InstalledHeads, installed_tasks, load_heads, word_scores
from unspun.options import Options
from unspun.pipeline import Stage
from unspun.stages.encode import EncodeOutput

# A decoded "word" must hold a letter or digit: a comma next to a slur is not part of a rationale.
_WORDLIKE = re.compile(r"\w")


class Unit(StrEnum):
    """What a head stage reads: one range per sentence, per comment (else per sentence), or per segment
    (a structure span: title, paragraph, quoted passage, comment). Token heads read every word-piece of
    the range."""

    SENTENCE = "sentence"
    COMMENT_OR_SENTENCE = "comment-or-sentence"
    SEGMENT = "segment"


@dataclass
class HeadReading:
    """The heads' output over one character range: sequence heads (k,), token heads (n_pieces, k)."""

    start: int
    end: int
    probs: dict[str, np.ndarray]
    offsets: np.ndarray  # (n_pieces, 2) document character offsets of the range's pieces
    word_ids: np.ndarray  # (n_pieces,) the tokenizer's word of each piece (-1: none)
    #: the encoded text the range was read from, for decisions that read further ranges of it (the
    #: technique of each span the propaganda stage decodes)
    encoded: Encoded | None = None

    def scores(self, head: str, labels: tuple[str, ...]) -> dict[str, float]:
        """A sequence head's probabilities by label."""
        return {label: float(p) for label, p in zip(labels, self.probs[head], strict=True)}


def read_range(enc: Encoded, start: int, end: int, heads: dict[str, Head]) -> HeadReading | None:
    """Apply `heads` to the pieces of [start, end) of an encoded text; None when the range has no piece."""
    return read_ranges(enc, [(start, end)], heads)[0]


def read_ranges(
    enc: Encoded, ranges: list[tuple[int, int]], heads: dict[str, Head]
) -> list[HeadReading | None]:
    """`read_range` for many ranges of one encoded text, each head applied once for all of them (one small
    matrix product per head instead of one per range and head: the heads stay a sliver of the encoder's
    time); None for a range without a piece."""
    idxs = [enc.pieces_in(start, end) for start, end in ranges]
    kept = [k for k, idx in enumerate(idxs) if len(idx)]
    out: list[HeadReading | None] = [None] * len(ranges)
    if not kept:
        return out
    pooled = np.stack([enc.states[idxs[k]].mean(axis=0) for k in kept])
    seq = {name: h(pooled) for name, h in heads.items() if h.kind == SEQUENCE}
    # token heads over every piece of the text once; each range takes its pieces' rows
    tok = {name: h(enc.states) for name, h in heads.items() if h.kind != SEQUENCE}
    word_ids = enc.word_ids if enc.word_ids is not None else np.arange(len(enc.states))
    for row, k in enumerate(kept):
        idx = idxs[k]
        probs = {name: p[row] for name, p in seq.items()} | {name: p[idx] for name, p in tok.items()}
        out[k] = HeadReading(ranges[k][0], ranges[k][1], probs, enc.offsets[idx], word_ids[idx], enc)
    return out


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    score: np.ndarray  # the mean of its pieces' outputs, (k,)


def words_of(reading: HeadReading, head: str, text: str, text_start: int = 0) -> list[Word]:
    """The range's words (tokenizer words holding a letter or digit) with a token head's mean output.

    `text` is the document text, or a part of it starting at character `text_start`."""
    wid = reading.word_ids
    if len(wid) == 0:
        return []
    # renumber the range's words 0..m-1 in order of appearance
    first = np.r_[True, wid[1:] != wid[:-1]]
    local = np.cumsum(first) - 1
    scores = word_scores(reading.probs[head], local, int(local[-1]) + 1)
    # a word runs from its first piece's start to its last piece's end (pieces of a word are consecutive)
    firsts = np.flatnonzero(first)
    lasts = np.r_[firsts[1:] - 1, len(wid) - 1]
    starts = reading.offsets[firsts, 0].tolist()
    ends = reading.offsets[lasts, 1].tolist()
    out = []
    for w, (s, e) in enumerate(zip(starts, ends, strict=True)):
        if _WORDLIKE.search(text, s - text_start, e - text_start):
            out.append(Word(int(s), int(e), scores[w]))
    return out


def word_spans(words: list[Word], label: int, threshold: float) -> list[tuple[int, int]]:
    """Character spans of the words whose output for `label` reaches `threshold` (a sigmoid token head)."""
    return [(w.start, w.end) for w in words if float(w.score[label]) >= threshold]


@dataclass(frozen=True)
class TagSpan:
    start: int
    end: int
    label: str
    score: float  # the mean probability of its words' tag


def tag_spans(words: list[Word], labels: tuple[str, ...]) -> list[TagSpan]:
    """BIO tags (a softmax token head with labels "O", "B-x", "I-x", …) decoded into character spans: the
    most probable tag sequence in which every I-x continues an x (`bio_path`); a span runs from its B-x
    over the I-x after it."""
    if not words:
        return []
    scores = np.stack([w.score for w in words])
    path = bio_path(scores, labels)
    top = scores[np.arange(len(words)), path].tolist()
    spans: list[TagSpan] = []
    cur: tuple[int, int, str, list[float]] | None = None
    for w, k, p in zip(words, path, top, strict=True):
        kind, _, name = labels[k].partition("-")
        if cur is not None and kind == "I":
            cur[3].append(p)
            cur = (cur[0], w.end, name, cur[3])
            continue
        if cur is not None:
            spans.append(TagSpan(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
            cur = None
        if kind == "B":
            cur = (w.start, w.end, name, [p])
    if cur is not None:
        spans.append(TagSpan(cur[0], cur[1], cur[2], sum(cur[3]) / len(cur[3])))
    return spans


def bio_path(scores: np.ndarray, labels: tuple[str, ...]) -> list[int]:
    """The most probable sequence of tags (Viterbi over the words' log-probabilities) in which an I-x only
    follows a B-x or an I-x.

    Each word's own most likely tag breaks a long span wherever one word dips: a word of a quotation read as
    O, or as B-content where it continues one. PolNeAR's contents came out in pieces, each a false span
    (dev: 4,353 content spans for 2,691 gold; exact F1 0.28). With the constraint, a span resumes after a
    dip only through an improbable B, so the dip is read as part of it (dev exact F1 0.38, overlap 0.77 →
    0.81; docs/DECISIONS.md). Pure Python: seven labels, so a step costs a few microseconds.
    """
    logp = np.log(np.clip(scores, 1e-9, None)).tolist()
    k = len(labels)
    # the labels an I-x may follow (B-x, I-x); None: any label may come before
    before: list[tuple[int, int] | None] = [None] * k
    for j, label in enumerate(labels):
        kind, _, name = label.partition("-")
        if kind == "I":
            before[j] = (labels.index(f"B-{name}"), j)
    minus_inf = float("-inf")
    best = [lp if before[j] is None else minus_inf for j, lp in enumerate(logp[0])]
    back: list[list[int]] = []
    for row in logp[1:]:
        anyone = best.index(max(best))
        came = [anyone if b is None else (b[0] if best[b[0]] >= best[b[1]] else b[1]) for b in before]
        best = [best[c] + lp for c, lp in zip(came, row, strict=True)]
        back.append(came)
    path = [best.index(max(best))]
    for came in reversed(back):
        path.append(came[path[-1]])
    return path[::-1]


def unit_ranges(doc: Document, segment: Span, unit: Unit) -> list[tuple[int, int]]:
    """The character ranges a head stage reads inside one encoded segment."""
    if unit is Unit.SEGMENT or (unit is Unit.COMMENT_OR_SENTENCE and segment.label == COMMENT):
        return [(segment.start, segment.end)]
    ranges = [(s.start, s.end) for s in doc.layers.get(SENTENCES, []) if segment.contains(s.start, s.end)]
    return sorted(ranges) or [(segment.start, segment.end)]


class HeadStage(Stage[list[HeadReading]]):
    """Base class of the stages that apply task heads to the shared encoder's output."""

    #: the training task whose heads this stage applies (`unspun.heads` registry)
    task: ClassVar[str]
    unit: ClassVar[Unit]
    #: the key of the task's decision rule that `Options.thresholds[task]` replaces
    threshold_key: ClassVar[str | None] = None
    requires = (STRUCTURE, SENTENCES)
    needs = (ENCODE,)
    english_only = True
    part_wise = True

    @classmethod
    def available(cls) -> bool:
        d = default_model_dir()
        return model_installed(d) and cls.task in installed_tasks(d)

    @classmethod
    def available_for(cls, options: Options) -> bool:
        if options.model_dir is None:
            return cls.available()
        d = Path(options.model_dir)
        return model_installed(d) and cls.task in installed_tasks(d)

    @property
    def model_dir(self) -> Path:
        return Path(self.options.model_dir) if self.options.model_dir else default_model_dir()

    def initialize(self) -> None:
        self.heads  # noqa: B018 - load now, not on the first document

    @cached_property
    def installed(self) -> InstalledHeads:
        return load_heads(self.model_dir)

    @cached_property
    def heads(self) -> dict[str, Head]:
        heads = self.installed.for_task(self.task)
        if not heads:
            raise PipelineError(
                f"stage {self.name!r}: the model in {self.model_dir} has no {self.task} heads"
            )
        return heads

    def predict(self, doc: Document) -> list[HeadReading]:
        out: EncodeOutput | None = doc.parses.get(ENCODE)
        if out is None:
            raise PipelineError(f"stage {self.name!r} needs the encode stage's output, which is missing")
        heads = self.heads
        readings = []
        for seg, enc in zip(out.segments, out.encoded, strict=True):
            readings += [
                r for r in read_ranges(enc, unit_ranges(doc, seg, self.unit), heads) if r is not None
            ]
        return readings

    def decision(self) -> dict[str, Any]:
        """The task's shipped decision rule, with the caller's threshold (Options.thresholds) applied."""
        rule = dict(self.installed.decisions.get(self.task, {}))
        override = dict(self.options.thresholds).get(self.task)
        if override is not None and self.threshold_key:
            rule[self.threshold_key] = override
        return rule

    def set_annotations(self, doc: Document, result: list[HeadReading]) -> None:
        layer = doc.layer(self.assigns[0])
        rule = self.decision()
        for reading in result:
            span = self.to_span(doc, reading, rule)
            if span is not None:
                layer.append(span)

    def to_span(self, doc: Document, reading: HeadReading, decision: dict[str, Any]) -> Span | None:
        """The span (or none) one reading becomes under the decision rule."""
        raise NotImplementedError
