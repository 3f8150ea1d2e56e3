"""The data model: a fixed text, and stand-off spans in named layers beside it.

A `Document` holds the analysed text once and for all; every stage adds `Span`s (character offsets into
`Document.text`, end exclusive) to named layers. Spans never copy the text: `Document.span_text` derives it.
The JSON rendering (schema id ``unspun/1``) is the one object that every other rendering is made from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_ID = "unspun/1"

# The layer names of the contract (DESIGN.md section 1), in the order renderings list them.
STRUCTURE = "structure"
SENTENCES = "sentences"
ENTITIES = "entities"
OUTLETS = "outlets"
QUOTES = "quotes"
PROPAGANDA = "propaganda"
HATE = "hate"
CLAIMS = "claims"
LAYERS: tuple[str, ...] = (STRUCTURE, SENTENCES, ENTITIES, OUTLETS, QUOTES, PROPAGANDA, HATE, CLAIMS)

# Shared artefacts: what a heavy step leaves in `Document.parses` for the stages after it, declared by stages
# in `needs`/`provides` apart from layers; never serialised, and dropped when a document leaves the pipeline.
#: the shared encoder's states per structure span (`stages.encode.EncodeOutput`)
ENCODE = "encode"

# Labels of the structure layer.
TITLE = "title"
EDITORIAL = "editorial"
QUOTED = "quoted"
COMMENT = "comment"


@dataclass(slots=True)
class Span:
    """One annotation: `text[start:end]` carries `label`, written by `stage`."""

    start: int
    end: int
    label: str
    score: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    stage: str = ""

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end

    def contains(self, start: int, end: int) -> bool:
        return self.start <= start and end <= self.end


@dataclass(slots=True)
class Block:
    """A unit of page layout found by the extractor: the structure stage's input.

    `kind` is one of ``title``, ``paragraph``, ``blockquote`` (a paragraph inside a quotation element),
    ``comment``. `attrs` carries what the markup told (``cite`` URL, comment author, time, depth, parent).
    Blocks are not part of the JSON contract: the structure layer is their public, labelled form.
    """

    start: int
    end: int
    kind: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Document:
    """A page: its fixed text, its metadata, and the layers of spans over the text."""

    text: str
    id: str = ""
    url: str | None = None
    title: str | None = None
    site: str | None = None
    published: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    layers: dict[str, list[Span]] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Results of heavy parsers shared between stages (the spaCy parses, the shared encoder's output),
    # so no stage parses or encodes the text twice. Never serialised; the pipeline clears them when it is
    # done with the document (they are most of its memory: megabytes for a page).
    parses: dict[str, Any] = field(default_factory=dict, repr=False)

    def layer(self, name: str) -> list[Span]:
        """The spans of layer `name`, created empty on first use."""
        return self.layers.setdefault(name, [])

    def add(self, layer: str, span: Span) -> Span:
        if not 0 <= span.start <= span.end <= len(self.text):
            raise ValueError(
                f"span [{span.start}, {span.end}) of layer {layer!r} lies outside the text "
                f"(0..{len(self.text)})"
            )
        self.layer(layer).append(span)
        return span

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- JSON --------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        from unspun import __version__

        return {
            "schema": SCHEMA_ID,
            "version": __version__,
            "document": {
                "id": self.id,
                "url": self.url,
                "title": self.title,
                "site": self.site,
                "published": self.published,
                "language": self.language,
                "text": self.text,
                "metadata": self.metadata,
            },
            "layers": {
                name: [
                    {
                        "start": s.start,
                        "end": s.end,
                        "text": self.text[s.start : s.end],
                        "label": s.label,
                        "score": s.score,
                        "attrs": s.attrs,
                        "stage": s.stage,
                    }
                    for s in sorted(spans, key=lambda s: (s.start, -s.end))
                ]
                for name, spans in self._ordered_layers()
            },
            "summary": self.summary,
            "warnings": list(self.warnings),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def _ordered_layers(self) -> list[tuple[str, list[Span]]]:
        known = [(n, self.layers[n]) for n in LAYERS if n in self.layers]
        extra = [(n, s) for n, s in self.layers.items() if n not in LAYERS]
        return known + extra

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        if data.get("schema") != SCHEMA_ID:
            raise ValueError(f"not an {SCHEMA_ID} document (schema={data.get('schema')!r})")
        d = data["document"]
        doc = cls(
            text=d["text"],
            id=d.get("id") or "",
            url=d.get("url"),
            title=d.get("title"),
            site=d.get("site"),
            published=d.get("published"),
            language=d.get("language"),
            metadata=dict(d.get("metadata") or {}),
            summary=dict(data.get("summary") or {}),
            warnings=list(data.get("warnings") or []),
        )
        for name, spans in data.get("layers", {}).items():
            for s in spans:
                span = Span(s["start"], s["end"], s["label"], s.get("score"), dict(s.get("attrs") or {}),
                            s.get("stage", ""))
                if doc.text[span.start : span.end] != s.get("text", doc.text[span.start : span.end]):
                    raise ValueError(
                        f"span text of layer {name!r} at {span.start} does not match the document text"
                    )
                doc.add(name, span)
        return doc

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls.from_dict(json.loads(text))


@cache
def json_schema() -> dict[str, Any]:
    """The shipped JSON Schema of the ``unspun/1`` output."""
    return json.loads(resources.files("unspun.schema").joinpath("unspun-1.schema.json").read_text("utf-8"))


def validate(data: dict[str, Any]) -> None:
    """Raise `jsonschema.ValidationError` when `data` does not follow the shipped schema."""
    import jsonschema

    jsonschema.validate(data, json_schema())
