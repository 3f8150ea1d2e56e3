"""Hostile input, part 2 (issue 10): nothing on the page is hidden from the analysis (deep nesting, control
characters, stray bytes, a misleading charset), and what was decided is said in a warning."""

from __future__ import annotations

import re

import pytest
from testpaths import FAST_STAGES

from unspun.document import Document
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.readers import extract, source_from_bytes, source_from_string
from unspun.readers.nesting import MAX_DEPTH, limit_nesting

PARAGRAPHS = [
    "The port authority confirmed on Tuesday that the consortium will keep the disputed fees.",
    "Dock workers said the decision was taken without consulting the union representatives.",
    "A spokesperson for the consortium declined to comment on the figures published last week.",
    "Those people are vermin and should be thrown out of the country with the rest of the trash.",
]


def analyse(page: str | bytes) -> Document:
    return Pipeline(FAST_STAGES).analyze(page)


def visible_words(paragraphs: list[str]) -> list[str]:
    return " ".join(paragraphs).split()


def analysed_words(doc: Document) -> list[str]:
    return doc.text.split()


def deep_page(depth: int) -> str:
    """The second paragraph buried `depth` <div>s deep, the others before and after it."""
    first, buried, *rest = PARAGRAPHS
    return ("<html><head><title>Port deal</title></head><body><article>"
            f"<p>{first}</p>" + "<div>" * depth + f"<p>{buried}</p>" + "</div>" * depth
            + "".join(f"<p>{p}</p>" for p in rest) + "</article></body></html>")


@pytest.mark.parametrize("depth", [10, 300, 3_000, 20_000])
def test_deep_nesting_hides_nothing(depth: int) -> None:
    doc = analyse(deep_page(depth))
    # the analysed text is the visible text of the page, word for word and in order
    assert analysed_words(doc)[-len(visible_words(PARAGRAPHS)):] == visible_words(PARAGRAPHS)
    unwrapped = [w for w in doc.warnings if "elements deeper than" in w]
    assert bool(unwrapped) == (depth + 3 > MAX_DEPTH)  # html, body, article around the divs


def test_limit_nesting_keeps_every_character_of_text_and_scripts_stay_scripts() -> None:
    html = "<div>" * 400 + "<p>deep <b>words</b></p><script>var hidden = 1;</script>" + "</div>" * 400
    flat = limit_nesting(html, max_depth=100)
    assert flat.depth == 402 and flat.unwrapped == 302  # 300 divs, the p and the b
    assert re.sub(r"<[^>]+>", "", flat.html).split() == ["deep", "words", "var", "hidden", "=", "1;"]
    assert "<script>var hidden = 1;</script>" in flat.html
    assert limit_nesting("<p>shallow</p>").html == "<p>shallow</p>"


@pytest.mark.parametrize("char", ["\x0c", "\x0b", "\x1b", "\x07", "\x00", "\x7f"])
@pytest.mark.parametrize("kind", ["text", "html"])
def test_one_control_character_never_refuses_the_page(char: str, kind: str) -> None:
    paragraphs = [PARAGRAPHS[0] + char + " " + PARAGRAPHS[1], *PARAGRAPHS[2:]]
    markup = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = ("\n\n".join(paragraphs) if kind == "text"
            else f"<html><body><article>{markup}</article></body></html>")
    for given in (page, page.encode("utf-8")):
        doc = analyse(given)
        assert char not in doc.text
        words = [w.replace("\ufffd", "") for w in analysed_words(doc) if w != "\ufffd"]
        assert words == visible_words(PARAGRAPHS)
        assert any("replaced by" in w and "first at character" in w for w in doc.warnings)


def test_escape_sequences_are_replaced_before_anything_reads_them() -> None:
    source = source_from_string("Title\n\nText \x1b]0;pwned\x07 and \x1b[2J more text here for the page.")
    assert "\x1b" not in source.content and "\x07" not in source.content
    assert source.warnings == ["3 control character(s) replaced by U+FFFD (first at character 12)"]


def test_binary_is_still_refused() -> None:
    from unspun.errors import BinaryInputError

    with pytest.raises(BinaryInputError, match="looks like binary data"):
        source_from_bytes(bytes(range(256)) * 50, name="blob")


# -- encodings ------------------------------------------------------------------------------------------

ZURICH = "Zürich café owners say the new fee — €300 a month — will close them. " * 5


def test_one_stray_byte_keeps_utf8_with_a_replacement_and_a_warning() -> None:
    data = ZURICH.encode() + b"Stray \xe9 byte at the end of the page."
    source = source_from_bytes(data, name="page.txt")
    assert source.metadata["encoding"] == "utf-8"
    assert source.content.startswith("Zürich café") and "Stray \ufffd byte" in source.content
    assert source.warnings == ["the input is UTF-8 but for 1 invalid byte sequence(s) (first: byte 0xe9 at "
                               f"offset {len(ZURICH.encode()) + 6:,}), replaced by U+FFFD"]
    doc = extract(source)
    assert doc.warnings[0] == source.warnings[0]


def test_a_page_declaring_utf8_with_a_bad_byte_stays_utf8() -> None:
    html = (f'<html><head><meta charset="utf-8"><title>Zürich</title></head><body><article><p>{ZURICH}'
            '</p><p>One bad \x00BYTE here.</p></article></body></html>')
    data = html.encode().replace(b"\x00BYTE", b"\xff here")
    source = source_from_bytes(data, name="page.html")
    assert source.metadata["encoding"] == "utf-8" and "ZĂź" not in source.content
    assert "(the page declares UTF-8)" in source.warnings[0] or "invalid byte" in source.warnings[0]


def test_a_legacy_page_is_still_decoded_and_the_guess_reported() -> None:
    text = ("Le maire a déclaré mardi que la ville rénoverait l'école élémentaire avant la rentrée. " * 5)
    source = source_from_bytes(text.encode("latin-1"), name="old.txt")
    assert source.content == text
    assert source.warnings and "charset-normalizer's guess" in source.warnings[0]


def test_a_declared_charset_is_trusted() -> None:
    text = "Café owners are “furious” about the fee. " * 4
    source = source_from_bytes(text.encode("cp1252"), name="p",
                               content_type="text/plain; charset=windows-1252")
    assert source.content == text and source.metadata["encoding"] == "cp1252" and not source.warnings


def test_options_limit_is_checked_on_bytes() -> None:
    from unspun.errors import InputTooLargeError

    with pytest.raises(InputTooLargeError, match="over the limit"):
        source_from_bytes(b"x " * 100, name="p", options=Options(max_input_bytes=50))
