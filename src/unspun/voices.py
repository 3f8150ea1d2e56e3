"""Whose voice a span is in: the page's author, a quoted source, or a commenter.

Voices are strings so they can be grouped and rendered: ``author``, ``quoted:<who>`` (a quoted outlet or
speaker), ``commenter:<index>``. They are derived from the structure and quotes layers, never stored twice.
"""

from __future__ import annotations

from typing import Any

from unspun.document import COMMENT, QUOTED, QUOTES, STRUCTURE, Document, Span

AUTHOR = "author"


def commenter(index: int) -> str:
    return f"commenter:{index}"


def quoted(who: str | None) -> str:
    return f"quoted:{who}" if who else "quoted:unknown"


def structure_voice(span: Span) -> str:
    """The voice of a structure span on its own: author, the quoted outlet, or the commenter."""
    if span.label == COMMENT:
        return commenter(int(span.attrs.get("index", 0)))
    if span.label == QUOTED:
        return quoted(span.attrs.get("outlet"))
    return AUTHOR


def enclosing_structure(doc: Document, start: int, end: int) -> Span | None:
    """The structure span that holds `text[start:end]` (or that it starts in, if it runs past its end)."""
    for span in doc.layers.get(STRUCTURE, []):
        if span.contains(start, end) or span.overlaps(start, end) and span.start <= start:
            return span
    return None


def quote_speaker(quote: Span) -> Any:
    """Who a quotes-layer span reports: the antecedent a pronoun speaker was resolved to, else the speaker
    as written ({start, end, text}); None when the quote names no one."""
    return quote.attrs.get("speaker_resolved") or quote.attrs.get("speaker")


def voice_at(doc: Document, start: int, end: int) -> str:
    """The innermost voice of `text[start:end]`: a quoted speaker's words inside an article are theirs,
    a comment is its commenter's, a republished passage is its outlet's, the rest is the author's."""
    for quote in doc.layers.get(QUOTES, []):
        if quote.label in ("direct", "mixed") and quote.contains(start, end):
            speaker = quote_speaker(quote)
            if speaker:
                return quoted(speaker.get("text"))
    segment = enclosing_structure(doc, start, end)
    return structure_voice(segment) if segment is not None else AUTHOR
