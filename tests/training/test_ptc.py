"""The PTC reader: splits (our val tenth is disjoint from train, dev is the test), merged SI gold, and the
two kinds of training examples read as the pipeline reads a page (paragraph windows, spans in context)."""

from __future__ import annotations

import numpy as np
import pytest
import testpaths

from unspun.heads import PROPAGANDA_TECHNIQUES
from unspun.training import ptc

pytestmark = pytest.mark.skipif(
    not (testpaths.SHARED_DATA / "ptc-semeval2020").is_dir(), reason="PTC data not available"
)


def test_splits_are_disjoint_and_seeded() -> None:
    train = ptc.load_articles(testpaths.SHARED_DATA, "train")
    val = ptc.load_articles(testpaths.SHARED_DATA, "val")
    dev = ptc.load_articles(testpaths.SHARED_DATA, "dev")
    assert (len(train), len(val), len(dev)) == (334, 37, 75)
    assert not {a.id for a in train} & {a.id for a in val}
    assert [a.id for a in val] == [a.id for a in ptc.load_articles(testpaths.SHARED_DATA, "val")]
    assert sum(len(a.spans) for a in dev) == 1063


def test_merge_spans_and_gold_si() -> None:
    from unspun.training.metrics import merge_spans

    assert merge_spans([(5, 9), (0, 3), (2, 4), (9, 12)], touching=True) == [(0, 4), (5, 12)]
    art = ptc.Article(
        "1", "a b c d e f g", [ptc.TechniqueSpan("Doubt", 0, 3), ptc.TechniqueSpan("Slogans", 2, 5)]
    )
    assert art.si_spans() == [(0, 5)]


def test_examples_carry_word_targets_and_pooled_spans() -> None:
    from unspun.encoder import load_tokenizer

    tok = load_tokenizer(str(testpaths.tokenizer_path()))
    text = "Title line\n\nThe corrupt elite lied again. Nothing else happened today."
    start = text.index("corrupt elite")
    art = ptc.Article(
        "7", text, [ptc.TechniqueSpan("Name_Calling,Labeling", start, start + len("corrupt elite"))]
    )
    windows = ptc.span_examples(tok, [art])
    assert [ex.text for ex in windows] == [
        "Title line",
        "The corrupt elite lied again. Nothing else happened today.",
    ]
    body = windows[1]
    tagged = [
        body.text[a:b] for (a, b), y in zip(body.word_spans, body.labels[ptc.SPANS_HEAD], strict=True) if y
    ]
    assert tagged == ["corrupt", "elite"]
    assert not np.any(windows[0].labels[ptc.SPANS_HEAD])
    (ex,) = ptc.technique_examples([art])
    assert ex.span is not None and ex.text[ex.span[0] : ex.span[1]] == "corrupt elite"
    assert ex.labels[ptc.TECHNIQUE_HEAD] == PROPAGANDA_TECHNIQUES.index("Name_Calling,Labeling")
    assert "Title" not in ex.text  # the context stays inside the span's paragraph


def test_the_length_prior_counts_gold_rows_by_length() -> None:
    from unspun.training.propaganda_eval import LENGTH_EDGES, length_prior

    text = "corrupt elites and so-called experts who want to take your guns away"
    spans = [ptc.TechniqueSpan("Loaded_Language", 0, 7), ptc.TechniqueSpan("Loaded_Language", 19, 36),
             ptc.TechniqueSpan("Appeal_to_fear-prejudice", 37, len(text))]
    prior = length_prior([ptc.Article("a1", text, spans)])
    assert prior.edges == LENGTH_EDGES
    loaded, fear = prior.ratios["Loaded_Language"], prior.ratios["Appeal_to_fear-prejudice"]
    # one word and two words: Loaded_Language more likely than overall; seven words: the fear appeal
    assert loaded[0] > 1 and loaded[1] > 1 and fear[0] < 1 and fear[4] > 1
    assert len(loaded) == len(LENGTH_EDGES) + 1 and set(prior.ratios) == set(PROPAGANDA_TECHNIQUES)
