"""JSONL records, files, directories, globs and stdin: one Source or one ErrorRecord per record."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from unspun.errors import ErrorRecord
from unspun.options import Options
from unspun.readers import Source
from unspun.readers.files import iter_sources, read_path
from unspun.readers.jsonl import iter_jsonl

PNG = b"\x89PNG\r\n\x1a\n" + bytes(100)


def test_jsonl_good_and_malformed_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "text": "We think the council is wrong about this, frankly.",
                "url": "https://x.example/a",
                "metadata": {"lang": "en"},
                "title": "T",
            }
        ),
        json.dumps(
            {"html": "<html><body><article><p>A paragraph of news text, the mayor said.</p></article></body>"}
        ),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"body": "no text field"}),
        json.dumps({"text": 42}),
        json.dumps({"text": "   "}),
        "",
        json.dumps({"text": "fine again", "metadata": "not an object"}),
    ]
    path = tmp_path / "in.jsonl"
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "caf\xe9"}\n')
    records = list(iter_jsonl(path, options=Options()))
    assert len(records) == 9  # the blank line is not a record
    first, second = records[0], records[1]
    assert isinstance(first, Source) and first.id == "a" and first.format == "text"
    assert first.url == "https://x.example/a" and first.metadata == {"lang": "en", "title": "T"}
    assert isinstance(second, Source) and second.format == "html" and second.id == f"{path}:2"
    errors = records[2:]
    assert all(isinstance(e, ErrorRecord) for e in errors)
    assert [e.reason for e in errors] == [
        "malformed",
        "malformed",
        "malformed",
        "malformed",
        "empty",
        "malformed",
        "encoding",
    ]
    assert errors[0].id == f"{path}:3" and "not valid JSON" in errors[0].message
    assert "no 'text' or 'html' field" in errors[2].message
    assert errors[6].id == f"{path}:10"


def test_jsonl_from_lines() -> None:
    out = list(iter_jsonl(['{"text": "one two three"}', "[1"], options=Options()))
    assert isinstance(out[0], Source) and isinstance(out[1], ErrorRecord)


def test_iter_sources_directory_glob_and_missing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("A plain post, written by me.", "utf-8")
    (tmp_path / "sub" / "b.html").write_text("<html><body><p>Hello, I said.</p></body></html>", "utf-8")
    (tmp_path / "sub" / "c.jsonl").write_text('{"text": "x y z"}\n{"oops"\n', "utf-8")
    (tmp_path / "sub" / "skip.png").write_bytes(PNG)
    (tmp_path / "bad.txt").write_bytes(PNG)
    records = list(iter_sources([str(tmp_path)], options=Options()))
    ids = [r.id for r in records]
    jsonl = tmp_path / "sub" / "c.jsonl"
    assert ids == [
        str(tmp_path / "a.txt"),
        str(tmp_path / "bad.txt"),
        str(tmp_path / "sub" / "b.html"),
        f"{jsonl}:1",
        f"{jsonl}:2",
    ]
    assert [type(r).__name__ for r in records] == ["Source", "ErrorRecord", "Source", "Source", "ErrorRecord"]
    assert records[1].reason == "binary" and "PNG" in records[1].message
    assert records[2].format == "html" and records[0].format == "text"
    globbed = list(iter_sources([str(tmp_path / "**" / "*.html")], options=Options()))
    assert [r.id for r in globbed] == [str(tmp_path / "sub" / "b.html")]
    missing = list(iter_sources([str(tmp_path / "nope.txt"), str(tmp_path / "*.xyz")], options=Options()))
    assert [(m.reason, "no such file" in m.message or "no files match" in m.message) for m in missing] == [
        ("unreadable", True),
        ("unreadable", True),
    ]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Grüße from stdin, I say.".encode())))
    (record,) = iter_sources(["-"], options=Options())
    assert (
        isinstance(record, Source) and record.content == "Grüße from stdin, I say." and record.id == "<stdin>"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    (error,) = iter_sources(["-"], options=Options())
    assert isinstance(error, ErrorRecord) and error.reason == "empty"


def test_read_path_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, "utf-8")
    from unspun.errors import InputTooLargeError

    with pytest.raises(InputTooLargeError, match="over the limit"):
        read_path(path, options=Options(max_input_bytes=1000))
