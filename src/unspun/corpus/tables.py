"""The rows of the corpus tables, made from the pipeline's results: a rendering of the ``unspun/1`` object.

- ``documents``: one row per analysed record, with summary columns (site, language, size, segments,
  comments) and the full summary, metadata and warnings as JSON;
- ``spans``: one row per span of every layer, with its text, the section it sits in (``article`` or
  ``comments``) and whose voice it is, its attributes as JSON — so a layer added later needs no new column;
- ``errors``: one row per record that could not be analysed, with its reason and input location.

Every table is keyed by the record's ``id`` and carries its ``location`` (unique in the run).
"""

from __future__ import annotations

import json
from typing import Any

from unspun.document import COMMENT, STRUCTURE, Document, Span
from unspun.errors import ErrorRecord
from unspun.gazetteer import url_host
from unspun.stages.summary import ARTICLE, COMMENTS, span_voice
from unspun.voices import enclosing_structure, structure_voice

DOCUMENTS = "documents"
SPANS = "spans"
ERRORS = "errors"
TABLES = (DOCUMENTS, SPANS, ERRORS)


def _schemas() -> dict[str, Any]:
    import pyarrow as pa

    s, i, f = pa.string(), pa.int64(), pa.float64()
    return {
        DOCUMENTS: pa.schema([
            ("id", s), ("location", s), ("url", s), ("site", s), ("title", s), ("published", s),
            ("language", s), ("chars", i), ("segments", i), ("comments", i), ("warnings", i),
            ("text", s), ("summary", s), ("metadata", s),
        ]),
        SPANS: pa.schema([
            ("id", s), ("site", s), ("layer", s), ("start", i), ("end", i), ("label", s), ("score", f),
            ("text", s), ("section", s), ("voice", s), ("attrs", s),
        ]),
        ERRORS: pa.schema([("id", s), ("location", s), ("reason", s), ("message", s)]),
    }


def schema(table: str) -> Any:
    """The pyarrow schema of a table."""
    return _schemas()[table]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def site_of(doc: Document) -> str | None:
    """The record's site: its own ``site`` field (JSONL), else the page's outlet or host."""
    from unspun.corpus.records import SITE_KEY

    site = doc.metadata.get(SITE_KEY)
    if isinstance(site, str) and site:
        return site
    return doc.site or url_host(doc.url or "") or None


def document_row(doc: Document, location: str) -> dict[str, Any]:
    structure = doc.layers.get(STRUCTURE, [])
    return {
        "id": doc.id or location, "location": location, "url": doc.url, "site": site_of(doc),
        "title": doc.title, "published": doc.published, "language": doc.language, "chars": len(doc.text),
        "segments": len(structure), "comments": sum(1 for s in structure if s.label == COMMENT),
        "warnings": len(doc.warnings), "text": doc.text, "summary": _json(doc.summary),
        "metadata": _json(doc.metadata),
    }


def span_rows(doc: Document, location: str) -> list[dict[str, Any]]:
    """One row per span of every layer (the structure layer too: segment sizes and comment threads)."""
    rows = []
    record_id, site = doc.id or location, site_of(doc)
    for layer, spans in doc.layers.items():
        for span in spans:
            container: Span | None = span
            if layer == STRUCTURE:
                voice = structure_voice(span)
            else:
                container = enclosing_structure(doc, span.start, span.end)
                voice = span_voice(doc, layer, span)
            in_comments = container is not None and container.label == COMMENT
            rows.append({
                "id": record_id, "site": site, "layer": layer, "start": span.start, "end": span.end,
                "label": span.label, "score": span.score, "text": doc.span_text(span),
                "section": COMMENTS if in_comments else ARTICLE, "voice": voice, "attrs": _json(span.attrs),
            })
    return rows


def error_row(error: ErrorRecord, location: str) -> dict[str, Any]:
    return {"id": error.id, "location": location, "reason": error.reason, "message": error.message}
