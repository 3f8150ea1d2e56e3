"""The summary stage: counts per layer and label, structure counts, per voice and per section."""

from __future__ import annotations

import pytest

from unspun.document import Document, Span
from unspun.options import Options
from unspun.stages.summary import SummaryStage


def run(doc: Document) -> dict:
    SummaryStage(Options())(doc)
    return doc.summary


def page() -> Document:
    """An article paragraph with a direct quote, a republished passage, and a comment thread."""
    text = ("We think the plan is bad. \"It is a disaster,\" Ann Lee said.\n\n"
            "The council approved the plan on Monday.\n\n"
            "You people are vermin.\n\n"
            "I agree with the article.")
    doc = Document(text=text)
    p1 = (0, text.index("\n\n"))
    p2 = (p1[1] + 2, text.index("\n\n", p1[1] + 2))
    c1 = (p2[1] + 2, text.index("\n\n", p2[1] + 2))
    c2 = (c1[1] + 2, len(text))
    doc.add("structure", Span(*p1, "editorial", None, {}, "structure"))
    doc.add("structure", Span(*p2, "quoted", None, {"outlet": "Daily Planet", "url": None}, "structure"))
    first = {"index": 0, "depth": 0, "parent": None, "author": "troll9", "time": None}
    doc.add("structure", Span(*c1, "comment", None, first, "s"))
    doc.add("structure", Span(*c2, "comment", None,
                              {"index": 1, "depth": 1, "parent": 0, "author": None, "time": None}, "s"))
    quote_start = text.index('"It is')
    quote_end = text.index(',"') + 2
    speaker = text.index("Ann Lee")
    doc.add("quotes", Span(quote_start, quote_end, "direct", 0.9, {
        "speaker": {"start": speaker, "end": speaker + 7, "text": "Ann Lee"}, "cue": None, "outlet": None,
        "voice": "quoted:Ann Lee", "chain": [{"role": "speaker", "name": "Ann Lee"}]}, "quotes"))
    scores = {"hate": 0.1, "offensive": 0.1, "normal": 0.8}
    sentences = [(0, 25, "normal"), (quote_start, quote_end, "offensive"), (p2[0], p2[1], "normal"),
                 (c1[0], c1[1], "hate"), (c2[0], c2[1], "normal")]
    for start, end, label in sentences:
        attrs = {"targets": [], "rationale": [], "scores": scores}
        doc.add("hate", Span(start, end, label, 0.8, attrs, "hate"))
    return doc


def test_hate_rates_per_voice_and_per_section() -> None:
    summary = run(page())
    voices = summary["voices"]
    assert voices["author"]["hate"] == {"normal": 1} and voices["author"]["hate_rate"] == 0.0
    # the quoted speaker's words are theirs, not the author's
    speaker = voices["quoted:Ann Lee"]
    assert speaker["hate"] == {"offensive": 1} and speaker["offensive_rate"] == 1.0
    assert voices["quoted:Daily Planet"]["hate"] == {"normal": 1}
    assert voices["commenter:0"]["name"] == "troll9" and voices["commenter:0"]["hate_rate"] == 1.0
    assert voices["commenter:1"]["name"] is None and voices["commenter:1"]["hate_rate"] == 0.0
    sections = summary["sections"]
    assert sections["article"]["hate"] == {"normal": 2, "offensive": 1}
    assert sections["article"]["hate_rate"] == 0.0
    assert sections["article"]["offensive_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert sections["comments"]["hate_rate"] == 0.5 and sections["comments"]["segments"] == 2


def test_quotes_are_counted_for_the_voice_that_carries_them() -> None:
    voices = run(page())["voices"]
    assert voices["author"]["quotes"] == {"direct": 1}
    assert voices["quoted:Ann Lee"]["quotes"] == {}


def test_structure_and_layer_counts() -> None:
    summary = run(page())
    assert summary["structure"] == {"segments": 4, "labels": {"comment": 2, "editorial": 1, "quoted": 1},
                                    "comments": 2, "commenters": 1, "max_depth": 1}
    assert summary["layers"]["hate"] == {"spans": 5, "labels": {"hate": 1, "normal": 3, "offensive": 1}}


def test_absent_layers_are_absent_and_other_stages_keys_are_kept() -> None:
    doc = page()
    del doc.layers["hate"], doc.layers["quotes"]
    doc.summary["outlets"] = {"Daily Planet": 1}
    doc.summary["skipped"] = {"propaganda": "language de"}
    summary = run(doc)
    assert summary["outlets"] == {"Daily Planet": 1} and summary["skipped"] == {"propaganda": "language de"}
    for info in (*summary["voices"].values(), *summary["sections"].values()):
        assert not {"hate", "quotes", "propaganda", "claims", "hate_rate"} & info.keys()


def test_a_document_without_structure_spans_is_summarised() -> None:
    summary = run(Document(text="Nothing was marked up."))
    assert summary["structure"]["segments"] == 0 and summary["structure"]["max_depth"] is None
    assert summary["voices"] == {}


def test_propaganda_voice_attribute_wins() -> None:
    doc = page()
    doc.add("propaganda", Span(0, 6, "Loaded_Language", 0.7, {"voice": "quoted:Somebody"}, "propaganda"))
    doc.add("propaganda", Span(0, 6, "Doubt", 0.7, {}, "propaganda"))
    voices = run(doc)["voices"]
    assert voices["quoted:Somebody"]["propaganda"] == {"Loaded_Language": 1}
    assert voices["author"]["propaganda"] == {"Doubt": 1}
