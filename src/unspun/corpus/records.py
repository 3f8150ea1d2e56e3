"""The input records of one shard, each with its location in the input: a `Source` to analyse or an
`ErrorRecord` that says why it cannot be.

Locations are stable across runs (``path`` for a loose file, ``path:line`` for a JSONL line, the WARC
record's ``path#<urn:uuid:…>``), so a resumed run names its records exactly as an uninterrupted one. The
record id is the JSONL ``id`` field where there is one, else the location. A JSONL record's ``site`` field
goes to the document's metadata, where it wins over the site the page names.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from unspun.corpus.plan import FILES, JSONL, JSONL_GZ, WARC, Shard
from unspun.errors import (
    EmptyInputError,
    EncodingError,
    ErrorRecord,
    MalformedInputError,
    UnreadableInputError,
    UnspunError,
)
from unspun.options import Options
from unspun.readers import Source
from unspun.readers.files import read_path
from unspun.readers.jsonl import parse_record
from unspun.readers.warc import iter_warc

#: the metadata key of a record's own site (JSONL ``site``): the corpus tables prefer it to the page's
SITE_KEY = "site"


class InputRecord(NamedTuple):
    location: str
    item: Source | ErrorRecord


def shard_records(shard: Shard, options: Options) -> Iterator[InputRecord]:
    """Every input record of `shard`, in input order."""
    if shard.kind == FILES:
        for path in shard.paths:
            yield InputRecord(path, _loose_file(path, options))
    elif shard.kind == JSONL:
        yield from _jsonl_range(Path(shard.paths[0]), shard, options)
    elif shard.kind == JSONL_GZ:
        yield from _jsonl_gz(Path(shard.paths[0]), options)
    elif shard.kind == WARC:
        yield from _warc(Path(shard.paths[0]), options)
    else:  # pragma: no cover - plans are made by make_plan
        raise ValueError(f"unknown shard kind {shard.kind!r}")


def _warc(path: Path, options: Options) -> Iterator[InputRecord]:
    """The pages of a WARC file. A WARC.gz cut short (a crawl killed mid-write, a partial download) reads
    without complaint up to the cut, so its gzip stream is checked at the end: if it is damaged, the last
    page read may be cut short too and becomes an error record, and one more error record says that the
    archive's records after the damage are lost."""
    held: Source | ErrorRecord | None = None
    for item in iter_warc(path, options=options):
        if held is not None:
            yield InputRecord(held.id, held)
        held = item
    damage = gzip_damage(path) if path.name.lower().endswith(".gz") else None
    if damage is None:
        if held is not None:
            yield InputRecord(held.id, held)
        return
    if isinstance(held, Source):
        held = ErrorRecord(held.id, MalformedInputError.reason,
                           f"{held.id}: the record may be cut short: the archive is damaged after it "
                           f"({damage})")
    if held is not None:
        yield InputRecord(held.id, held)
    yield InputRecord(f"{path}#damaged", ErrorRecord(
        str(path), MalformedInputError.reason, f"{path}: damaged gzip data ({damage}); records after the "
                                               f"damage are lost"))


def gzip_damage(path: Path) -> str | None:
    """Why the (multi-member) gzip file at `path` is damaged — cut short, or bytes that are not gzip — or
    None when every member is whole. Decompresses the file once, keeping nothing."""
    decompressor = zlib.decompressobj(wbits=31)
    in_member = False
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                data = chunk
                while data:
                    in_member = True
                    decompressor.decompress(data)
                    if not decompressor.eof:
                        break
                    data = decompressor.unused_data
                    decompressor = zlib.decompressobj(wbits=31)
                    in_member = False
    except zlib.error as exc:
        return f"not gzip data: {exc}"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return "the file is cut short" if in_member else None


def _loose_file(path: str, options: Options) -> Source | ErrorRecord:
    try:
        return read_path(path, options=options)
    except UnspunError as exc:
        return ErrorRecord(path, exc.reason, str(exc))


def jsonl_item(raw: bytes, location: str, options: Options) -> Source | ErrorRecord | None:
    """The record of one JSONL line (None for a blank line)."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ErrorRecord(location, EncodingError.reason,
                           f"{location}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                           f"JSONL must be UTF-8")
    if not line.strip():
        return None
    try:
        source = parse_record(line, record_id=location, options=options)
    except UnspunError as exc:
        return ErrorRecord(location, exc.reason, str(exc))
    if '"site"' in line:
        site = json.loads(line).get(SITE_KEY)
        if isinstance(site, str) and site.strip():
            source.metadata[SITE_KEY] = site.strip()
    return source


def _numbered(path: Path, lines: Iterable[bytes], first_line: int, options: Options,
              whole_file: bool) -> Iterator[InputRecord]:
    count = 0
    for number, raw in enumerate(lines, start=first_line):
        location = f"{path}:{number}"
        item = jsonl_item(raw, location, options)
        if item is not None:
            count += 1
            yield InputRecord(location, item)
    if whole_file and count == 0:
        yield InputRecord(str(path), ErrorRecord(str(path), EmptyInputError.reason,
                                                 f"{path}: the JSONL file holds no records"))


def _jsonl_range(path: Path, shard: Shard, options: Options) -> Iterator[InputRecord]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield InputRecord(str(path), ErrorRecord(str(path), UnreadableInputError.reason,
                                                 f"{path}: cannot read ({exc.strerror or exc})"))
        return
    with handle:
        handle.seek(shard.start)
        end = shard.end if shard.end is not None else float("inf")

        def lines() -> Iterator[bytes]:
            offset = shard.start
            while offset < end:
                raw = handle.readline()
                if not raw:
                    return
                offset += len(raw)
                yield raw

        yield from _numbered(path, lines(), shard.first_line, options, whole_file=shard.start == 0
                             and shard.end == path.stat().st_size)


def _jsonl_gz(path: Path, options: Options) -> Iterator[InputRecord]:
    read = 0

    def lines() -> Iterator[bytes]:
        nonlocal read
        with gzip.open(path, "rb") as handle:
            for raw in handle:
                read += 1
                yield raw

    try:
        yield from _numbered(path, lines(), 1, options, whole_file=True)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        yield InputRecord(f"{path}#damaged", ErrorRecord(
            str(path), MalformedInputError.reason,
            f"{path}: damaged gzip data after {read} lines ({exc})"))
