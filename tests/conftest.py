"""Shared fixtures: paths to the bundled example pages and fixture pages, pipelines built once per session,
and a hand-built, fully annotated analysis of the example page (every layer of the contract, written from the
careful human analysis in examples/README.md) for the renderers and the summary stage."""

from __future__ import annotations

from pathlib import Path

import pytest
from testpaths import EXAMPLES, FAST_STAGES, FIXTURE_PAGES

from unspun.document import Document, Span


@pytest.fixture
def examples() -> Path:
    """The bundled example pages (copies of ../shared/examples, so tests run without ../shared)."""
    return EXAMPLES


@pytest.fixture
def pages() -> Path:
    """Our own fixture pages in other layouts."""
    return FIXTURE_PAGES


@pytest.fixture(scope="session")
def fast_pipeline():
    from unspun.pipeline import Pipeline

    return Pipeline(FAST_STAGES)


@pytest.fixture(scope="session")
def default_pipeline():
    """The default pipeline (every stage installed here); tests using it are marked `model`."""
    from unspun.pipeline import Pipeline

    return Pipeline()


# -- a hand-built analysis of examples/port-deal.txt ------------------------------------------------------


class _Finder:
    """Character offsets of phrases in a text, searched in reading order."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self, phrase: str, after: int = 0) -> tuple[int, int]:
        start = self.text.index(phrase, after)
        return start, start + len(phrase)

    def ref(self, phrase: str, after: int = 0) -> dict[str, object]:
        start, end = self(phrase, after)
        return {"start": start, "end": end, "text": phrase}


def build_port_deal_analysis() -> Document:
    """examples/port-deal.txt with every layer filled in by hand, as the careful human analysis reads it."""
    from unspun.stages.claims import claim_attrs
    from unspun.stages.summary import SummaryStage

    text = (EXAMPLES / "port-deal.txt").read_text("utf-8")
    title = "SHOCKER: Port Authority Quietly Let Cargo Giant Walk Away With Millions"
    doc = Document(text=text, id="port-deal.txt", title=title, site="The Dockside Patriot", language="en")
    find = _Finder(text)

    def paragraph(first: str, last: str) -> tuple[int, int]:
        start = find(first)[0]
        return start, find(last, start)[1]

    structure = [
        (paragraph("SHOCKER", "Millions"), "title", {}),
        (paragraph("So much for", "apparently."), "editorial", {}),
        (paragraph("Every honest", "which is worse."), "editorial", {}),
    ]
    ledger = {"outlet": "Coastal Ledger", "url": None}
    structure += [(paragraph(a, b), "quoted", dict(ledger)) for a, b in [
        ("Harbor officials", "Coastal Ledger."), ("\"We reached", "themselves.\""),
        ("Meridian's chief", "off the books in March."), ("City council member", "public audit."),
    ]]
    structure += [
        (paragraph("Are we really", "Give me a break."), "editorial", {}),
        (paragraph("This is what happens", "lose it forever."), "editorial", {}),
    ]
    comments = [("The mayor's office", "Nothing changed.", 0, None, "Fred M."),
                ("Exactly.", "Follow the money.", 1, 0, "Kay"),
                ("Those dock workers", "with the trash.", 0, None, None),
                ("Does anyone have", "get angry.", 0, None, None)]
    for index, (a, b, depth, parent, author) in enumerate(comments):
        structure.append((paragraph(a, b), "comment",
                          {"index": index, "depth": depth, "parent": parent, "author": author, "time": None}))
    for (start, end), label, attrs in structure:
        doc.add("structure", Span(start, end, label, None, attrs, "structure"))

    entities = [("Meridian Freight", "ORG", 0), ("Meridian", "ORG", 0), ("Port Authority", "ORG", 1),
                ("Dana Whitfield", "PERSON", 2), ("Paul Oduya", "PERSON", 3), ("Rita Alvarez", "PERSON", 4),
                ("Coastal Ledger", "ORG", 5)]
    canonical = {0: "Meridian Freight", 1: "Port Authority", 2: "Dana Whitfield", 3: "Paul Oduya",
                 4: "Rita Alvarez", 5: "Coastal Ledger"}
    after = find("Harbor officials")[0]
    for phrase, label, cluster in entities:
        start, end = find(phrase, after if phrase != "Meridian" else find("Meridian's")[0])
        attrs = {"canonical": canonical[cluster], "cluster": cluster}
        doc.add("entities", Span(start, end, label, None, attrs, "entities"))
    for phrase in ("Coastal Ledger", "the Ledger"):
        start, end = find(phrase, after)
        doc.add("outlets", Span(start, end, "outlet", None, {"canonical": "Coastal Ledger",
                                                            "domain": "coastal-ledger.example"}, "outlets"))
    doc.summary["site_outlet"] = {"canonical": "The Dockside Patriot", "domain": None}

    quotes = [
        ("that the shipping consortium Meridian Freight will keep $4.2 million in disputed port fees after a "
         "settlement with the city's Port Authority", "indirect", "Harbor officials", "confirmed"),
        ("\"We reached the best outcome available under the contract,\"", "direct", "Dana Whitfield", "told"),
        ("the company had \"always acted within the terms of its lease.\"", "mixed", "Paul Oduya", "said"),
        ("the settlement \"a gift to a company that treated our port like a private vault\"", "mixed",
         "Rita Alvarez", "called"),
    ]
    for content, label, speaker, cue in quotes:
        start, end = find(content)
        speaker_ref = find.ref(speaker)
        doc.add("quotes", Span(start, end, label, 0.9, {
            "speaker": speaker_ref, "cue": find.ref(cue, speaker_ref["start"]), "outlet": "Coastal Ledger",
            "voice": f"quoted:{speaker}", "chain": [
                {"role": "speaker", "name": speaker}, {"role": "outlet", "name": "Coastal Ledger"},
                {"role": "page", "name": "The Dockside Patriot"}]}, "quotes"))

    techniques = [
        ("SHOCKER", "Loaded_Language", "author"),
        ("Every honest taxpayer in this city should be furious", "Flag-Waving", "author"),
        # overlaps the span above: both must stay visible in every rendering
        ("should be furious. The bureaucrats", "Appeal_to_fear-prejudice", "author"),
        ("either incompetent or bought", "Black-and-White_Fallacy", "author"),
        ("a gift to a company that treated our port like a private vault", "Loaded_Language",
         "quoted:Rita Alvarez"),
        ("career politicians", "Name_Calling,Labeling", "author"),
        ("fat-cat corporations", "Name_Calling,Labeling", "author"),
        ("Follow the money.", "Slogans", "commenter:1"),
    ]
    for phrase, label, voice in techniques:
        start, end = find(phrase)
        doc.add("propaganda", Span(start, end, label, 0.8, {"voice": voice}, "propaganda"))

    normal = {"hate": 0.02, "offensive": 0.08, "normal": 0.9}
    for span in doc.layers["structure"]:
        if span.label == "comment" and span.attrs["index"] == 2:
            words = ("illegals", "vermin", "thrown out with the trash")
            rationale = [list(find(w, span.start)) for w in words]
            doc.add("hate", Span(span.start, span.end, "hate", 0.87, {
                "targets": ["Refugee"], "rationale": rationale,
                "scores": {"hate": 0.87, "offensive": 0.1, "normal": 0.03}}, "hate"))
        elif span.label in ("comment", "editorial"):
            doc.add("hate", Span(span.start, span.end, "normal", 0.9,
                                 {"targets": [], "rationale": [], "scores": dict(normal)}, "hate"))
    for claim in ("Meridian Freight will keep $4.2 million in disputed port fees",
                  "at least 40 containers were moved off the books in March"):
        start, end = find(claim)
        doc.add("claims", Span(start, end, "check_worthy", 0.91, claim_attrs(doc, start, end), "claims"))
    doc.warn("propaganda: a hand-built warning <b>to render</b>")
    SummaryStage(options=None).__call__(doc)  # type: ignore[arg-type]
    return doc


@pytest.fixture
def port_deal_analysis() -> Document:
    return build_port_deal_analysis()
