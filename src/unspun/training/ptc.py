"""The Propaganda Techniques Corpus (SemEval-2020 Task 11): articles, technique spans, and the examples the
propaganda heads train on.

An article is a plain-text file whose lines are its paragraphs (the first is the title); the labels are
character spans (`id technique start end`). The official test labels were never published, so `dev` is
our test split and a seeded tenth of the train articles (`VAL_SHARE`) is held out for tuning and selection.

Examples are read the way the pipeline reads a page: each paragraph is one encoder text, cut into the
encoder's overlapping windows. A span example is one window with a target per word ("inside a technique
span"); a technique example is one gold span pooled inside its paragraph, labelled with its technique.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspun.encoder import tokenize, windows
from unspun.heads import PROPAGANDA_TECHNIQUES
from unspun.stages.propaganda import SPANS_HEAD, TECHNIQUE_HEAD
from unspun.training.data import DataError, Example, line_ranges
from unspun.training.metrics import merge_spans

SPLITS = ("train", "val", "dev")
#: share of the train articles held out as our validation split (seeded by VAL_SEED)
VAL_SHARE = 0.1
VAL_SEED = "ptc-val"
#: context kept on each side of a gold span for its technique example (within its paragraph)
TC_CONTEXT_CHARS = 300
#: a word is a run of letters/digits or one other non-space character, as the tokenizer splits words
_WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class TechniqueSpan:
    technique: str
    start: int
    end: int


@dataclass
class Article:
    id: str
    text: str
    spans: list[TechniqueSpan]  # technique spans (the TC/FLC labels); may overlap

    def paragraphs(self) -> list[tuple[int, int]]:
        """Character ranges of the article's non-empty lines."""
        return line_ranges(self.text)

    def si_spans(self) -> list[tuple[int, int]]:
        """Propaganda spans regardless of technique, overlapping ones merged (the SI task's gold)."""
        return merge_spans([(s.start, s.end) for s in self.spans], touching=True)


def ptc_dir(data: Path) -> Path:
    d = Path(data)
    for cand in (d, d / "ptc-semeval2020"):
        if (cand / "train-articles").is_dir():
            return cand
    raise DataError(f"no PTC data under {d} (expected train-articles/ and train-task-flc-tc.labels)")


def load_articles(data: Path, split: str) -> list[Article]:
    """The articles of a split: "train" (less the val tenth), "val" (that tenth) or "dev" (our test)."""
    if split not in SPLITS:
        raise DataError(f"PTC has no split {split!r}; splits: {', '.join(SPLITS)}")
    d = ptc_dir(data)
    source = "dev" if split == "dev" else "train"
    labels: dict[str, list[TechniqueSpan]] = {}
    with (d / f"{source}-task-flc-tc.labels").open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 4:
                continue
            art, tech, s, e = parts
            labels.setdefault(art, []).append(TechniqueSpan(tech, int(s), int(e)))
    ids = sorted(p.stem.removeprefix("article") for p in (d / f"{source}-articles").glob("article*.txt"))
    if source == "train":
        val = set(random.Random(VAL_SEED).sample(ids, round(len(ids) * VAL_SHARE)))
        ids = [i for i in ids if (i in val) == (split == "val")]
    out = []
    for i in ids:
        text = (d / f"{source}-articles" / f"article{i}.txt").read_text("utf-8")
        out.append(Article(i, text, sorted(labels.get(i, []), key=lambda s: (s.start, s.end))))
    return out


def span_examples(tokenizer: Any, articles: list[Article]) -> list[Example]:
    """One example per encoder window of every paragraph, with a 0/1 target per word: inside a span."""
    out = []
    paras = [(a, lo, hi) for a in articles for lo, hi in a.paragraphs()]
    toks = tokenize(tokenizer, [a.text[lo:hi] for a, lo, hi in paras])
    golds = {a.id: a.si_spans() for a in articles}
    for (art, lo, _hi), t in zip(paras, toks, strict=True):
        if len(t) == 0:
            continue
        gold = golds[art.id]
        for w, (a, b) in enumerate(windows(len(t))):
            ws, we = lo + int(t.offsets[a, 0]), lo + int(t.offsets[b - 1, 1])
            text = art.text[ws:we]
            words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
            inside = np.asarray(
                [any(gs < ws + we_ and ws + ws_ < ge for gs, ge in gold) for ws_, we_ in words],
                dtype=np.float32,
            )
            out.append(
                Example(text, "ptc", word_spans=words, id=f"{art.id}-{lo}-{w}", labels={SPANS_HEAD: inside})
            )
    return out


def technique_example(art: Article, span: TechniqueSpan) -> Example:
    """A span pooled in its context (its paragraph, at most TC_CONTEXT_CHARS each side), its technique
    as the label when it is one of the 14."""
    plo, phi = paragraph_range(art, span.start, span.end)
    lo = max(plo, span.start - TC_CONTEXT_CHARS)
    hi = min(max(phi, span.end), span.end + TC_CONTEXT_CHARS)
    labels = {}
    if span.technique in PROPAGANDA_TECHNIQUES:
        labels[TECHNIQUE_HEAD] = PROPAGANDA_TECHNIQUES.index(span.technique)
    return Example(
        art.text[lo:hi],
        "ptc",
        id=f"{art.id}-{span.start}-{span.end}-{span.technique}",
        span=(span.start - lo, span.end - lo),
        labels=labels,
    )


def paragraph_range(art: Article, start: int, end: int) -> tuple[int, int]:
    """From the start of the paragraph holding `start` to the end of the one holding `end` - 1."""
    lo = art.text.rfind("\n", 0, start) + 1
    hi = art.text.find("\n", max(start, end - 1))
    return lo, len(art.text) if hi < 0 else hi


def technique_examples(articles: list[Article]) -> list[Example]:
    return [technique_example(a, s) for a in articles for s in a.spans if s.end > s.start]
