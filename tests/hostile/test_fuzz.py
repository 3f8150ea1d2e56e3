"""Fuzzing the readers and the renderings (issue 10): whatever the bytes, text or markup, the input becomes a
document or an error record with a reason (never a traceback, never an internal error), the analysed text
holds no control character, and every rendering a person reads is inert.

The non-model path only (read, extract, structure, summary), so that over 10,000 cases run in CI in well
under three minutes; each test sets its number of examples and its deadline explicitly, and runs
derandomised (the same cases on every run: a failure in CI reproduces locally).
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testpaths import FAST_STAGES

from unspun.document import Document
from unspun.errors import ErrorRecord, OptionsError, UnspunError
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.readers import extract, source_from_bytes, source_from_string
from unspun.render import render
from unspun.render.inert import is_inert

#: characters an attacker reaches for: C0/C1 controls, DEL, bidi overrides and isolates, a lone surrogate,
#: markup and Markdown punctuation, a BOM, replacement and zero-width characters, and ordinary letters
HOSTILE = ("\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x7f\x80\x85\x9b\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
           "\u2066\u2067\u2068\u2069\ud800\udfff\ufeff\ufffd\u200b\u2028<>&;\"'`*_[]()#|\\/=:"
           "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ éüßñ中文日本語 мир \n\n\t\r 0123456789.,!?")

SETTINGS = {"deadline": None, "derandomize": True, "database": None,
            "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}

def _with_stray_bytes(text: str, junk: bytes) -> bytes:
    """Mostly UTF-8 (lone surrogates encoded as they are) with a few arbitrary bytes in the middle."""
    return text.encode("utf-8", "surrogatepass") + junk + text.encode("utf-8", "ignore")


hostile_text = st.one_of(st.text(max_size=400), st.text(alphabet=HOSTILE, max_size=600))
hostile_bytes = st.one_of(
    st.binary(max_size=600),
    st.builds(_with_stray_bytes, st.text(alphabet=HOSTILE, max_size=300), st.binary(max_size=8)),
    st.builds(lambda text, enc: text.encode(enc, "replace"), st.text(alphabet=HOSTILE, max_size=300),
              st.sampled_from(["utf-8", "utf-16", "utf-16-le", "latin-1", "cp1252", "utf-32", "koi8-r"])),
)

_TAGS = ["p", "div", "span", "b", "article", "blockquote", "li", "ul", "section", "h1", "script", "style",
         "table", "tr", "td", "q", "a", "br", "nav", "header", "footer", "comment", "template"]


@st.composite
def hostile_html(draw: Any) -> str:
    """Markup from a small grammar: random tags, attributes, broken nesting, comments, entities, and
    sometimes nesting deeper than the parser's limit."""

    def fragment(depth: int) -> str:
        kind = draw(st.integers(0, 5 if depth < 4 else 1))
        if kind <= 1:
            return draw(st.text(alphabet=HOSTILE, max_size=80))
        if kind == 2:
            return draw(st.sampled_from(["&amp;", "&#0;", "&#x202e;", "&bogus;", "<!-- c -->", "<!--", "]]>",
                                         "<![CDATA[x]]>", "</p>", "<p", "<br/>", "<meta charset='x'>"]))
        tag = draw(st.sampled_from(_TAGS))
        attrs = draw(st.sampled_from(["", ' class="comment"', ' id="comments"', ' cite="javascript:x"',
                                      ' class="comment-content"', ' data-depth="3"',
                                      ' style="display:none"']))
        inner = "".join(fragment(depth + 1) for _ in range(draw(st.integers(0, 3))))
        close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", ""]))
        return f"<{tag}{attrs}>{inner}{close}"

    deep = draw(st.sampled_from([0, 0, 0, 0, 0, 0, 5, 300, 2_100]))
    body = "".join(fragment(0) for _ in range(draw(st.integers(1, 4))))
    return ("<html><head><title>" + draw(st.text(alphabet=HOSTILE, max_size=30)) + "</title></head><body>"
            + "<div>" * deep + body + "</div>" * draw(st.integers(0, deep)) + "</body></html>")


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def check_document(doc: Document) -> None:
    """What every document must be: clean text, spans inside it, renderings inert."""
    assert not _CONTROL_RE.search(doc.text), repr(doc.text)
    for spans in doc.layers.values():
        for span in spans:
            assert 0 <= span.start <= span.end <= len(doc.text)
    data = doc.to_dict()
    for fmt in ("md", "html"):
        out = render(data, fmt)
        shown = out.split('<script type="application/json"')[0] if fmt == "html" else out
        assert is_inert(shown), fmt


