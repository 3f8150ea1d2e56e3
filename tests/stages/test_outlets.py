"""The outlets stage: outlet mentions with profiles, quoted passages' outlets, the site's own outlet."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspun.document import Document, Span, validate
from unspun.pipeline import Pipeline
from unspun.stages.outlets import OutletsStage, find_outlets, site_outlet

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PAGES = ROOT / "tests" / "fixtures" / "pages"
PROFILE_FIELDS = ("factual_reporting", "bias", "credibility", "reliability", "country")


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(["structure", "sentences", "entities", "outlets"])


def analyze(pipeline: Pipeline, path: Path) -> Document:
    doc = pipeline.analyze(path.read_text("utf-8"))
    validate(doc.to_dict())
    return doc


def test_port_deal_fictional_outlet_and_its_short_form(pipeline: Pipeline) -> None:
    doc = analyze(pipeline, EXAMPLES / "port-deal.txt")
    spans = doc.layers["outlets"]
    assert [doc.span_text(s) for s in spans] == ["Coastal Ledger", "Ledger"]
    for s in spans:
        assert s.label == "outlet" and s.attrs["canonical"] == "Coastal Ledger"
        assert s.attrs["domain"] is None and not set(PROFILE_FIELDS) & set(s.attrs)  # fictional: no profile
    assert doc.summary["outlets"] == [
        {"canonical": "Coastal Ledger", "domain": None, "mentions": 2, "carries_quoted": True}]
    assert doc.summary["site_outlet"] is None  # the plain text names no site


def test_port_deal_html_cite_gives_the_domain_and_the_site_outlet(pipeline: Pipeline) -> None:
    doc = analyze(pipeline, EXAMPLES / "port-deal.html")
    assert {s.attrs["domain"] for s in doc.layers["outlets"]} == {"coastal-ledger.example"}
    assert doc.summary["site_outlet"]["canonical"] == "The Dockside Patriot"
    assert "reliability" not in doc.summary["site_outlet"]


def test_known_outlets_carry_their_profile(pipeline: Pipeline) -> None:
    doc = analyze(pipeline, PAGES / "two-outlets.txt")
    by_name = {o["canonical"]: o for o in doc.summary["outlets"]}
    assert by_name["Valley Herald"]["mentions"] == 3 and "reliability" not in by_name["Valley Herald"]
    reuters = by_name["Reuters"]
    assert reuters["domain"] == "reuters.com" and reuters["factual_reporting"] == "very high"
    assert reuters["reliability"] == 1 and reuters["mentions"] == 2
    for s in doc.layers["outlets"]:
        if s.attrs["canonical"] == "Reuters":
            assert s.attrs["bias"] == "least biased" and s.attrs["country"] == "united kingdom"


def test_an_outlet_known_only_from_a_cite_url_is_in_the_summary(pipeline: Pipeline) -> None:
    doc = analyze(pipeline, PAGES / "two-outlets.html")
    reuters = [o for o in doc.summary["outlets"] if o["canonical"] == "Reuters"]
    assert reuters and reuters[0]["mentions"] == 0 and reuters[0]["carries_quoted"] is True
    assert reuters[0]["credibility"] == "high"
    assert not any(s.attrs["canonical"] == "Reuters" for s in doc.layers["outlets"])


def test_hand_built_structure_with_reporting_cues() -> None:
    text = ("Reuters reported that the ceasefire collapsed.\n\n"
            "According to the BBC, shelling resumed overnight. A commander told Al Jazeera it was over.\n\n"
            "lol the BBC again")
    doc = Document(text=text, site="bbc.co.uk", url="https://www.bbc.co.uk/news/world-123")
    doc.add("structure", Span(0, 46, "editorial"))
    doc.add("structure", Span(48, text.index("\n\nlol"), "quoted", attrs={"outlet": "BBC", "url": None}))
    comment = {"index": 0, "depth": 0, "parent": None, "author": None, "time": None}
    doc.add("structure", Span(text.index("lol"), len(text), "comment", attrs=comment))
    doc.layer("entities")
    result = find_outlets(doc)
    assert [(text[s.start : s.end], s.canonical) for s in result.spans] == [
        ("Reuters", "Reuters"), ("BBC", "BBC"), ("Al Jazeera", "Al Jazeera"), ("BBC", "BBC")]
    bbc = next(o for o in result.outlets if o.canonical == "BBC")
    assert bbc.mentions == 2 and bbc.carries_quoted and bbc.profile is not None
    assert not next(o for o in result.outlets if o.canonical == "Reuters").carries_quoted
    OutletsStage(options=None)(doc)  # type: ignore[arg-type]
    assert doc.summary["site_outlet"]["canonical"] == "BBC"
    assert doc.summary["site_outlet"]["domain"] == "bbc.co.uk"
    assert doc.summary["site_outlet"]["factual_reporting"] == "high"
    validate(doc.to_dict())


def test_org_entities_the_gazetteer_knows_are_outlets() -> None:
    text = "Analysts at Bloomberg News and CNN disagreed."
    doc = Document(text=text)
    doc.add("structure", Span(0, len(text), "editorial"))
    start = text.index("CNN")
    doc.add("entities", Span(start, start + 3, "ORG", attrs={"canonical": "CNN", "cluster": 0}))
    names = [s.canonical for s in find_outlets(doc).spans]
    assert names == ["Bloomberg", "CNN"]


def test_site_outlet_without_site_or_url_is_none() -> None:
    assert site_outlet(Document(text="x")) is None
    unknown = site_outlet(Document(text="x", url="https://blog.example.org/post/1"))
    assert unknown is not None and unknown.domain == "blog.example.org" and unknown.profile is None


def test_one_row_per_outlet_whatever_form_each_place_wrote() -> None:
    from unspun.document import Document, Span
    from unspun.stages.outlets import find_outlets

    first = "The story was first reported by the Valley Herald."
    text = first + "\n\nA user posted a story about an illness."
    doc = Document(text=text)
    doc.add("structure", Span(0, len(first), "editorial"))
    credit = {"outlet": "Valley Herald Online", "url": None, "passage": 0}
    doc.add("structure", Span(len(first) + 2, len(text), "quoted", attrs=credit))
    rows = find_outlets(doc).outlets
    assert [(o.canonical, o.mentions, o.carries_quoted) for o in rows] == [("Valley Herald", 1, True)]
