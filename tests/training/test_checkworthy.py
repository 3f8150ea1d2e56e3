"""The check-worthiness loaders (ClaimBuster, CLEF CheckThat! 2019 Task 1) on small hand-made copies of
their files: seeded validation splits that never change and never overlap, and test sentences kept out of
training."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from unspun.training import checkworthy as C
from unspun.training.claims import CLAIMS_HEAD, beside_neighbours, sentence_examples
from unspun.training.data import DataError

TEST_SENTENCE = "Unemployment fell to 4 percent last year."


def write_claimbuster(root: Path, n: int = 200) -> Path:
    d = root / "claimbuster"
    d.mkdir(parents=True)
    train = [{"sentence_id": i, "label": i % 4 == 0, "text": f"Sentence number {i} of  the debate."}
             for i in range(n)]
    train.append({"sentence_id": n, "label": 1, "text": "unemployment fell to 4 percent, last year"})
    test = [{"sentence_id": 10_000, "label": 1, "text": TEST_SENTENCE},
            {"sentence_id": 10_001, "label": 0, "text": "Thank you."}]
    (d / "train.json").write_text(json.dumps(train), "utf-8")
    (d / "test.json").write_text(json.dumps(test), "utf-8")
    return d


def write_clef(root: Path, debates: int = 8) -> Path:
    d = root / "clef-checkthat" / "clef19"
    d.mkdir(parents=True)
    fields = ["line_number", "speaker", "text", "label", "file_name"]
    for name, rows in (
        ("CT19-T1-Training.csv", [(k, f"debate{n}.tsv") for n in range(debates) for k in (2, 1)]),
        ("CT19-T1-Test.csv", [(1, "test1.tsv"), (2, "test1.tsv")]),
    ):
        with (d / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fields)
            w.writeheader()
            for line, debate in rows:
                w.writerow({"line_number": line, "speaker": "HOLT", "text": f"Line {line} of {debate}.",
                            "label": int(line == 1), "file_name": debate})
    return d


def test_claimbuster_val_is_a_fixed_tenth_of_train_and_test_is_as_published(tmp_path: Path) -> None:
    write_claimbuster(tmp_path)
    train = C.load_claimbuster(tmp_path, "train")
    val = C.load_claimbuster(tmp_path / "claimbuster", "val")  # the dataset's own directory works too
    assert {s.id for s in train}.isdisjoint({s.id for s in val})
    assert len(train) + len(val) == 201
    assert 5 <= len(val) <= 40  # about a tenth
    assert [s.id for s in val] == [s.id for s in C.load_claimbuster(tmp_path, "val")]  # seeded, stable
    assert all(s.text == " ".join(s.text.split()) for s in train)  # whitespace normalised
    test = C.load_claimbuster(tmp_path, "test")
    assert [(s.text, s.label) for s in test] == [(TEST_SENTENCE, 1), ("Thank you.", 0)]


def test_clef_splits_hold_out_whole_debates(tmp_path: Path) -> None:
    write_clef(tmp_path)
    train, val = C.load_clef19(tmp_path, "train"), C.load_clef19(tmp_path, "val")
    assert len({s.debate for s in val}) == C.CLEF_VAL_DEBATES
    assert {s.debate for s in train}.isdisjoint({s.debate for s in val})
    assert len(train) + len(val) == 16
    # sorted by debate, then line; labels and speakers read
    assert [s.line for s in train[:2]] == [1, 2] and train[0].label == 1 and train[0].speaker == "HOLT"
    test = C.load_clef19(tmp_path / "clef-checkthat", "test")
    assert [(s.debate, s.line, s.label) for s in test] == [("test1.tsv", 1, 1), ("test1.tsv", 2, 0)]


def test_test_sentences_are_kept_out_of_training(tmp_path: Path) -> None:
    write_claimbuster(tmp_path)
    write_clef(tmp_path)
    keys = C.test_keys(tmp_path)
    assert C.text_key(TEST_SENTENCE) in keys and C.text_key("Line 1 of test1.tsv.") in keys
    every = C.load_claimbuster(tmp_path, "train") + C.load_claimbuster(tmp_path, "val")
    kept = C.training_sentences(every, keys)
    # the train copy of the test sentence differs only in case and punctuation: still left out
    assert len(kept) == len(every) - 1
    assert all(C.text_key(s.text) != C.text_key(TEST_SENTENCE) for s in kept)


def test_missing_data_and_unknown_splits_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no ClaimBuster data"):
        C.load_claimbuster(tmp_path, "train")
    with pytest.raises(DataError, match="no CLEF CheckThat"):
        C.load_clef19(tmp_path, "test")
    write_claimbuster(tmp_path)
    with pytest.raises(DataError, match="splits train, val, test"):
        C.load_claimbuster(tmp_path, "dev")
    assert C.test_keys(tmp_path)  # CLEF absent: ClaimBuster's test still read


def test_examples_carry_the_claims_target_and_class_weight() -> None:
    sentences = [C.CheckSentence("a", "Taxes rose 3 percent.", 1), C.CheckSentence("b", "Good evening.", 0)]
    pos, neg = sentence_examples(sentences, "claimbuster", 0.5, positive_weight=2.0)
    assert np.array_equal(pos.labels[CLAIMS_HEAD], [1.0]) and np.array_equal(neg.labels[CLAIMS_HEAD], [0.0])
    assert (pos.weight, neg.weight) == (1.0, 0.5)


def test_sentences_beside_a_neighbour_keep_their_range_and_label() -> None:
    sentences = [C.CheckSentence(str(k), f"Taxes rose {k} percent in the city.", k % 2) for k in range(40)]
    examples = sentence_examples(sentences, "claimbuster", 1.0)
    beside = beside_neighbours(examples, ["Good evening.", "Thank you all for coming tonight."], 1.0, "s")
    assert len(beside) == len(examples)
    for ex, b in zip(examples, beside, strict=True):
        lo, hi = b.span
        assert b.text[lo:hi] == ex.text and b.text != ex.text  # the sentence is read from its own range
        assert np.array_equal(b.labels[CLAIMS_HEAD], ex.labels[CLAIMS_HEAD])
    assert len(beside_neighbours(examples, ["Hello."], 0.25, "s")) < len(examples) // 2  # a share of them
    assert beside_neighbours(examples, [], 1.0, "s") == []
