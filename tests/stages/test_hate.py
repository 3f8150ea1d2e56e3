"""The hate stage: one span per article sentence and per comment, labels, targets and rationale offsets.

Fast tests build the document and the encoder's output by hand (a tiny 2-d 'encoder' and hand-set heads);
`model` tests run the shipped int8 model on news sentences about groups and on hateful comments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import testpaths

from unspun.document import COMMENT, EDITORIAL, HATE, SENTENCES, STRUCTURE, TITLE, Document, Span
from unspun.encoder import model_installed
from unspun.errors import PipelineError
from unspun.heads import HATE_LABELS, HATE_TARGETS, Head, write_heads
from unspun.options import Options
from unspun.stages.encode import ENCODE, EncodeOutput
from unspun.stages.hate import CLASS_HEAD, RATIONALE_HEAD, TARGET_HEAD, HateStage, decide

TOXIC_WORDS = {"vermin", "illegals"}


def toy_encode(doc: Document) -> EncodeOutput:
    """A 2-d 'encoder': state[0] = 1 on the pieces of a toxic word, state[1] = 1 everywhere."""
    return testpaths.toy_encode(doc, lambda piece, word: word.lower() in TOXIC_WORDS)


def toy_model_dir(root: Path) -> Path:
    """A hand-made model directory whose hate heads read the toy encoder's 2-d states."""
    n_t = len(HATE_TARGETS)
    cls = Head(
        CLASS_HEAD,
        "sequence",
        HATE_LABELS,
        "softmax",
        np.array([[40.0, 0.0], [0.0, 0.0], [0.0, 1.0]], dtype=np.float32),
        np.zeros(3, dtype=np.float32),
        "hate",
    )
    tw = np.zeros((n_t, 2), dtype=np.float32)
    tb = np.full(n_t, -5.0, dtype=np.float32)
    tw[HATE_TARGETS.index("Refugee")] = [40.0, -2.0]
    tgt = Head(TARGET_HEAD, "sequence", HATE_TARGETS, "sigmoid", tw, tb, "hate")
    rat = Head(
        RATIONALE_HEAD,
        "token",
        ("rationale",),
        "sigmoid",
        np.array([[8.0, -4.0]], dtype=np.float32),
        np.zeros(1, dtype=np.float32),
        "hate",
    )
    d = root / "toy-model"
    config = {"target_names": {"Refugee": "immigrants/refugees"}, "decisions": {"hate": {"toxic": 0.5}}}
    write_heads(d, [cls, tgt, rat], config)
    return d


def build_doc() -> Document:
    title = "Council meets community leaders"
    para = "The council met Muslim and Jewish community leaders. Talks went well."
    c1 = "Those dock workers are all illegals anyway, they're vermin. Throw them out."
    c2 = "Does anyone have a link to the document?"
    text = "\n\n".join([title, para, c1, c2])
    doc = Document(text=text, language="en")
    pos = 0
    for i, (part, label) in enumerate([(title, TITLE), (para, EDITORIAL), (c1, COMMENT), (c2, COMMENT)]):
        start = text.index(part, pos)
        attrs = {"index": i - 2} if label == COMMENT else {}
        doc.add(STRUCTURE, Span(start, start + len(part), label, None, attrs, "structure"))
        seg = i
        for sent in [s for s in part.replace(". ", ".|").split("|")]:
            s0 = text.index(sent, start)
            doc.add(SENTENCES, Span(s0, s0 + len(sent), "sentence", None, {"segment": seg}, "sentences"))
        pos = start + len(part)
    return doc


def run_toy(doc: Document, root: Path, **options: object) -> list[Span]:
    doc.parses[ENCODE] = toy_encode(doc)
    HateStage(Options(model_dir=toy_model_dir(root), **options))(doc)  # type: ignore[arg-type]
    return sorted(doc.layers[HATE], key=lambda s: s.start)


def test_decide_uses_the_toxicity_threshold() -> None:
    assert decide({"hate": 0.3, "offensive": 0.25, "normal": 0.45}, 0.5) == "hate"
    assert decide({"hate": 0.3, "offensive": 0.25, "normal": 0.45}, 0.6) == "normal"
    assert decide({"hate": 0.2, "offensive": 0.5, "normal": 0.3}, 0.5) == "offensive"
    # the hate-vs-offensive offset chosen on val moves close calls between the two
    assert decide({"hate": 0.33, "offensive": 0.37, "normal": 0.3}, 0.5, hate_offset=0.05) == "hate"
    assert decide({"hate": 0.33, "offensive": 0.37, "normal": 0.3}, 0.5, hate_offset=0.0) == "offensive"


