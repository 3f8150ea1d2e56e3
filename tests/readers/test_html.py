"""HTML extraction: article blocks from trafilatura, comment threads from our own parser, exact offsets."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from unspun.errors import InputTooLargeError, NoContentError
from unspun.options import Options
from unspun.readers import extract, source_from_string
from unspun.readers.html import extract_html


def _doc(html: str):
    return extract_html(source_from_string(html))


def _kinds(doc) -> list[str]:
    return [b.kind for b in doc.blocks]


def test_port_deal_html(examples: Path) -> None:
    doc = _doc((examples / "port-deal.html").read_text("utf-8"))
    assert (
        _kinds(doc)
        == ["title"] + ["paragraph"] * 2 + ["blockquote"] * 4 + ["paragraph"] * 2 + ["comment"] * 4
    )
    assert doc.title == "SHOCKER: Port Authority Quietly Let Cargo Giant Walk Away With Millions"
    assert doc.site == "The Dockside Patriot"
    assert doc.published == "2024-03-21T09:14:00Z"
    assert doc.metadata["author"] == "Hank Driscoll"
    quotes = [b for b in doc.blocks if b.kind == "blockquote"]
    assert {b.attrs["cite"] for b in quotes} == {"https://coastal-ledger.example/port-settlement"}
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [b.attrs["author"] for b in comments] == ["Fred M.", "Kay", "anon1776", "J. Ortega"]
    assert [b.attrs["time"] for b in comments] == ["2024-03-21T10:02:00Z", "2024-03-21T10:40:00Z", None, None]
    assert [b.attrs["depth"] for b in comments] == [0, 1, 0, 0]
    assert [b.attrs["parent"] for b in comments] == [None, 0, None, None]
    for junk in ("Home", "Sponsored", "Gold coins", "thoughts on", "All rights reserved", "says:", "By Hank"):
        assert junk not in doc.text
    # blocks are exactly the text, joined by blank lines
    assert doc.text == "\n\n".join(doc.text[b.start : b.end] for b in doc.blocks)


def test_article_comment_thread(pages: Path) -> None:
    doc = _doc((pages / "article-comments.html").read_text("utf-8"))
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [b.attrs["author"] for b in comments] == [
        "Marta L.",
        "Ferry Operator (official)",
        "Marta L.",
        "Ben",
    ]
    assert [b.attrs["depth"] for b in comments] == [0, 1, 2, 0]
    assert [b.attrs["parent"] for b in comments] == [None, 0, 1, None]
    assert comments[0].attrs["time"] == "2024-05-02T08:15:00+02:00"
    assert doc.text[comments[2].start : comments[2].end] == "That is after the cut starts."
    assert "Reader comments" not in doc.text and "Reply" not in doc.text and "Report" not in doc.text
    assert doc.site == "The Island Voice" and doc.url == "https://islandvoice.example/2024/05/ferry-cuts"


def test_disqus_like_thread(pages: Path) -> None:
    doc = _doc((pages / "disqus-thread.html").read_text("utf-8"))
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [doc.text[b.start : b.end] for b in comments][3] == "Good. The city needs the jobs."
    assert [b.attrs["author"] for b in comments] == ["rivercity_mom", "Dev Patel", "OldTimer58", "guest"]
    assert [b.attrs["time"] for b in comments] == [
        "3 hours ago",
        "2 hours ago",
        "1 hour ago",
        "45 minutes ago",
    ]
    assert [b.attrs["depth"] for b in comments] == [0, 1, 0, 0]
    for chrome in ("points", "Reply", "#1", "Sort by"):
        assert chrome not in doc.text


def test_comments_only_page(pages: Path) -> None:
    doc = _doc((pages / "comments-only.html").read_text("utf-8"))
    assert _kinds(doc) == ["title", "comment", "comment", "comment"]
    assert doc.text.endswith(
        "I called on Monday and they told me a new truck arrives in June.\n"
        "Apparently it is stuck at the port."
    )


def test_flat_thread_with_depth_classes() -> None:
    html = """<html><body><article><h1>A headline about the budget vote</h1>
<p>The council voted on the budget on Tuesday and I think it got it badly wrong, as usual for them.</p>
    <p>We should all show up at the next meeting and say so, loudly and often, until the council listens.</p>
    </article><ol class="commentlist">
    <li class="comment depth-1"><span class="fn">A</span><div class="comment-content">Top.</div></li>
    <li class="comment depth-2"><span class="fn">B</span><div class="comment-content">Reply.</div></li>
    <li class="comment depth-1"><span class="fn">C</span><div class="comment-content">Top again.</div></li>
    </ol></body></html>"""
    comments = [b for b in _doc(html).blocks if b.kind == "comment"]
    assert [(b.attrs["author"], b.attrs["depth"], b.attrs["parent"]) for b in comments] == [
        ("A", 0, None),
        ("B", 1, 0),
        ("C", 0, None),
    ]


def test_generic_comment_container_fallback() -> None:
    html = """<html><body><main><h1>Ferry fares rise again this spring</h1>
<p>The ferry operator raised fares by nine percent, the third rise in two years, and I have had enough.</p>
<p>Our island depends on that boat, and the operator knows we have no other way to the mainland.</p></main>
<div id="reader-comments"><div class="entry"><b class="user">Sam</b><p>Nine percent is outrageous.</p></div>
<div class="entry"><b class="user">Lin</b><p>Write to the transport minister.</p></div></div></body></html>"""
    doc = _doc(html)
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [doc.text[b.start : b.end] for b in comments] == [
        "Nine percent is outrageous.",
        "Write to the transport minister.",
    ]
    assert [b.attrs["author"] for b in comments] == ["Sam", "Lin"]


def test_html_without_article_is_refused() -> None:
    html = (
        "<html><head><title>Login</title></head><body><nav><a href='/'>Home</a></nav><form>"
        "<input name='u'><button>Sign in</button></form></body></html>"
    )
    with pytest.raises(NoContentError, match="no article text"):
        _doc(html)


#: pages over the default 10 MB limit, as a config file that raises it lets in
RAISED_LIMIT = Options(max_input_bytes=50_000_000)


def test_twenty_megabyte_page_parses_in_time(examples: Path) -> None:
    base = (examples / "port-deal.html").read_text("utf-8")
    filler = "".join(
        f"<p>Archive item {i}: the harbour board met on Tuesday, minutes show.</p>\n" for i in range(300_000)
    )
    big = base.replace("</blockquote>", "</blockquote>" + filler, 1)
    assert len(big.encode()) > 20_000_000
    start = time.monotonic()
    doc = extract(source_from_string(big, options=RAISED_LIMIT))
    assert time.monotonic() - start < 30
    assert [b.attrs["author"] for b in doc.blocks if b.kind == "comment"] == [
        "Fred M.",
        "Kay",
        "anon1776",
        "J. Ortega",
    ]
    assert any("characters of text" in w for w in doc.warnings)
    with pytest.raises(InputTooLargeError, match="over the limit"):
        source_from_string(big, options=Options(max_input_bytes=10_000_000))


def test_inline_data_page_uses_article_detection(examples: Path) -> None:
    base = (examples / "port-deal.html").read_text("utf-8")
    big = base.replace("<nav", '<img alt="" src="data:image/png;base64,' + "A" * 20_000_000 + '"><nav', 1)
    doc = extract(source_from_string(big, options=RAISED_LIMIT))
    assert not doc.warnings
    assert sum(b.kind == "blockquote" for b in doc.blocks) == 4
