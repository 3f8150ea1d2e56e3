"""Files, directories, globs and stdin to `Source` records: one (or an `ErrorRecord`) per input record.

A directory is read recursively (``.txt``, ``.html``, ``.htm``, ``.xhtml``, ``.jsonl``, ``.warc``,
``.warc.gz``; sorted, so runs are reproducible); a JSONL file gives one record per line, a WARC file one per
page; ``-`` is the bytes of stdin; an ``http(s)://`` argument is fetched (the user asked for it by naming it).
"""

from __future__ import annotations

import glob
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from unspun.errors import ErrorRecord, InputTooLargeError, UnreadableInputError, UnspunError
from unspun.options import Options
from unspun.readers import HTML, TEXT, Source, source_from_bytes
from unspun.readers.jsonl import iter_jsonl
from unspun.readers.warc import is_warc, iter_warc

__all__ = ["iter_sources", "read_path", "read_limited", "DIRECTORY_SUFFIXES"]

#: the files a directory walk picks up
DIRECTORY_SUFFIXES = (".txt", ".html", ".htm", ".xhtml", ".jsonl")
_FORMAT_BY_SUFFIX = {".txt": TEXT, ".text": TEXT, ".md": TEXT, ".html": HTML, ".htm": HTML, ".xhtml": HTML}
_GLOB_CHARS = set("*?[")


def read_limited(stream: BinaryIO, *, name: str, options: Options) -> bytes:
    """At most `options.max_input_bytes` bytes of `stream`; InputTooLargeError as soon as there are more.

    The size is never trusted before reading (``/dev/zero`` and pipes report 0 bytes): one byte over the
    limit is read, then reading stops."""
    data = stream.read(options.max_input_bytes + 1)
    if len(data) > options.max_input_bytes:
        raise InputTooLargeError(
            f"{name}: input is over the limit of {options.max_input_bytes / 1e6:.1f} MB; reading stopped "
            f"there (raise max_input_bytes in a --config file to analyse it)"
        )
    return bytes(data)


def read_path(path: str | Path, *, options: Options | None = None) -> Source:
    """The `Source` of one text or HTML file (its suffix, if known, says which; else the content does)."""
    options = options or Options()
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > options.max_input_bytes:
            raise InputTooLargeError(
                f"{path}: file is {size / 1e6:.1f} MB, over the limit of "
                f"{options.max_input_bytes / 1e6:.1f} MB (raise max_input_bytes in a --config file to "
                f"analyse it)"
            )
        with path.open("rb") as stream:
            data = read_limited(stream, name=str(path), options=options)
    except FileNotFoundError as exc:
        raise UnreadableInputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UnreadableInputError(
            f"{path}: is a directory; pass it to iter_sources to read its files"
        ) from exc
    except OSError as exc:
        raise UnreadableInputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    source = source_from_bytes(data, name=str(path), options=options, id=str(path))
    if not options.input_format and path.suffix.lower() in _FORMAT_BY_SUFFIX:
        source.format = _FORMAT_BY_SUFFIX[path.suffix.lower()]
    source.metadata["path"] = str(path)
    return source


def _read_one(path: Path, options: Options) -> Iterator[Source | ErrorRecord]:
    if path.suffix.lower() == ".jsonl":
        yield from iter_jsonl(path, options=options)
        return
    if is_warc(path):
        yield from iter_warc(path, options=options)
        return
    try:
        yield read_path(path, options=options)
    except UnspunError as exc:
        yield ErrorRecord(str(path), exc.reason, str(exc))


def _walk(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*")
                  if p.is_file() and (p.suffix.lower() in DIRECTORY_SUFFIXES or is_warc(p)))


def _stdin(options: Options) -> Iterator[Source | ErrorRecord]:
    try:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # started with stdin closed (`unspun analyze - <&-`)
            raise UnreadableInputError("<stdin>: standard input is closed; nothing to read")
        try:
            data = read_limited(stream, name="<stdin>", options=options)
        except (OSError, ValueError) as exc:  # a closed or unreadable descriptor
            raise UnreadableInputError(f"<stdin>: cannot read standard input ({exc})") from exc
        yield source_from_bytes(data, name="<stdin>", options=options, id="<stdin>")
    except UnspunError as exc:
        yield ErrorRecord("<stdin>", exc.reason, str(exc))


def iter_sources(inputs: list[str], *, options: Options | None = None) -> Iterator[Source | ErrorRecord]:
    """Every input record named by `inputs` (files, directories, globs, ``-``, URLs), in order."""
    options = options or Options()
    for item in inputs:
        if item == "-":
            yield from _stdin(options)
        elif item.lower().startswith(("http://", "https://")):
            from unspun.readers.url import fetch_url

            try:
                yield fetch_url(item, options=options)
            except UnspunError as exc:
                yield ErrorRecord(item, exc.reason, str(exc))
        elif Path(item).is_dir():
            files = _walk(Path(item))
            if not files:
                yield ErrorRecord(
                    item,
                    UnreadableInputError.reason,
                    f"{item}: directory holds no {', '.join(DIRECTORY_SUFFIXES)}, .warc(.gz) files",
                )
            for path in files:
                yield from _read_one(path, options)
        elif Path(item).exists():
            yield from _read_one(Path(item), options)
        elif _GLOB_CHARS & set(item):
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file())
            if not matches:
                yield ErrorRecord(item, UnreadableInputError.reason, f"{item}: no files match this pattern")
            for path in matches:
                yield from _read_one(path, options)
        else:
            yield ErrorRecord(item, UnreadableInputError.reason, f"{item}: no such file or directory")
