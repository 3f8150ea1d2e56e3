"""Readers turn inputs into `Source`s, and `extract` turns a `Source` into a `Document`.

`read` (DESIGN.md section 3) is everything up to a decoded `Source`: files, stdin, JSONL lines, URLs,
bytes of unknown encoding. `extract` makes the fixed text and its layout blocks: plain text by its
blank-line and marker conventions (`readers.text`), HTML by trafilatura plus our comment-thread parsing
(`readers.html`). Every input record becomes one `Source` or raises an `UnspunError` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from unspun.document import Document
from unspun.errors import MalformedInputError
from unspun.options import Options

TEXT = "text"
HTML = "html"
FORMATS = (TEXT, HTML)


@dataclass(slots=True)
class Source:
    """One input record, decoded: `content` is plain text or HTML, as `format` says."""

    content: str
    format: str
    id: str = ""
    url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    #: what reading decided that a user should know (bad bytes replaced, an encoding guessed, controls
    #: replaced); they become the document's warnings
    warnings: list[str] = field(default_factory=list)


def source_from_string(content: str, *, options: Options | None = None, id: str = "", url: str | None = None,
                       metadata: dict[str, Any] | None = None) -> Source:
    """A `Source` from an already-decoded string; its format is sniffed unless the options force one. Stray
    control characters and lone surrogates are replaced, with a warning (`decode.clean_text`)."""
    from unspun.readers.decode import check_text, clean_text, sniff_format

    options = options or Options()
    if not isinstance(content, str):
        raise MalformedInputError(f"{id or '<input>'}: the input must be text (a str), not "
                                  f"{type(content).__name__}")
    check_text(content, name=id or "<input>", options=options)
    content, warnings = clean_text(content)
    fmt = options.input_format or sniff_format(content)
    return Source(content=content, format=fmt, id=id, url=url, metadata=dict(metadata or {}),
                  warnings=warnings)


def source_from_bytes(data: bytes, *, name: str, options: Options | None = None, id: str = "",
                      url: str | None = None, content_type: str | None = None) -> Source:
    """A `Source` from raw bytes: refuses binary data, detects the encoding, sniffs the format."""
    from unspun.readers.decode import decode_bytes_reported

    options = options or Options()
    text, encoding, warnings = decode_bytes_reported(data, name=name, options=options,
                                                     content_type=content_type)
    source = source_from_string(text, options=options, id=id or name, url=url)
    source.metadata["encoding"] = encoding
    source.warnings[:0] = warnings
    return source


def extract(source: Source, *, options: Options | None = None) -> Document:
    """The document of a source: fixed text, layout blocks, page metadata and language."""
    from unspun.language import detect_document, language_warnings

    options = options or Options()
    if source.format == HTML:
        from unspun.readers.html import extract_html

        doc = extract_html(source)
    else:
        from unspun.readers.text import extract_text

        doc = extract_text(source)
    doc.id = doc.id or source.id
    doc.url = doc.url or source.url
    for key, value in source.metadata.items():
        doc.metadata.setdefault(key, value)
    doc.warnings[:0] = [w for w in source.warnings if w not in doc.warnings]
    if options.language:
        doc.language = options.language
    else:
        report = detect_document(doc.text, doc.blocks)
        doc.language = report.language
        if report.noteworthy:
            doc.metadata["language_detection"] = report.to_dict()
        for warning in language_warnings(report):
            doc.warn(warning)
    return doc
