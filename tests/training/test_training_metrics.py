"""The benchmark metrics, checked against hand-computed values and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from unspun.training import metrics as M


def test_binary_auc_matches_sklearn_with_ties() -> None:
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300).astype(bool)
    score = np.round(rng.random(300) + 0.3 * y, 1)  # rounded: many ties
    assert M.binary_auc(y, score) == pytest.approx(sk.roc_auc_score(y, score))


def test_auc_undefined_without_both_classes() -> None:
    assert np.isnan(M.binary_auc(np.array([True, True]), np.array([0.1, 0.2])))


def test_macro_f1_and_ovr_auroc_match_sklearn() -> None:
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 200)
    probs = rng.dirichlet([1, 1, 1], 200)
    probs[np.arange(200), y] += 0.5
    probs /= probs.sum(1, keepdims=True)
    pred = probs.argmax(1)
    assert M.macro_f1(y, pred, 3) == pytest.approx(sk.f1_score(y, pred, average="macro"))
    assert M.auroc_ovr(y, probs) == pytest.approx(
        sk.roc_auc_score(y, probs, multi_class="ovr", average="macro")
    )


def test_generalized_mean_is_pulled_to_the_worst_value() -> None:
    assert M.generalized_mean([0.9, 0.9]) == pytest.approx(0.9)
    gm = M.generalized_mean([0.9, 0.5])
    assert 0.5 < gm < 0.6  # p = -5 punishes the weak community
    assert M.generalized_mean([0.8, float("nan")]) == pytest.approx(0.8)


def test_bias_aucs_separate_subgroup_and_background() -> None:
    # a scorer that flags every post about group A, toxic or not: perfect background, bad BPSN
    toxic = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype=bool)
    about = [{"A"}, {"A"}, {"A"}, {"A"}, set(), set(), set(), set()]
    score = np.array([0.9, 0.8, 0.9, 0.8, 0.9, 0.1, 0.9, 0.1])
    b = M.bias_aucs(toxic, score, about, ("A", "B"))
    assert b.per_community["A"]["subgroup"] == pytest.approx(1.0)
    assert b.per_community["A"]["bpsn"] == pytest.approx(1.0)  # subgroup normal 0.8 < background toxic 0.9
    assert "B" not in b.per_community  # no post about B
    score2 = score.copy()
    score2[[1, 3]] = 0.95  # normal posts about A now outscore toxic background posts
    assert M.bias_aucs(toxic, score2, about, ("A",)).bpsn == pytest.approx(0.0)


def test_rationale_scores_token_and_iou() -> None:
    gold = [np.array([0, 1, 1, 0, 0, 1]), np.array([1, 0, 0])]
    pred = [np.array([0, 1, 1, 0, 0, 0]), np.array([0, 0, 1])]
    r = M.rationale_scores(gold, pred)
    # post 1: P=1, R=2/3 -> F1 0.8; post 2: 0
    assert r["token_f1"] == pytest.approx(0.4)
    # spans: gold {(1,3),(5,6)}, {(0,1)}; pred {(1,3)}, {(2,3)}: 1 of 2 predicted matches, 1 of 3 gold
    assert r["iou_f1"] == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


# --- SemEval-2020 Task 11 (propaganda) ---------------------------------------------------------------------
def test_si_partial_overlap_credit() -> None:
    # half of the prediction overlaps half of the gold span
    assert M.si_scores({"a": [(5, 15)]}, {"a": [(0, 10)]}) == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    # two short predictions inside one gold span: precise, but they cover 4 of its 10 characters
    s = M.si_scores({"a": [(0, 2), (4, 6)]}, {"a": [(0, 10)]})
    assert s["precision"] == 1.0 and abs(s["recall"] - 0.4) < 1e-12
    assert abs(s["f1"] - 2 * 0.4 / 1.4) < 1e-12
    # overlapping predictions are merged before scoring, as the task's scorer reads a submission
    assert M.si_scores({"a": [(0, 6), (4, 10)]}, {"a": [(0, 10)]})["f1"] == 1.0
    # sums run over all articles: a missed article costs recall, not precision
    s = M.si_scores({"a": [(0, 10)]}, {"a": [(0, 10)], "b": [(0, 4)]})
    assert s["precision"] == 1.0 and s["recall"] == 0.5
    assert M.si_scores({}, {"a": [(0, 10)]}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_tc_micro_and_macro_f1() -> None:
    labels = ("LL", "NC", "D", "R")
    res = M.tc_scores(["LL", "LL", "NC", "D"], ["LL", "NC", "NC", "D"], labels)
    assert res["micro_f1"] == 0.75
    per = res["per_label"]
    assert set(per) == {"LL", "NC", "D"}  # R occurs in neither gold nor predictions
    assert per["LL"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    assert per["NC"]["precision"] == 0.5 and per["NC"]["recall"] == 1.0
    assert abs(res["macro_f1"] - (2 / 3 + 2 / 3 + 1.0) / 3) < 1e-12


def test_span_match_scores_exact_and_overlap_by_hand() -> None:
    gold = {"a": [(0, 10), (20, 30), (40, 50)], "b": [(5, 8)]}
    # one exact hit, one partial hit, one miss, and a duplicate prediction counted once
    pred = {"a": [(0, 10), (0, 10), (22, 35), (60, 70)], "b": []}
    s = M.span_match_scores(pred, gold)
    assert (s["n_pred"], s["n_gold"]) == (3, 4)
    assert s["exact_precision"] == pytest.approx(1 / 3) and s["exact_recall"] == pytest.approx(1 / 4)
    assert s["exact_f1"] == pytest.approx(2 * (1 / 3) * (1 / 4) / (1 / 3 + 1 / 4))
    assert s["overlap_precision"] == pytest.approx(2 / 3) and s["overlap_recall"] == pytest.approx(2 / 4)
    # touching is not overlapping
    assert M.span_match_scores({"a": [(10, 20)]}, {"a": [(0, 10)]})["overlap_f1"] == 0.0
    assert M.prf(0, 0, 0, 0) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
# --- check-worthiness ------------------------------------------------------------------------------------


def test_binary_scores_of_the_positive_class_and_macro_f1() -> None:
    gold = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    pred = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    s = M.binary_scores(gold, pred)
    # positive class: tp 2, fp 1, fn 1 -> P = R = F1 = 2/3; negative class: tp 4, fp 1, fn 1 -> F1 = 0.8
    assert s["precision"] == pytest.approx(2 / 3) and s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3)
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    none = M.binary_scores(gold, np.zeros(8))
    assert none["precision"] == 0.0 and none["recall"] == 0.0 and none["f1"] == 0.0


def test_best_threshold_picks_the_lowest_threshold_of_the_best_f1() -> None:
    gold = np.array([True, True, False, False])
    score = np.array([0.9, 0.6, 0.55, 0.1])
    t, f1 = M.best_threshold(gold, score, grid=(0.05, 0.5, 0.56, 0.58, 0.7))
    assert (t, f1) == (0.56, 1.0)  # 0.58 is as good: the lower one wins
    t, f1 = M.best_threshold(gold, score, grid=(0.05, 0.7))
    assert t == 0.05 and f1 == pytest.approx(2 * 0.5 * 1 / 1.5)


def test_average_precision_as_the_checkthat_scorer_defines_it() -> None:
    # ranked: + - + - -> precisions at the hits 1/1 and 2/3, over 2 positives
    ap = M.average_precision([True, False, True, False], [0.9, 0.8, 0.7, 0.1])
    assert ap == pytest.approx((1 + 2 / 3) / 2)
    # the ranking is by score, not by input order: the positive ranked third -> 1/3
    assert M.average_precision([True, False, False], [0.1, 0.5, 0.9]) == pytest.approx(1 / 3)
    # ties keep the input order (a stable sort, as the lab's scorer): the positive comes second -> 1/2
    assert M.average_precision([False, True], [0.5, 0.5]) == pytest.approx(0.5)
    assert M.average_precision([False, False], [0.2, 0.1]) == 0.0


def test_mean_average_precision_averages_debates_not_sentences() -> None:
    groups = ["a", "a", "a", "b", "b", "b", "b"]
    gold = [True, False, False, False, False, False, True]
    score = [0.9, 0.2, 0.1, 0.9, 0.8, 0.7, 0.6]
    # debate a: AP 1; debate b: its one positive ranked fourth -> 1/4; MAP = (1 + 1/4) / 2
    assert M.mean_average_precision(groups, gold, score) == pytest.approx(0.625)
    assert M.mean_average_precision([], [], []) == 0.0
