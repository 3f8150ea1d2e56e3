"""WARC and WARC.gz archives (fastwarc): one `Source` per HTTP response record that holds a page.

Only `response` records are pages; other record types (warcinfo, request, metadata) are not input records
and are passed over. A response whose payload is not text or HTML (an image, a PDF, a redirect with no body)
becomes an `ErrorRecord` with its reason, so a crawl's every page is accounted for. A damaged archive ends in
one `ErrorRecord` for the rest of the file, after the records read before the damage.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from unspun.errors import ErrorRecord, MalformedInputError, UnreadableInputError, UnspunError
from unspun.options import Options
from unspun.readers import Source, source_from_bytes

WARC_SUFFIXES = (".warc", ".warc.gz")
# Payload types that hold a page; everything else in a crawl (images, scripts, PDFs) is refused by name.
PAGE_CONTENT_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def is_warc(path: Path) -> bool:
    return path.name.lower().endswith(WARC_SUFFIXES)


def iter_warc(path: str | Path, *, options: Options | None = None) -> Iterator[Source | ErrorRecord]:
    """The pages of a WARC file, in archive order, each a `Source` or an `ErrorRecord`."""
    from fastwarc import ArchiveIterator, WarcRecordType

    options = options or Options()
    path = Path(path)
    try:
        stream = path.open("rb")
    except OSError as exc:
        reason = f"{path}: cannot read ({exc.strerror or exc})"
        yield ErrorRecord(str(path), UnreadableInputError.reason, reason)
        return
    seen = 0
    with stream:
        records = ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True,
                                  fsspec_args=False)
        try:
            for record in records:
                seen += 1
                record_id = f"{path}#{record.record_id or seen}"
                try:
                    yield _page(record, record_id, options)
                except UnspunError as exc:
                    yield ErrorRecord(record_id, exc.reason, str(exc))
        except Exception as exc:  # fastwarc raises its own parse errors on a damaged archive
            yield ErrorRecord(str(path), MalformedInputError.reason,
                            f"{path}: damaged WARC archive after {seen} response records ({exc})")
            return
    if seen == 0:
        yield ErrorRecord(str(path), MalformedInputError.reason,
                        f"{path}: no WARC response records found (is it a WARC file?)")


def _page(record: object, record_id: str, options: Options) -> Source:
    url = record.headers.get("WARC-Target-URI")  # type: ignore[attr-defined]
    content_type = (record.http_content_type or "").lower()  # type: ignore[attr-defined]
    if content_type and not content_type.startswith(PAGE_CONTENT_TYPES):
        raise MalformedInputError(f"{record_id}: the response is {content_type}, not a page (text or HTML)")
    payload: bytes = record.reader.read()  # type: ignore[attr-defined]
    http_headers = record.http_headers  # type: ignore[attr-defined]
    announced = (http_headers.get("Content-Length") or "").strip() if http_headers is not None else ""
    truncated = announced.isdigit() and len(payload) < int(announced)
    if truncated and not payload.strip():
        raise MalformedInputError(f"{record_id}: the record is truncated: its body is missing (the HTTP "
                                  f"header announces {int(announced):,} bytes)")
    charset = record.http_charset  # type: ignore[attr-defined]
    declared = f"{content_type}; charset={charset}" if charset else content_type or None
    source = source_from_bytes(payload, name=record_id, options=options, id=record_id, url=url,
                               content_type=declared)
    if truncated:
        source.warnings.append(f"the record is truncated: {len(payload):,} of the {int(announced):,} bytes "
                               f"its HTTP header announces; the part that is there was analysed")
    if url:
        source.metadata["url"] = url
    date = record.headers.get("WARC-Date")  # type: ignore[attr-defined]
    if date:
        source.metadata["crawled"] = date
    return source
