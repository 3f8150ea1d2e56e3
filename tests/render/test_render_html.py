"""The HTML report: every span drawn (overlaps included), nothing from the page unescaped, self-contained."""

from __future__ import annotations

import json
import re

import pytest
from htmlcheck import ALLOWED_TAGS, parse

from unspun.document import Document, Span
from unspun.render import INLINE_LAYERS, shown_spans
from unspun.render.html import blocks, render_html, script_safe_json


def highlighted(report, data: dict) -> dict[str, list[set[str]]]:
    """Per block kind: for every character of the block, the set of layers drawn over it."""
    out = []
    for (start, end, _), parts in zip(blocks(data), report.blocks, strict=True):
        chars: list[set[str]] = []
        for text, layers in parts:
            chars += [set(layers)] * len(text)
        assert len(chars) == end - start
        out.append((start, chars))
    return out


def test_text_view_reproduces_every_block_exactly(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    report = parse(render_html(data))
    text = data["document"]["text"]
    assert len(report.blocks) == len(blocks(data)) >= len(data["layers"]["structure"])
    for i, (start, end, _) in enumerate(blocks(data)):
        assert report.block_text(i) == text[start:end]


def test_every_character_carries_exactly_the_layers_over_it(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    report = parse(render_html(data))
    expected_per_char: dict[int, set[str]] = {}
    for layer in INLINE_LAYERS:
        for s in shown_spans(data, layer):
            for i in range(s["start"], s["end"]):
                expected_per_char.setdefault(i, set()).add(layer)
    for start, chars in highlighted(report, data):
        for offset, layers in enumerate(chars):
            assert layers == expected_per_char.get(start + offset, set()), (start + offset, layers)


def test_overlapping_spans_of_one_layer_and_across_layers_stay_visible(port_deal_analysis: Document) -> None:
    html = render_html(port_deal_analysis.to_dict())
    # "should be furious" lies in two propaganda spans (Flag-Waving, Appeal_to_fear-prejudice): one element
    # carries both labels, and its hover title names both
    match = re.search(r'<span class="l-propaganda ([^"]*)" title="([^"]*)">should be furious', html)
    assert match is not None
    assert {"lab-flag-waving", "lab-appeal-to-fear-prejudice"} <= set(match.group(1).split())
    assert "Flag-Waving" in match.group(2) and "Appeal_to_fear-prejudice" in match.group(2)
    # Rita Alvarez's words are a quote, a propaganda span (in her voice) at once
    assert re.search(r'<span class="l-quotes [^"]*"[^>]*><span class="l-propaganda [^"]*" title="[^"]*'
                     r'quoted:Rita Alvarez[^"]*">a gift to a company', html)


def test_normal_hate_labels_are_not_highlighted_but_hate_is(port_deal_analysis: Document) -> None:
    html = render_html(port_deal_analysis.to_dict())
    assert "lab-normal" not in html
    assert re.search(r'<span class="l-hate lab-hate" title="hate: hate; score 0.87; targets: Refugee">', html)


def test_panels_and_toggles_follow_the_layers_present(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    report = parse(render_html(data))
    toggles = {a["id"] for tag, a in report.tags if tag == "input"}
    assert toggles == {f"t-{layer}" for layer in INLINE_LAYERS}
    panels = {a["id"] for tag, a in report.tags if tag == "details"}
    assert {"p-structure", "p-quotes", "p-propaganda", "p-hate", "p-claims", "p-entities", "p-outlets",
            "p-summary", "p-warnings"} == panels

    del data["layers"]["quotes"], data["layers"]["claims"], data["layers"]["propaganda"]
    report = parse(render_html(data))
    panels = {a["id"] for tag, a in report.tags if tag == "details"}
    assert not panels & {"p-quotes", "p-claims", "p-propaganda"}
    assert {a["id"] for tag, a in report.tags if tag == "input"} == {"t-hate", "t-entities", "t-outlets"}


def test_report_is_self_contained_and_forbids_scripts(port_deal_analysis: Document) -> None:
    html = render_html(port_deal_analysis.to_dict())
    report = parse(html)
    csp = [a["content"] for tag, a in report.tags if tag == "meta" and a.get("http-equiv")]
    assert csp and "default-src 'none'" in csp[0] and "script-src" not in csp[0]
    for tag, attrs in report.tags:
        assert tag in ALLOWED_TAGS
        assert "src" not in attrs
        if tag == "a":
            assert re.match(r"https?://", attrs["href"] or "")
    assert "url(" not in html and "@import" not in html


def test_embedded_json_is_the_analysis(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    assert parse(render_html(data)).embedded() == data


HOSTILE = '</script><script>alert(1)</script>"><img src=x onerror=alert(2)>'


def hostile_document() -> Document:
    body = (f"Breaking: {HOSTILE} said the mayor &amp; friends.\n\n{HOSTILE} in a quote.\n\n"
            f"A comment {HOSTILE}")
    doc = Document(text=body, id=f"page-{HOSTILE}", url=f"javascript:alert(3)//{HOSTILE}",
                   title=f"T {HOSTILE}", site=HOSTILE, published=HOSTILE, language="en",
                   metadata={"author": HOSTILE})
    first, second, third = (m.start() for m in re.finditer(re.escape(HOSTILE), body))
    para_2 = body.index("\n\n") + 2
    para_3 = body.index("\n\n", para_2) + 2
    doc.add("structure", Span(0, para_2 - 2, "editorial", None, {}, "structure"))
    doc.add("structure", Span(para_2, para_3 - 2, "quoted", None,
                              {"outlet": HOSTILE, "url": f"https://x.example/{HOSTILE}"}, "structure"))
    comment = {"index": 0, "depth": 0, "parent": None, "author": HOSTILE, "time": HOSTILE}
    doc.add("structure", Span(para_3, len(body), "comment", None, comment, "c"))
    doc.add("entities", Span(first, first + 20, "PERSON", None, {"canonical": HOSTILE, "cluster": 0}, "e"))
    doc.add("outlets", Span(second, second + 9, "outlet", None, {"canonical": HOSTILE, "domain": HOSTILE,
                                                                 "bias": HOSTILE}, "o"))
    scores = {"hate": 0.1, "offensive": 0.7, "normal": 0.2}
    hate = {"targets": [HOSTILE], "rationale": [[third, third + 9]], "scores": scores}
    doc.add("hate", Span(para_3, len(body), "offensive", 0.7, hate, "h"))
    doc.add("quotes", Span(second, second + 30, "direct", 0.9, {
        "speaker": {"start": 0, "end": 8, "text": body[:8]}, "cue": None, "outlet": HOSTILE,
        "voice": f"quoted:{HOSTILE}", "chain": [{"role": "speaker", "name": HOSTILE},
                                               {"role": "outlet", "name": HOSTILE}]}, "q"))
    doc.add("x-custom" + HOSTILE, Span(0, 5, HOSTILE, None, {HOSTILE: HOSTILE}, "x"))
    doc.summary = {"site_outlet": {"canonical": HOSTILE, "domain": HOSTILE, HOSTILE: HOSTILE}}
    doc.warn(HOSTILE)
    return doc


def assert_nothing_hostile_escaped(html: str) -> None:
    report = parse(html)
    for tag, attrs in report.tags:
        assert tag in ALLOWED_TAGS, tag
        assert not any(name.startswith("on") for name in attrs), attrs
        assert "src" not in attrs
        if tag == "a":
            assert re.match(r"https?://", attrs["href"] or ""), attrs
    scripts = [a for tag, a in report.tags if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "unspun-data"}]
    assert "<img" not in html and "<script>alert" not in html
    assert "javascript:" not in " ".join(str(v) for _, a in report.tags for v in a.values())


def test_hostile_page_reaches_the_report_only_as_text() -> None:
    doc = hostile_document()
    data = doc.to_dict()
    html = render_html(data)
    assert_nothing_hostile_escaped(html)
    report = parse(html)
    assert report.embedded() == data  # the JSON block round-trips: nothing in it closed the <script>
    assert HOSTILE in report.title_text  # shown, as text
    assert report.block_text(0) == data["document"]["text"][: data["layers"]["structure"][0]["end"]]


def test_script_safe_json_cannot_close_a_script_element() -> None:
    text = script_safe_json({"a": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "JAVASCRIPT:alert(1)"])
def test_only_http_urls_become_links(url: str) -> None:
    doc = Document(text="Some text here.", url=url)
    doc.add("structure", Span(0, 15, "editorial", None, {}, "structure"))
    report = parse(render_html(doc.to_dict()))
    assert not [a for tag, a in report.tags if tag == "a"]
