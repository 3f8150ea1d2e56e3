"""Decoding bytes and refusing what is not text."""

from __future__ import annotations

import random

import pytest

from unspun.errors import BinaryInputError, EmptyInputError, EncodingError, InputTooLargeError
from unspun.options import Options
from unspun.readers import extract, source_from_bytes, source_from_string
from unspun.readers.decode import check_text, decode_bytes, sniff_format

OPTS = Options()
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))


@pytest.mark.parametrize("text", ["", "   \n\t\n  "])
def test_empty_and_whitespace_refused(text: str) -> None:
    with pytest.raises(EmptyInputError, match="empty|whitespace"):
        source_from_string(text)
    with pytest.raises(EmptyInputError):
        decode_bytes(text.encode(), name="x", options=OPTS)


def test_png_refused_by_name() -> None:
    with pytest.raises(BinaryInputError, match="PNG image"):
        decode_bytes(PNG, name="pic", options=OPTS)


@pytest.mark.parametrize(
    "data,kind", [(b"%PDF-1.7\n...", "PDF"), (b"PK\x03\x04rest", "ZIP"), (b"\x1f\x8b\x08\x00", "gzip")]
)
def test_other_binary_formats_named(data: bytes, kind: str) -> None:
    with pytest.raises(BinaryInputError, match=kind):
        decode_bytes(data, name="f", options=OPTS)


def test_nul_bytes_refused_when_they_are_many() -> None:
    with pytest.raises(BinaryInputError, match="NUL"):
        decode_bytes(b"hello\x00world\x00" * 20, name="f", options=OPTS)


def test_a_few_nul_bytes_are_replaced_not_refused() -> None:
    source = source_from_bytes(b"hello\x00world, a page with one stray byte." * 3, name="f")
    assert "\x00" not in source.content and source.content.count("\ufffd") == 3
    assert any("3 control character(s) replaced by U+FFFD" in w for w in source.warnings)


def test_control_char_soup_refused() -> None:
    with pytest.raises(BinaryInputError, match="control characters"):
        check_text("ab\x01\x02\x03\x04" * 50, name="f", options=OPTS)


def test_utf8_and_bom() -> None:
    assert decode_bytes("Café crème".encode(), name="f", options=OPTS) == ("Café crème", "utf-8")
    assert decode_bytes(b"\xef\xbb\xbfHi there", name="f", options=OPTS) == ("Hi there", "utf-8")
    text, enc = decode_bytes("\ufeffGrüße aus Köln".encode("utf-16-le"), name="f", options=OPTS)
    assert (text, enc) == ("Grüße aus Köln", "utf-16-le")


def test_cp1252_page_decodes_by_meta_charset() -> None:
    html = (
        '<html><head><meta charset="windows-1252"><title>Caf\u00e9 owners \u201cfurious\u201d</title></head>'
        "<body><article><h1>Caf\u00e9 owners \u201cfurious\u201d</h1><p>The caf\u00e9\u2019s owner said the "
        "fee \u2013 \u20ac300 a month \u2013 would close it. " * 8 + "</p></article></body></html>"
    )
    data = html.encode("cp1252")
    source = source_from_bytes(data, name="page.html")
    assert source.metadata["encoding"] == "cp1252"
    assert "\u201cfurious\u201d" in source.content and "\u20ac300" in source.content
    doc = extract(source)
    assert "caf\u00e9\u2019s owner" in doc.text


def test_latin1_text_without_declaration_decodes() -> None:
    text = (
        "Le maire a déclaré mardi que la ville rénoverait l'école élémentaire avant la rentrée. "
        "Les parents d'élèves réclament des garanties écrites. "
    ) * 5
    decoded, encoding = decode_bytes(text.encode("latin-1"), name="f", options=OPTS)
    assert decoded == text
    assert encoding.replace("_", "-") in (
        "cp1252",
        "latin-1",
        "iso8859-1",
        "iso-8859-1",
        "iso8859-15",
        "cp1250",
        "windows-1252",
    )


def test_content_type_charset_is_used() -> None:
    data = "Zürich — Straße".encode("latin-1", "replace")
    text, enc = decode_bytes(
        data + b" news " * 5, name="f", options=OPTS, content_type="text/plain; charset=ISO-8859-1"
    )
    assert enc == "cp1252" and text.startswith("Zürich")


def test_random_bytes_refused_with_reason() -> None:
    rng = random.Random(7)
    noise = bytes(
        rng.randrange(0x80, 0x100) for _ in range(4000)
    )  # no NULs, no ASCII: only encoding can fail
    with pytest.raises((EncodingError, BinaryInputError)) as info:
        decode_bytes(noise, name="noise.bin", options=OPTS)
    assert "noise.bin" in str(info.value)
    with_nuls = bytes(rng.randrange(256) for _ in range(4000))
    with pytest.raises(BinaryInputError):
        decode_bytes(with_nuls, name="noise.bin", options=OPTS)


def test_too_large_refused_with_limit_in_message() -> None:
    small = Options(max_input_bytes=1000)
    with pytest.raises(InputTooLargeError, match="over the limit of"):
        decode_bytes(b"word " * 500, name="big", options=small)
    with pytest.raises(InputTooLargeError):
        source_from_string("word " * 500, options=small)


@pytest.mark.parametrize(
    "text,fmt",
    [
        ("<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        ("  <html lang='en'><p>x</p>", "html"),
        ("<div class='a'><p>One</p><p>Two</p><p>Three</p></div>", "html"),
        ("A post that mentions the <p> tag once is still text.", "text"),
        ("Plain text\n\nwith paragraphs.", "text"),
    ],
)
def test_sniff_format(text: str, fmt: str) -> None:
    assert sniff_format(text) == fmt
