"""The propaganda stage on hand-made heads: spans from the word-level head, the technique of each span
from its pooled pieces, the span threshold from the model's decision rule or the options, and the voice
from the structure layer.

The toy 'encoder' (tests/testpaths.py) sets state[0] = 1 on the pieces of a loaded word and state[1] = 1
everywhere; the span head fires on state[0], the technique head prefers Name_Calling where state[0] is high.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import testpaths

from unspun.document import EDITORIAL, PROPAGANDA, QUOTED, SENTENCES, STRUCTURE, Document, Span
from unspun.heads import PROPAGANDA_TECHNIQUES, SEQUENCE, SIGMOID, SOFTMAX, TOKEN, Head, write_heads
from unspun.options import Options
from unspun.stages.encode import ENCODE
from unspun.stages.head import Word
from unspun.stages.propaganda import (
    Decision,
    LengthPrior,
    PropagandaStage,
    Recurrence,
    decided_techniques,
    with_repetition,
    word_runs,
)

LOADED = {"traitors", "treacherous", "cowards"}
NAME_CALLING = PROPAGANDA_TECHNIQUES.index("Name_Calling,Labeling")


def toy_model_dir(root: Path, span: float = 0.5) -> Path:
    spans = Head(
        "propaganda_spans",
        TOKEN,
        ("propaganda",),
        SIGMOID,
        np.array([[20.0, -10.0]]),
        np.zeros(1),
        "propaganda",
    )
    w = np.zeros((len(PROPAGANDA_TECHNIQUES), 2))
    w[NAME_CALLING] = [8.0, -4.0]  # a span of loaded words: Name_Calling; otherwise Loaded_Language (bias)
    b = np.zeros(len(PROPAGANDA_TECHNIQUES))
    b[0] = 1.0
    technique = Head("propaganda_technique", SEQUENCE, PROPAGANDA_TECHNIQUES, SOFTMAX, w, b, "propaganda")
    d = root / "toy-propaganda"
    write_heads(d, [spans, technique], {"decisions": {"propaganda": {"span": span, "gap": 0}}})
    return d


def toy_doc() -> Document:
    own = "These treacherous cowards sold the port. The council met on Monday."
    quoted = "The traitors in the ministry must go, the Ledger wrote."
    text = f"{own}\n\n{quoted}"
    doc = Document(text=text, language="en")
    q0 = text.index(quoted)
    doc.add(STRUCTURE, Span(0, len(own), EDITORIAL, None, {}, "structure"))
    doc.add(STRUCTURE, Span(q0, len(text), QUOTED, None, {"outlet": "Coastal Ledger"}, "structure"))
    for start, end in ((0, len(own)), (q0, len(text))):
        doc.add(SENTENCES, Span(start, end, "sentence", None, {}, "sentences"))
    doc.parses[ENCODE] = testpaths.toy_encode(doc, lambda piece, word: word.lower() in LOADED)
    return doc


def test_spans_techniques_and_voices(tmp_path: Path) -> None:
    doc = toy_doc()
    PropagandaStage(Options(model_dir=toy_model_dir(tmp_path)))(doc)
    spans = doc.layers[PROPAGANDA]
    assert [doc.span_text(s) for s in spans] == ["treacherous cowards", "traitors"]
    assert {s.label for s in spans} == {"Name_Calling,Labeling"}
    assert [s.attrs["voice"] for s in spans] == ["author", "quoted:Coastal Ledger"]
    assert all(0.99 < s.score <= 1.0 for s in spans)
    assert spans[0].attrs["techniques"][0] == "Name_Calling,Labeling"


def test_the_span_threshold_comes_from_the_model_then_the_options(tmp_path: Path) -> None:
    doc = toy_doc()
    strict = PropagandaStage(Options(model_dir=toy_model_dir(tmp_path, span=0.999999999)))
    readings = strict.predict(doc)  # probabilities only: the same readings serve every threshold
    strict.set_annotations(doc, readings)
    assert doc.layers[PROPAGANDA] == []
    lenient = PropagandaStage(
        Options(model_dir=toy_model_dir(tmp_path / "b", span=0.999999999), thresholds={"propaganda": 0.5})
    )
    lenient.set_annotations(doc, readings)
    assert len(doc.layers[PROPAGANDA]) == 2


def test_word_runs_bridge_at_most_gap_words() -> None:
    words = [Word(i * 4, i * 4 + 3, np.array([p])) for i, p in enumerate([0.9, 0.8, 0.1, 0.7, 0.2, 0.2, 0.6])]
    assert [(s, e) for s, e, _ in word_runs(words, 0.5)] == [(0, 7), (12, 15), (24, 27)]
    assert [(s, e) for s, e, _ in word_runs(words, 0.5, gap=1)] == [(0, 15), (24, 27)]
    assert [(s, e) for s, e, _ in word_runs(words, 0.5, gap=2)] == [(0, 27)]
    (run,) = word_runs(words, 0.5, gap=2)
    assert abs(run[2] - np.mean([0.9, 0.8, 0.7, 0.6])) < 1e-9  # the tagged words' mean
    assert word_runs(words, 0.95) == []
    # hysteresis: runs grown at 0.5 are kept only where a word reaches the peak
    assert [(s, e) for s, e, _ in word_runs(words, 0.5, peak=0.75)] == [(0, 7)]
    assert [(s, e) for s, e, _ in word_runs(words, 0.5, gap=2, peak=0.85)] == [(0, 27)]


def test_a_span_said_again_in_the_document_is_read_as_repetition_unless_the_head_is_surer() -> None:
    document = Recurrence("Drain the swamp, he said. They cheered. DRAIN THE SWAMP! The swamps drained.")
    probs = {"Repetition": 0.1, "Slogans": 0.5, "Loaded_Language": 0.4}
    assert with_repetition(probs, "Drain the swamp", document, 0.6)["Repetition"] == 0.6
    assert with_repetition(probs, " he said", document, 0.6) == probs  # said once
    assert with_repetition(probs, "Drain the swamp", document, 0.0) == probs  # no rule in the model
    # stop words recur in any text: their recurrence is no Repetition
    assert with_repetition(probs, "the", document, 0.6) == probs
    assert with_repetition(probs, "or we", Recurrence("or we go, or we stay"), 0.6) == probs
    sure = {"Repetition": 0.1, "Slogans": 0.8, "Loaded_Language": 0.1}
    lifted = with_repetition(sure, "drain the swamp", document, 0.6)
    assert max(lifted, key=lifted.__getitem__) == "Slogans" and lifted["Repetition"] == 0.6


def test_recurrence_counts_whole_words_in_order() -> None:
    document = Recurrence("Drain the swamp, he said. They cheered. DRAIN THE SWAMP! The swamps drained.")
    assert document.count("drain the swamp") == 2
    assert document.count("swamp") == 2  # not inside "swamps"
    assert document.count("the swamp drain") == 0
    assert document.count("Drain", enough=5) == 2 and document.count("drained") == 1
    assert document.count("…") == 0  # no word


def test_the_length_prior_weighs_the_heads_probabilities_by_the_spans_length() -> None:
    prior = LengthPrior((1, 3), {"Loaded_Language": (2.0, 1.0, 0.25), "Doubt": (0.5, 1.0, 2.0)})
    assert [prior.bucket(p) for p in ("corrupt", "so-called experts here", "are we really to believe this")] \
        == [0, 1, 2]
    probs = {"Loaded_Language": 0.5, "Doubt": 0.4, "Slogans": 0.1}
    short = prior.apply(probs, "corrupt")
    assert short == pytest.approx({"Loaded_Language": 1.0 / 1.3, "Doubt": 0.2 / 1.3, "Slogans": 0.1 / 1.3})
    long = prior.apply(probs, "are we really to believe this")
    assert max(long, key=long.__getitem__) == "Doubt" and sum(long.values()) == pytest.approx(1.0)
    assert LengthPrior.from_dict(prior.to_dict()) == prior


def test_the_technique_rules_come_from_the_model() -> None:
    prior = {"edges": [1], "ratios": {"Doubt": [0.5, 2.0]}}
    decision = Decision.from_rule({"span": 0.2, "repeated": 0.6, "length_prior": prior})
    assert decision.repeated == 0.6 and decision.length == LengthPrior((1,), {"Doubt": (0.5, 2.0)})
    assert Decision.from_rule({"span": 0.15, "gap": 0, "peak": 0.3}) == Decision(span=0.15, gap=0, peak=0.3)
    # a model calibrated before the rules: the head's probabilities as they are
    assert Decision.from_rule({"span": 0.2}) == Decision(span=0.2)
    probs = {"Repetition": 0.2, "Doubt": 0.8}
    assert decided_techniques(probs, "doubt it", Recurrence("doubt it, doubt it"), Decision()) == probs


# --- the shipped model on the example page -------------------------------------------------------------
#: the persuasion the examples README lists on the page (../shared/examples/README.md)
EXAMPLE_PERSUASION = [
    "SHOCKER",
    "Every honest taxpayer in this city should be furious",
    "either incompetent or bought",
    "Are we really supposed to believe",
    "Give me a break",
    "career politicians",
    "fat-cat corporations",
    "Either we take our port back now, or we lose it forever.",
    "Follow the money.",
]


@pytest.mark.model
def test_the_example_page_techniques_and_their_voices(default_pipeline) -> None:
    from unspun.render import render

    if "propaganda" not in default_pipeline.stage_names:
        pytest.skip("the shipped model has no propaganda heads")
    doc = default_pipeline.analyze((testpaths.EXAMPLES / "port-deal.html").read_text("utf-8"))
    spans = doc.layers[PROPAGANDA]

    def found(phrase: str) -> bool:
        start = doc.text.index(phrase)
        return any(s.start < start + len(phrase) and start < s.end for s in spans)

    hits = [p for p in EXAMPLE_PERSUASION if found(p)]
    assert len(hits) >= 6, f"found {hits}"  # most of the page's persuasion (6 of 9 when shipped)
    quoted = [s for s in doc.layers[STRUCTURE] if s.label == QUOTED]
    inside = [s for s in spans if any(q.start <= s.start < q.end for q in quoted)]
    assert len(inside) <= 1, "the republished news report carries few techniques"
    assert all(s.attrs["voice"] == "quoted:Coastal Ledger" for s in inside)
    editorial = [s for s in spans if s.start < doc.text.index("Follow the money.")]
    assert editorial and all(s.attrs["voice"] == "author" for s in editorial if s not in inside)
    report = render(doc.to_dict(), "text")
    assert "Persuasion techniques" in report and "Name_Calling,Labeling" in report
