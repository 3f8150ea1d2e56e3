"""PolNeAR (Newell et al. 2018): 2016 US-election news with attribution relations, and the examples the
quotes tagger trains on.

An article is a plain-text file whose non-empty lines are its paragraphs; its annotation is a brat `.ann`
file (`unspun.brat`) per annotator: text-bound `Source`, `Cue` and `Content` spans (possibly
discontinuous) joined by `Attribution` events (`Attribution-no-source` when the source is not in the text).
PolNeAR is univocal — a token has at most one role and belongs to at most one attribution — so a BIO tag
sequence (`QUOTE_TAGS`) represents it exactly. Splits are the corpus's own (train: months 1–10, dev: 11,
test: 12); dev selects checkpoints and calibrates, test is only evaluated.

An article that two annotators annotated has two `.ann` files; each is read as its own reference
(`AnnotatedArticle.id` names article and annotator), so training sees both readings and evaluation scores the
model against each (docs/DECISIONS.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspun import brat
from unspun.encoder import tokenize, windows
from unspun.heads import QUOTE_ROLES, QUOTE_TAGS
from unspun.training.data import DataError, Example, line_ranges

SPLITS = ("train", "dev", "test")
TAGS_HEAD = "quotes_tags"
#: a word is a run of letters/digits or one other non-space character, as the tokenizer splits words
_WORD = re.compile(r"\w+|[^\w\s]")
_ROLE_OF_TYPE = {"Source": "source", "Cue": "cue", "Content": "content"}

Fragments = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Attribution:
    """One attribution relation: each role's fragments (empty: not in the text)."""

    source: Fragments
    cue: Fragments
    content: Fragments

    def role(self, name: str) -> Fragments:
        return getattr(self, name)  # type: ignore[no-any-return]


@dataclass
class AnnotatedArticle:
    id: str  # the .ann file's stem: article and annotator
    text: str
    attributions: list[Attribution]

    def paragraphs(self) -> list[tuple[int, int]]:
        """Character ranges of the article's non-empty lines."""
        return line_ranges(self.text)

    def role_spans(self, role: str) -> list[tuple[int, int]]:
        """The distinct fragments of one role (a source shared by several attributions counted once)."""
        return sorted({f for a in self.attributions for f in a.role(role)})


def polnear_dir(data: Path) -> Path:
    d = Path(data)
    for cand in (d, d / "polnear"):
        if (cand / "train" / "attributions").is_dir():
            return cand
    raise DataError(f"no PolNeAR data under {d} (expected train/attributions/ and train/text/)")


def read_article(doc_id: str, text: str, ann: str) -> AnnotatedArticle:
    """An article and one `.ann` file: its attribution events (what `--format brat` writes, too)."""
    parsed = brat.parse(ann, text)
    out = []
    for ev in parsed.events.values():
        if not ev.type.startswith("Attribution"):
            continue
        roles: dict[str, list[tuple[int, int]]] = {"source": [], "cue": [], "content": []}
        for arg, ref in ev.args:
            tb = parsed.textbounds.get(ref)
            role = _ROLE_OF_TYPE.get(re.sub(r"\d+$", "", arg))
            if tb is not None and role is not None:
                roles[role] += tb.fragments
        frags = {k: tuple(sorted(v)) for k, v in roles.items()}
        out.append(Attribution(frags["source"], frags["cue"], frags["content"]))
    out.sort(key=lambda a: min((f[0] for f in a.content + a.cue), default=0))
    return AnnotatedArticle(doc_id, text, out)


def load_articles(data: Path, split: str) -> list[AnnotatedArticle]:
    """Every annotation file of a split with its article's text (two annotators: two entries)."""
    if split not in SPLITS:
        raise DataError(f"PolNeAR has no split {split!r}; splits: {', '.join(SPLITS)}")
    d = polnear_dir(data) / split
    out = []
    for ann_path in sorted((d / "attributions").glob("*.ann")):
        article = ann_path.stem.rsplit("_", 1)[0]
        text_path = d / "text" / f"{article}.txt"
        if not text_path.is_file():
            raise DataError(f"PolNeAR: {ann_path.name} has no article text {text_path}")
        out.append(read_article(ann_path.stem, text_path.read_text("utf-8"), ann_path.read_text("utf-8")))
    return out


def word_tags(
    words: list[tuple[int, int]], spans: dict[str, list[tuple[int, int]]], offset: int = 0
) -> np.ndarray:
    """The BIO tag index (`QUOTE_TAGS`) of each word: the role of the fragment holding the word's first
    character, B- on the fragment's first word."""
    tags = np.zeros(len(words), dtype=np.int64)
    prev: tuple[str, tuple[int, int]] | None = None
    for k, (ws, _) in enumerate(words):
        at = offset + ws
        hit = None
        for role in QUOTE_ROLES:
            for f in spans[role]:
                if f[0] <= at < f[1]:
                    hit = (role, f)
                    break
            if hit:
                break
        if hit is not None:
            tags[k] = QUOTE_TAGS.index(("I-" if prev == hit else "B-") + hit[0])
        prev = hit
    return tags


def tag_examples(tokenizer: Any, articles: list[AnnotatedArticle]) -> list[Example]:
    """One example per encoder window of every paragraph, with a BIO tag per word."""
    out = []
    paras = [(a, lo, hi) for a in articles for lo, hi in a.paragraphs()]
    toks = tokenize(tokenizer, [a.text[lo:hi] for a, lo, hi in paras])
    spans = {a.id: {r: a.role_spans(r) for r in QUOTE_ROLES} for a in articles}
    for (art, lo, _hi), t in zip(paras, toks, strict=True):
        if len(t) == 0:
            continue
        for w, (a, b) in enumerate(windows(len(t))):
            ws, we = lo + int(t.offsets[a, 0]), lo + int(t.offsets[b - 1, 1])
            text = art.text[ws:we]
            words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
            tags = word_tags(words, spans[art.id], ws)
            out.append(
                Example(text, "polnear", word_spans=words, id=f"{art.id}-{lo}-{w}", labels={TAGS_HEAD: tags})
            )
    return out
