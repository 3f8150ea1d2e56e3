"""Huge documents through the heavy stages in parts: bounded memory, time linear in the size of the page.

spaCy's parse (about 170 MB per MB of text) and the encoder's states (about 400 MB per MB) are held for a
whole document while its stages run: a 7 MB page took 7 GB. A document longer than `PART_CHARS` therefore
goes through the *part-wise* stages (`Stage.part_wise`: the ones that parse or encode) one part at a time —
a stretch of consecutive segments of about `PART_CHARS` characters, a segment longer than that cut at a line
break or a space — each part a small `Document` of its own whose parses are dropped as soon as its stages are
done; its spans are moved back into the document (`Stage.moved`). The stages that read the whole page
(structure, outlets, summary) run on the whole document between the groups of part-wise stages.

What a part cannot see: a sentence never crosses a part boundary (it never crosses a segment boundary
anyway, so only a segment longer than `PART_CHARS` is affected), and entity clusters (IS / ISIS) and
acronyms defined in parentheses are formed within a part: a later part does not know an acronym defined in
an earlier one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unspun.document import STRUCTURE, Block, Document, Span

if TYPE_CHECKING:
    from unspun.pipeline import Stage

#: documents longer than this run the part-wise stages in parts of about this many characters (a part's
#: spaCy parse and encoder states take ~120 MB)
PART_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class Part:
    """A stretch [start, end) of a document's text; `first_segment` is the index (in the structure layer
    sorted by start) of the first segment it holds, and `index` its position among the parts."""

    index: int
    start: int
    end: int
    first_segment: int


def _segments(doc: Document) -> list[tuple[int, int]]:
    spans = doc.layers.get(STRUCTURE)
    if spans:
        return [(s.start, s.end) for s in sorted(spans, key=lambda s: (s.start, -s.end))]
    if doc.blocks:
        return [(b.start, b.end) for b in sorted(doc.blocks, key=lambda b: b.start)]
    return [(0, len(doc.text))]


def _cut(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """[start, end) in pieces of at most `limit` characters, cut at a line break, else a space."""
    pieces = []
    while end - start > limit:
        cut = text.rfind("\n", start + limit // 2, start + limit)
        if cut < 0:
            cut = text.rfind(" ", start + limit // 2, start + limit)
        if cut < 0:
            cut = start + limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def cut_parts(doc: Document, limit: int = PART_CHARS) -> list[Part]:
    """The parts of `doc`: consecutive segments up to `limit` characters, long segments cut in pieces."""
    parts: list[Part] = []
    current: list[int] | None = None  # [start, end, first segment]

    def flush() -> None:
        nonlocal current
        if current is not None:
            parts.append(Part(len(parts), current[0], current[1], current[2]))
            current = None

    for i, (start, end) in enumerate(_segments(doc)):
        if end - start > limit:
            flush()
            for a, b in _cut(doc.text, start, end, limit):
                parts.append(Part(len(parts), a, b, i))
        elif current is not None and end - current[0] > limit:
            flush()
            current = [start, end, i]
        elif current is None:
            current = [start, end, i]
        else:
            current[1] = end
    flush()
    return parts


def _clip(span: Span, part: Part) -> Span | None:
    start, end = max(span.start, part.start), min(span.end, part.end)
    if start > end or (start == end and span.start != span.end):
        return None
    return Span(start - part.start, end - part.start, span.label, span.score, span.attrs, span.stage)


def part_document(doc: Document, part: Part) -> Document:
    """A document of the part's text alone, with the blocks and spans that lie in it (clipped, shifted)."""
    sub = Document(text=doc.text[part.start : part.end], id=doc.id, url=doc.url, title=doc.title,
                   site=doc.site, published=doc.published, language=doc.language, metadata=doc.metadata)
    sub.blocks = [Block(max(b.start, part.start) - part.start, min(b.end, part.end) - part.start, b.kind,
                        b.attrs) for b in doc.blocks if b.start < part.end and part.start < b.end]
    for name, spans in doc.layers.items():
        sub.layers[name] = [s for s in (_clip(span, part) for span in spans) if s is not None]
    return sub


def merge_part(doc: Document, sub: Document, part: Part, stages: list[Stage[Any]]) -> None:
    """Move the spans the part's stages wrote back into `doc` (each stage says how: `Stage.moved`), with
    their warnings and summary entries."""
    for stage in stages:
        for layer in stage.assigns:
            target = doc.layer(layer)
            target.extend(stage.moved(span, part) for span in sub.layers.get(layer, []))
    for warning in sub.warnings:
        doc.warn(warning)
    for key, value in sub.summary.items():
        if isinstance(value, dict) and isinstance(doc.summary.get(key), dict):
            doc.summary[key].update(value)
        else:
            doc.summary[key] = value


#: told (parts done, parts in all) after each part: the CLI's progress bar on a terminal
Progress = Callable[[int, int], None]


def run_in_parts(doc: Document, stages: list[Stage[Any]], limit: int | None = None,
                 progress: Progress | None = None) -> None:
    """Run `stages` over `doc`: the whole-document ones on it, each run of part-wise ones part by part
    (parts of `limit` characters, by default `PART_CHARS`)."""
    limit = limit or PART_CHARS
    groups = sum(1 for k, s in enumerate(stages) if s.part_wise and (k == 0 or not stages[k - 1].part_wise))
    total, done = groups * len(cut_parts(doc, limit)), 0
    k = 0
    while k < len(stages):
        if not stages[k].part_wise:
            stages[k](doc)
            k += 1
            continue
        group = []
        while k < len(stages) and stages[k].part_wise:
            group.append(stages[k])
            k += 1
        for part in cut_parts(doc, limit):
            sub = part_document(doc, part)
            try:
                for stage in group:
                    stage(sub)
                merge_part(doc, sub, part, group)
            finally:
                sub.parses.clear()
            done += 1
            if progress is not None:
                progress(done, max(total, done))
