"""JSONL input: one document per line, with a ``text`` or ``html`` field.

Optional fields: ``id``, ``url``, ``title``, ``metadata`` (an object). A line that cannot become a
`Source` becomes an `ErrorRecord` with its reason: never dropped, never a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from unspun.errors import EncodingError, ErrorRecord, UnreadableInputError, UnspunError
from unspun.options import Options
from unspun.readers import HTML, TEXT, Source, source_from_string


def _lines(path_or_lines: str | Path | Iterable[str | bytes]) -> tuple[str, Iterator[str | bytes]]:
    if isinstance(path_or_lines, (str, Path)):
        path = Path(path_or_lines)

        def read() -> Iterator[bytes]:
            with path.open("rb") as handle:
                yield from handle

        return str(path), read()
    return "<jsonl>", iter(path_or_lines)


def parse_record(line: str, *, record_id: str, options: Options) -> Source:
    """The `Source` of one JSONL line; raises `UnspunError` (reason ``malformed`` etc.) when it is not one."""
    from unspun.errors import MalformedInputError

    try:
        obj: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        # some of json's messages end in "at" already ("Invalid control character at")
        what = exc.msg.removesuffix(" at")
        raise MalformedInputError(f"{record_id}: not valid JSON ({what} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise MalformedInputError(f"{record_id}: a JSON {type(obj).__name__} where an object was expected")
    field = "html" if "html" in obj else "text" if "text" in obj else None
    if field is None:
        raise MalformedInputError(
            f"{record_id}: the object has no 'text' or 'html' field "
            f"(fields: {', '.join(sorted(obj)) or 'none'})"
        )
    content = obj[field]
    if not isinstance(content, str):
        raise MalformedInputError(
            f"{record_id}: the '{field}' field is a {type(content).__name__}, not a string"
        )
    rid = obj.get("id")
    rid = str(rid) if rid not in (None, "") else record_id
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise MalformedInputError(f"{record_id}: the 'metadata' field is not an object")
    if obj.get("title") is not None:
        metadata = {**metadata, "title": obj["title"]}
    url = obj.get("url")
    if url is not None and not isinstance(url, str):
        raise MalformedInputError(f"{record_id}: the 'url' field is not a string")
    # refusals name the record as its error record does (file:line); the document keeps the record's own id
    source = source_from_string(content, options=options, id=record_id, url=url, metadata=metadata)
    source.id = rid
    if not options.input_format:
        source.format = HTML if field == "html" else TEXT
    return source


def iter_jsonl(
    path_or_lines: str | Path | Iterable[str | bytes], *, options: Options | None = None
) -> Iterator[Source | ErrorRecord]:
    """One `Source` or `ErrorRecord` per non-blank line of a JSONL file (or an iterable of lines)."""
    options = options or Options()
    name, lines = _lines(path_or_lines)
    try:
        for number, raw in enumerate(lines, start=1):
            record_id = f"{name}:{number}"
            if isinstance(raw, bytes):
                try:
                    raw = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield ErrorRecord(
                        record_id,
                        EncodingError.reason,
                        f"{record_id}: not UTF-8 (byte 0x{raw[exc.start]:02x} "
                        f"at column {exc.start + 1}); JSONL must be UTF-8",
                    )
                    continue
            if not raw.strip():
                continue
            try:
                yield parse_record(raw, record_id=record_id, options=options)
            except UnspunError as exc:
                yield ErrorRecord(record_id, exc.reason, str(exc))
    except OSError as exc:
        yield ErrorRecord(name, UnreadableInputError.reason, f"{name}: cannot read ({exc.strerror or exc})")