def test_one_span_per_article_sentence_and_per_comment(tmp_path: Path) -> None:
    doc = build_doc()
    spans = run_toy(doc, tmp_path)
    texts = [doc.span_text(s) for s in spans]
    assert texts == [
        "Council meets community leaders",
        "The council met Muslim and Jewish community leaders.",
        "Talks went well.",
        "Those dock workers are all illegals anyway, they're vermin. Throw them out.",  # whole comment
        "Does anyone have a link to the document?",
    ]
    assert all(s.stage == "hate" for s in spans)


def test_labels_scores_targets_and_rationale_offsets(tmp_path: Path) -> None:
    doc = build_doc()
    spans = run_toy(doc, tmp_path)
    hate = [s for s in spans if s.label != "normal"]
    assert [doc.span_text(s)[:11] for s in hate] == ["Those dock "]
    h = hate[0]
    assert h.label == "hate"
    assert h.score == pytest.approx(h.attrs["scores"]["hate"], abs=1e-4)
    assert sum(h.attrs["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert h.attrs["targets"] == ["immigrants/refugees"]
    assert sorted(doc.text[s:e] for s, e in h.attrs["rationale"]) == ["illegals", "vermin"]
    for s in spans:
        if s.label == "normal":
            assert s.attrs["targets"] == [] and s.attrs["rationale"] == []
            assert s.score == pytest.approx(s.attrs["scores"]["normal"], abs=1e-4)


def test_threshold_option_overrides_the_shipped_rule(tmp_path: Path) -> None:
    spans = run_toy(build_doc(), tmp_path, thresholds={"hate": 1.0})
    assert all(s.label == "normal" for s in spans)
    # another task's threshold leaves hate's rule alone
    spans = run_toy(build_doc(), tmp_path / "b", thresholds={"claims": 1.0})
    assert [s.label for s in spans].count("hate") == 1


def test_predict_returns_probabilities_and_the_decision_comes_after(tmp_path: Path) -> None:
    doc = build_doc()
    doc.parses[ENCODE] = toy_encode(doc)
    strict = HateStage(Options(model_dir=toy_model_dir(tmp_path), thresholds={"hate": 1.0}))
    readings = strict.predict(doc)
    assert len(readings) == 5 and all(
        set(r.probs) == {CLASS_HEAD, TARGET_HEAD, RATIONALE_HEAD} for r in readings
    )
    lenient = HateStage(Options(model_dir=toy_model_dir(tmp_path)))
    lenient.set_annotations(doc, readings)  # the same readings, decided under the shipped rule
    assert [s.label for s in doc.layers[HATE]].count("hate") == 1


def test_missing_encoder_output_is_an_error(tmp_path: Path) -> None:
    stage = HateStage(Options(model_dir=toy_model_dir(tmp_path)))
    with pytest.raises(PipelineError, match="encode"):
        stage.predict(build_doc())


def test_stage_declares_its_inputs() -> None:
    assert HateStage.requires == (STRUCTURE, SENTENCES)
    assert HateStage.needs == (ENCODE,)
    assert HateStage.assigns == (HATE,)
    assert HateStage.english_only


# --- the shipped model -------------------------------------------------------------------------------

needs_model = pytest.mark.skipif(not model_installed(), reason="the shipped encoder is not installed")


def analyse(parts: list[tuple[str, str]]) -> tuple[Document, list[Span]]:
    """Run the real encode + hate stages over a hand-built document (one sentence per segment)."""
    from unspun.stages.encode import EncodeStage

    text = "\n\n".join(p for p, _ in parts)
    doc = Document(text=text, language="en")
    pos = 0
    for i, (part, label) in enumerate(parts):
        start = text.index(part, pos)
        doc.add(STRUCTURE, Span(start, start + len(part), label, None, {}, "structure"))
        doc.add(SENTENCES, Span(start, start + len(part), "sentence", None, {"segment": i}, "sentences"))
        pos = start + len(part)
    EncodeStage(Options())(doc)
    HateStage(Options())(doc)
    return doc, sorted(doc.layers[HATE], key=lambda s: s.start)


NEWS_ABOUT_GROUPS = [
    "Islamic State militants left Raqqa in a convoy",
    "The council met Muslim and Jewish community leaders",
    "Refugees from Syria arrived in Greece on Monday, the UN refugee agency said.",
    "The bill would give undocumented immigrants a path to citizenship.",
    "Black voters turned out in record numbers in Georgia.",
    "The synagogue reopened a year after the attack.",
    "Women now make up half of the city's police recruits.",
]


@pytest.mark.model
@needs_model
@pytest.mark.parametrize("sentence", NEWS_ABOUT_GROUPS)
def test_news_reporting_about_groups_is_normal(sentence: str) -> None:
    doc, spans = analyse([(sentence, EDITORIAL)])
    assert [s.label for s in spans] == ["normal"], spans[0].attrs["scores"]


DOCK_WORKERS = (
    "Those dock workers are all illegals anyway, they're vermin who should be thrown out with the trash."
)


@pytest.mark.model
@needs_model
def test_dehumanising_comment_is_hate_with_rationale() -> None:
    """The example page's comment, punctuated as written: hate, for the right words (a model trained on
    HateXplain's unpunctuated posts alone read its full stop as "normal")."""
    doc, spans = analyse([("Port deal criticised by council", TITLE), (DOCK_WORKERS, COMMENT)])
    assert [s.label for s in spans] == ["normal", "hate"]
    comment = spans[1]
    assert comment.attrs["targets"], "a hateful comment names its target"
    words = {doc.text[s:e].lower() for s, e in comment.attrs["rationale"]}
    assert {"illegals", "vermin", "trash"} <= words
    assert all(doc.text[s:e].strip() == doc.text[s:e] for s, e in comment.attrs["rationale"])


@pytest.mark.model
@needs_model
def test_rude_about_politicians_is_not_hate() -> None:
    _, spans = analyse(
        [
            ("The bureaucrats running our docks are either incompetent or bought.", EDITORIAL),
            ("Does anyone have a link to the actual settlement document?", COMMENT),
        ]
    )
    assert all(s.label != "hate" for s in spans)


HATEFUL_COMMENTS = [
    ("Muslims are a disease and should be deported, every last one of them.", "Muslims", "disease"),
    ("Go back to your own country, you filthy wetbacks.", "Hispanics/Latinos", "wetbacks"),
    ("Illegal immigrants are vermin.", "immigrants/refugees", "vermin"),
]


@pytest.mark.model
@needs_model
@pytest.mark.parametrize(("comment", "target", "word"), HATEFUL_COMMENTS)
def test_hateful_comments_are_hate_for_their_words(comment: str, target: str, word: str) -> None:
    doc, spans = analyse([("Council debates the new housing plan", TITLE), (comment, COMMENT)])
    assert [s.label for s in spans] == ["normal", "hate"]
    assert word in {doc.text[s:e] for s, e in spans[1].attrs["rationale"]}
    assert spans[1].score == pytest.approx(spans[1].attrs["scores"]["hate"], abs=1e-4)


@pytest.mark.model
@needs_model
@pytest.mark.parametrize(
    ("comment", "target"),
    [
        *[c[:2] for c in HATEFUL_COMMENTS],
        pytest.param(
            DOCK_WORKERS,
            "immigrants/refugees",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known gap of the shipped model (MODEL_CARD.md, Known limits): 'illegals' reads as "
                "aimed at Hispanics (p 0.46); immigrants/refugees get 0.20, under the 0.25 target threshold",
            ),
        ),
    ],
)
def test_hateful_comments_name_their_target(comment: str, target: str) -> None:
    _, spans = analyse([("Council debates the new housing plan", TITLE), (comment, COMMENT)])
    assert target in spans[1].attrs["targets"]


def test_initialize_loads_the_model_of_the_options(tmp_path: Path) -> None:
    from unspun.errors import ModelMissingError

    with pytest.raises(ModelMissingError, match=str(tmp_path)):
        HateStage(Options(model_dir=tmp_path)).initialize()


# Sentences of the issue that filed the generalisation work (hate-v5 read the first four as normal or
# offensive and the counter-speech as offensive).
PLAIN_HATE = [
    ("Women are too emotional to be trusted with any real responsibility.", "women"),
    ("Disabled people are a burden on everyone around them.", "disabled people"),
    ("Black people are just naturally more violent.", "Black people"),
    ("Those immigrants deserve to be shot at the border.", "immigrants/refugees"),
]


@pytest.mark.model
@needs_model
@pytest.mark.parametrize(("comment", "target"), PLAIN_HATE)
def test_plain_hate_without_slurs_is_hate_against_its_group(comment: str, target: str) -> None:
    _, spans = analyse([("Council debates the new housing plan", TITLE), (comment, COMMENT)])
    assert [s.label for s in spans] == ["normal", "hate"], spans[1].attrs["scores"]
    assert spans[1].attrs["targets"][0] == target


@pytest.mark.model
@needs_model
def test_counter_speech_is_normal() -> None:
    _, spans = analyse([("Saying that women are inferior is disgusting and wrong.", COMMENT)])
    assert [s.label for s in spans] == ["normal"], spans[0].attrs["scores"]
