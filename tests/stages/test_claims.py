"""The claims stage on a hand-made head: a score per sentence of the article and the comments, the threshold
from the model's decision rule or the options, and whose claim it is (voice, quoted speaker, carrying outlet),
with and without a quotes layer; then the shipped model on the example page.

The toy 'encoder' (tests/testpaths.py) sets state[0] = 1 on the pieces of a word holding a digit and
state[1] = 1 everywhere; the toy head's logit is 40 * (share of such pieces) - 5: a sentence of figures is a
claim, a sentence without one is not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import testpaths

from unspun.document import (
    CLAIMS,
    COMMENT,
    EDITORIAL,
    QUOTED,
    QUOTES,
    SENTENCES,
    STRUCTURE,
    Document,
    Span,
    validate,
)
from unspun.heads import SEQUENCE, SIGMOID, Head, write_heads
from unspun.options import Options
from unspun.stages.claims import CHECK_WORTHY, ClaimsStage, attribution, quote_of
from unspun.stages.encode import ENCODE
from unspun.stages.summary import SummaryStage

OWN = "The council met on Monday. The port lost 4,200,000 dollars in 2019."
REPORT = "Officials said Meridian will keep 4.2 million in 2024 fees."
COMMENT_TEXT = "I counted 40 containers in 2023, 12 on 3 March."


def toy_model_dir(root: Path, threshold: float = 0.5) -> Path:
    weight = np.array([[40.0, -5.0]])
    head = Head("claims", SEQUENCE, ("check_worthy",), SIGMOID, weight, np.zeros(1), "claims")
    d = root / "toy-claims"
    write_heads(d, [head], {"decisions": {"claims": {"threshold": threshold}}})
    return d


def toy_doc(*, with_quote: bool) -> Document:
    text = f"{OWN}\n\n{REPORT}\n\n{COMMENT_TEXT}"
    doc = Document(text=text, language="en")
    r0, c0 = text.index(REPORT), text.index(COMMENT_TEXT)
    doc.add(STRUCTURE, Span(0, len(OWN), EDITORIAL, None, {}, "structure"))
    ledger = {"outlet": "Coastal Ledger", "url": None}
    doc.add(STRUCTURE, Span(r0, r0 + len(REPORT), QUOTED, None, ledger, "structure"))
    comment = {"index": 1, "depth": 0, "parent": None, "author": "Fred", "time": None}
    doc.add(STRUCTURE, Span(c0, len(text), COMMENT, None, comment, "structure"))
    split = OWN.index("The port")
    ranges = ((0, split - 1, 0), (split, len(OWN), 0), (r0, r0 + len(REPORT), 1), (c0, len(text), 2))
    for start, end, segment in ranges:
        doc.add(SENTENCES, Span(start, end, "sentence", None, {"segment": segment}, "sentences"))
    if with_quote:
        content = text.index("Meridian")
        speaker = {"start": r0, "end": r0 + len("Officials"), "text": "Officials"}
        cue = {"start": r0 + len("Officials "), "end": r0 + len("Officials said"), "text": "said"}
        chain = [{"role": "speaker", "name": "Officials"}, {"role": "outlet", "name": "Coastal Ledger"}]
        attrs = {"speaker": speaker, "cue": cue, "outlet": "Coastal Ledger", "voice": "quoted:Officials"}
        attrs["chain"] = chain
        doc.add(QUOTES, Span(content, r0 + len(REPORT) - 1, "indirect", 0.9, attrs, "quotes"))
    doc.parses[ENCODE] = testpaths.toy_encode(doc, lambda piece, word: any(c.isdigit() for c in word))
    return doc


def test_every_sentence_is_read_and_claims_carry_voice_speaker_and_outlet(tmp_path: Path) -> None:
    doc = toy_doc(with_quote=True)
    stage = ClaimsStage(Options(model_dir=toy_model_dir(tmp_path)))
    readings = stage.predict(doc)
    assert len(readings) == 4  # every sentence, the comment's too
    stage.set_annotations(doc, readings)
    spans = doc.layers[CLAIMS]
    assert [doc.span_text(s) for s in spans] == [
        "The port lost 4,200,000 dollars in 2019.", REPORT, COMMENT_TEXT]
    assert {s.label for s in spans} == {CHECK_WORTHY}
    assert all(0.5 <= s.score <= 1.0 for s in spans)
    own, report, comment = (s.attrs for s in spans)
    assert own == {"voice": "author"}
    assert report == {"voice": "quoted:Coastal Ledger", "speaker": "Officials", "outlet": "Coastal Ledger"}
    assert comment == {"voice": "commenter:1"}


def test_without_a_quotes_layer_the_republished_passage_still_names_its_outlet(tmp_path: Path) -> None:
    doc = toy_doc(with_quote=False)
    ClaimsStage(Options(model_dir=toy_model_dir(tmp_path)))(doc)
    report = next(s for s in doc.layers[CLAIMS] if doc.span_text(s) == REPORT)
    assert report.attrs == {"voice": "quoted:Coastal Ledger", "outlet": "Coastal Ledger"}


def test_the_threshold_comes_from_the_model_then_the_options(tmp_path: Path) -> None:
    doc = toy_doc(with_quote=False)
    strict = ClaimsStage(Options(model_dir=toy_model_dir(tmp_path, threshold=0.999999)))
    readings = strict.predict(doc)
    strict.set_annotations(doc, readings)
    assert doc.layers[CLAIMS] == []
    every = ClaimsStage(Options(model_dir=toy_model_dir(tmp_path / "b", threshold=0.9),
                                thresholds={"claims": 0.0}))
    every.set_annotations(doc, readings)
    assert len(doc.layers[CLAIMS]) == 4  # threshold 0: every sentence with its score


def test_a_quote_is_the_sentences_when_it_covers_half_of_it_or_half_of_the_quote_lies_in_it() -> None:
    text = "He said the fees were waived. Then he left the room and went home to his family early."
    doc = Document(text=text, language="en")
    waived = text.index("the fees")
    doc.add(QUOTES, Span(waived, text.index("."), "indirect", None, {"speaker": {"text": "He"}}, "quotes"))
    first = (0, text.index(".") + 1)
    assert quote_of(doc, *first) is doc.layers[QUOTES][0]  # the whole content lies in the sentence
    assert quote_of(doc, first[1] + 1, len(text)) is None  # no overlap
    assert quote_of(Document(text=text, language="en"), *first) is None  # no quotes layer at all
    spill = Document(text=text, language="en")  # a quote that runs one word into the next sentence
    spill.add(QUOTES, Span(waived, text.index("Then") + 4, "indirect", None, {}, "quotes"))
    assert quote_of(spill, *first) is spill.layers[QUOTES][0]
    assert quote_of(spill, first[1] + 1, len(text)) is None  # a sliver of that sentence and of the quote


def test_a_quoted_claim_names_the_speaker_a_pronoun_was_resolved_to() -> None:
    text = "She said the fees were waived."
    doc = Document(text=text, language="en")
    attrs = {"speaker": {"start": 0, "end": 3, "text": "She"}, "speaker_resolved": {"text": "Rita Alvarez"}}
    doc.add(QUOTES, Span(text.index("the fees"), len(text) - 1, "indirect", None, attrs, "quotes"))
    assert attribution(doc, 0, len(text)).speaker == "Rita Alvarez"


def test_the_summary_lists_the_top_claims_and_the_output_meets_the_schema(tmp_path: Path) -> None:
    doc = toy_doc(with_quote=True)
    ClaimsStage(Options(model_dir=toy_model_dir(tmp_path)))(doc)
    SummaryStage(Options())(doc)
    top = doc.summary["top_claims"]
    assert [c["score"] for c in top] == sorted((c["score"] for c in top), reverse=True)
    by_text = {c["text"]: c for c in top}
    assert by_text[REPORT]["speaker"] == "Officials" and by_text[REPORT]["outlet"] == "Coastal Ledger"
    assert by_text[COMMENT_TEXT]["voice"] == "commenter:1" and by_text[COMMENT_TEXT]["speaker"] is None
    doc.parses.clear()
    validate(doc.to_dict())


# --- the shipped model on the example page -------------------------------------------------------------
#: the check-worthy claims the examples README lists on the page (../shared/examples/README.md): three in the
#: republished Coastal Ledger report, one in a comment
LEDGER_CLAIMS = [
    "Meridian Freight will keep $4.2 million in disputed port fees",
    "Litigation would have cost the city more than the fees themselves.",
    "at least 40 containers were moved off the books in March",
]
COMMENT_CLAIM = "The mayor's office said the same thing about the bridge contract in 2019."
#: "among the top-scored sentences": within this many of the page's 24 sentences
EXAMPLE_TOP = 8


@pytest.fixture(scope="module")
def scored_example() -> tuple[Document, list[Span]]:
    """The example page analysed with every sentence kept as a claim span with its score (threshold 0)."""
    from unspun.pipeline import Pipeline

    pipeline = Pipeline(options=Options(thresholds={"claims": 0.0}))
    if "claims" not in pipeline.stage_names:
        pytest.skip("the shipped model has no claims heads")
    doc = pipeline.analyze((testpaths.EXAMPLES / "port-deal.txt").read_text("utf-8"))
    return doc, sorted(doc.layers[CLAIMS], key=lambda s: -(s.score or 0.0))


def rank_of(doc: Document, ranked: list[Span], claim: str) -> int:
    return next(k for k, s in enumerate(ranked, start=1) if claim in doc.span_text(s))


@pytest.mark.model
def test_the_example_pages_reported_claims_lead_the_ranking(scored_example) -> None:
    from unspun.encoder import default_model_dir
    from unspun.heads import load_heads

    doc, ranked = scored_example
    assert len(ranked) == 24  # every sentence was scored, the comments' too
    # the Ledger's three claims are among its four most check-worthy sentences (shipped: ranks 1, 2 and 4)
    assert sorted(rank_of(doc, ranked, c) for c in LEDGER_CLAIMS)[-1] <= 4
    threshold = load_heads(default_model_dir()).decisions["claims"]["threshold"]
    for claim in LEDGER_CLAIMS:
        span = ranked[rank_of(doc, ranked, claim) - 1]
        assert span.score >= threshold and span.attrs["voice"] == "quoted:Coastal Ledger"
        assert span.attrs["outlet"] == "Coastal Ledger"
    # the page's rhetoric is no claim: its questions and calls to anger score low
    for rhetoric in ("Give me a break.", "Every honest taxpayer in this city should be furious."):
        assert ranked[rank_of(doc, ranked, rhetoric) - 1].score < threshold
    validate(doc.to_dict())


@pytest.mark.model
@pytest.mark.xfail(
    strict=True,
    reason="known gap of the shipped model (MODEL_CARD.md, task claims): the commenter's vague claim about "
    "'the same thing' ranks 12th of 24 (p 0.20, under the 0.34 threshold)",
)
def test_the_commenters_claim_is_among_the_top_scored_sentences(scored_example) -> None:
    doc, ranked = scored_example
    assert rank_of(doc, ranked, COMMENT_CLAIM) <= EXAMPLE_TOP
    assert ranked[rank_of(doc, ranked, COMMENT_CLAIM) - 1].attrs["voice"].startswith("commenter:")


@pytest.mark.model
def test_the_reports_show_the_top_claims_per_voice() -> None:
    from unspun.pipeline import Pipeline
    from unspun.render import render

    pipeline = Pipeline()
    if "claims" not in pipeline.stage_names:
        pytest.skip("the shipped model has no claims heads")
    data = pipeline.analyze((testpaths.EXAMPLES / "port-deal.html").read_text("utf-8")).to_dict()
    validate(data)
    top = data["summary"]["top_claims"]
    assert top and top[0]["voice"] == "quoted:Coastal Ledger" and top[0]["outlet"] == "Coastal Ledger"
    for fmt in ("text", "md", "html"):
        report = render(data, fmt)
        # the terminal wraps table cells: look for one word of the top claim there
        assert "Check-worthy claims" in report and "containers" in report
        assert fmt == "text" or "at least 40 containers were moved off the books" in report