def read(item: str | bytes) -> Document | None:
    """Read and extract one input; None when it was refused with an `UnspunError` (a reason)."""
    try:
        source = (source_from_string(item) if isinstance(item, str) else source_from_bytes(item, name="fuzz"))
        return extract(source)
    except UnspunError as exc:
        assert exc.reason != "error" and str(exc) and "\n" not in str(exc)
        return None


@settings(max_examples=7_000, **SETTINGS)
@given(st.one_of(hostile_text, hostile_bytes))
def test_fuzz_text_and_bytes_readers(item: str | bytes) -> None:
    doc = read(item)
    if doc is not None:
        check_document(doc)


@settings(max_examples=300, **SETTINGS)
@given(hostile_html())
def test_fuzz_html_reader(page: str) -> None:
    doc = read(page)
    if doc is not None:
        check_document(doc)


PIPELINE = Pipeline(FAST_STAGES)


@settings(max_examples=300, **SETTINGS)
@given(st.lists(st.one_of(hostile_text, hostile_bytes, hostile_html()), min_size=1, max_size=3))
def test_fuzz_pipeline_gives_one_result_per_input(items: list[str | bytes]) -> None:
    results = list(PIPELINE.pipe(items))
    assert len(results) == len(items)
    for result in results:
        if isinstance(result, ErrorRecord):
            assert result.reason != "internal", result.message
            assert "\n" not in result.message
        else:
            check_document(result)


@settings(max_examples=400, **SETTINGS)
@given(hostile_text, hostile_text, hostile_text)
def test_fuzz_terminal_rendering_is_inert(text: str, title: str, author: str) -> None:
    from unspun.document import Span
    from unspun.render.terminal import render_text

    text = text or "x"
    doc = Document(text=text, title=title, id=author, site=title)
    doc.add("structure", Span(0, len(text), "comment", attrs={"index": 0, "depth": 0, "parent": None,
                                                              "author": author, "time": title}))
    doc.warn(author)
    for color in (False, True):
        out = render_text(doc.to_dict(), color=color)
        shown = re.sub(r"\x1b\[[0-9;]*m", "", out) if color else out  # rich's own colour codes
        assert is_inert(shown)


_OPTION_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**9), st.floats(allow_nan=True),
                           st.text(alphabet=HOSTILE, max_size=20), st.lists(st.text(max_size=8), max_size=3),
                           st.dictionaries(st.text(max_size=6), st.one_of(st.floats(), st.text(max_size=4)),
                                           max_size=2))


@settings(max_examples=2_500, **SETTINGS)
@given(st.dictionaries(st.sampled_from(["stages", "input_format", "language", "max_input_bytes",
                                        "fetch_timeout_s", "fetch_max_bytes", "allow_private_urls",
                                        "thresholds", "threads", "model_dir", "bogus"]),
                       _OPTION_VALUES, max_size=4))
def test_fuzz_options_are_built_or_refused_in_one_line(data: dict[str, Any]) -> None:
    try:
        options = Options.from_mapping(data)
    except OptionsError as exc:
        assert "\n" not in str(exc)
        return
    hash(options)
    assert isinstance(options.allow_private_urls, bool)
    assert options.input_format in (None, "text", "html")
    assert isinstance(options.max_input_bytes, int) and options.max_input_bytes >= 1
