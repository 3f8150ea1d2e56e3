"""The functional test suite of the hate layer: its shape (HateCheck's 29 functionalities and their gold
labels), its independence from the counter-speech training frames, deterministic expansion, the metrics on
hand-made labels, and one run of `unspun evaluate hate-functional` on the shipped model."""

from __future__ import annotations

import json
import re
from collections import Counter
from importlib import resources

import pytest

from unspun.encoder import model_installed
from unspun.training import functional as FN
from unspun.training.data import DataError, denounce_frames

GOLD = {f"F{k}": FN.HATEFUL for k in range(1, 30)} | {
    f"F{k}": FN.NON_HATEFUL for k in (8, 9, 11, 15, 18, 19, 20, 21, 22, 23, 24)
}
REQUIRED_GROUPS = {"women", "trans", "gay", "black", "disabled", "muslims", "immigrants"}
#: functionalities that name no group: fixed texts
PLAIN = {"F8", "F11", "F22", "F23", "F24"}
SPELLING = {"F25", "F26", "F27", "F28", "F29"}
#: the shortest run of words of a training frame that a suite case may not contain
FRAME_WORDS = 4


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(resources.files("unspun.training").joinpath(FN.SUITE_FILE).read_text("utf-8"))


@pytest.fixture(scope="module")
def suite() -> FN.Suite:
    return FN.load_suite()


def test_every_functionality_once_with_the_papers_gold_label(suite: FN.Suite) -> None:
    ids = [f.id for f in suite.functionalities]
    assert sorted(ids, key=lambda i: int(i[1:])) == [f"F{k}" for k in range(1, 30)]
    assert len(set(ids)) == len(ids) == 29
    assert {f.id: f.gold for f in suite.functionalities} == GOLD
    assert {c.functionality for c in suite.cases} == set(ids)
    assert all(c.gold == GOLD[c.functionality] for c in suite.cases)


def test_group_templated_functionalities_cover_every_group(spec: dict, suite: FN.Suite) -> None:
    groups = {g["id"] for g in spec["groups"]}
    assert REQUIRED_GROUPS <= groups
    templated = {f["id"] for f in spec["functionalities"] if f.get("templates")}
    assert templated == set(GOLD) - PLAIN - {"F9"}  # F9: reclaimed slurs exist for some groups only
    for fid in templated:
        covered = {c.group for c in suite.cases if c.functionality == fid}
        assert covered == groups and len(covered) >= 7, fid
        n_templates = len(next(f for f in spec["functionalities"] if f["id"] == fid)["templates"])
        assert 8 <= n_templates <= 20, fid
    assert all(c.group is None for c in suite.cases if c.functionality in PLAIN)
    assert {c.group for c in suite.cases if c.functionality == "F9"} <= groups


def test_cases_are_unique_filled_and_written_as_one_line(suite: FN.Suite) -> None:
    texts = [c.text for c in suite.cases]
    assert 2500 <= len(texts) <= 4000
    dup = sorted(t for t, k in Counter(texts).items() if k > 1)
    assert not dup, dup[:5]
    for t in texts:
        assert t.strip() and t == " ".join(t.split()), repr(t)
        assert not re.search(r"[{}<>]", t), t  # every placeholder filled, every marker perturbed


def test_no_case_reuses_a_training_denounce_frame(suite: FN.Suite) -> None:
    """The counter-speech training frames must not leak into the suite: no case holds any run of
    FRAME_WORDS words of a frame's fixed text (lower case, punctuation and apostrophes dropped)."""

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("\u2019", ""))

    grams = set()
    for frame in denounce_frames():
        for piece in frame.split("{s}"):
            w = words(piece)
            grams |= {" ".join(w[k : k + FRAME_WORDS]) for k in range(len(w) - FRAME_WORDS + 1)}
    assert len(grams) > 20  # the frames were read

    def reused(text: str) -> set[str]:
        padded = f" {' '.join(words(text))} "
        return {g for g in grams if f" {g} " in padded}

    assert reused(denounce_frames()[1].replace("{s}", "x"))  # the check sees a frame when there is one
    hits = {c.text: reused(c.text) for c in suite.cases if reused(c.text)}
    assert not hits, hits


def test_spelling_variations_perturb_the_marked_word(spec: dict, suite: FN.Suite) -> None:
    women = next(g for g in spec["groups"] if g["id"] == "women")
    by_id = {f["id"]: f for f in spec["functionalities"]}
    for fid in SPELLING:
        plain = {FN.fill(t, women).replace("<", "").replace(">", "") for t in by_id[fid]["templates"]}
        got = [c.text for c in suite.cases if c.functionality == fid and c.group == "women"]
        assert len(got) == len(plain) and not plain & set(got), fid


def test_perturbations_and_placeholders() -> None:
    assert FN.perturb("hate", "swap") == "htae"
    assert FN.perturb("faggot", "swap") == "fgagot"  # the middle pair is "gg": the nearest pair that differs
    assert FN.perturb("hate", "drop") == "hte"
    assert FN.perturb("disgusting", "drop") == "disgsting"
    assert FN.perturb("I hate Black people", "join") == "IhateBlackpeople"
    assert FN.perturb("vermin", "space") == "v e r m i n"
    assert FN.perturb("Kill", "leet") == "K1ll"
    assert FN.perturb("scum", "leet") == "5cum"  # no vowel to change: a consonant instead
    with pytest.raises(DataError):
        FN.perturb("two words", "swap")
    with pytest.raises(DataError):
        FN.perturb("aaaa", "swap")  # nothing to swap: an error, never an unchanged "variation"
    group = {"id": "immigrants", "plural": "immigrants", "singular": "immigrant"}
    assert FN.fill("{A_singular} and {a_singular}; {Plural}, {plural}.", group) == (
        "An immigrant and an immigrant; Immigrants, immigrants."
    )
    with pytest.raises(DataError):
        FN.fill("{slur}", group)
    with pytest.raises(DataError):
        FN.render("I <hate> them", None, None)  # a marker outside a spelling variation


def test_expansion_and_sampling_are_deterministic(suite: FN.Suite) -> None:
    assert FN.load_suite() == suite
    a, b = FN.sample(suite.cases, 100), FN.sample(suite.cases, 100)
    assert a == b
    assert 80 <= len(a) <= 120
    assert {c.functionality for c in a} == {f.id for f in suite.functionalities}
    order = {c: k for k, c in enumerate(suite.cases)}
    assert [order[c] for c in a] == sorted(order[c] for c in a)  # suite order kept
    assert FN.sample(suite.cases, None) == suite.cases


def case(fid: str, gold: str, group: str | None = None, k: int = 0) -> FN.FunctionalCase:
    return FN.FunctionalCase(f"{fid} {gold} {group} {k}", fid, gold, group)


def test_metrics_on_hand_made_labels() -> None:
    h, n = FN.HATEFUL, FN.NON_HATEFUL
    cases = [
        case("F1", h, "women", 0),  # hate: right
        case("F1", h, "women", 1),  # offensive: right (offensive counts as hateful)
        case("F1", h, "gay", 2),  # normal: wrong
        case("F18", n, "women", 3),  # normal: right
        case("F18", n, "gay", 4),  # offensive: wrong
        case("F22", n, None, 5),  # normal: right
    ]
    labels = ["hate", "offensive", "normal", "normal", "offensive", "normal"]
    report = FN.functional_metrics(cases, labels)
    assert (report.overall.n, report.overall.correct) == (6, 4)
    assert report.overall.labels == {"hate": 1, "normal": 3, "offensive": 2}
    assert (report.hateful.n, report.hateful.correct) == (3, 2)
    assert (report.non_hateful.n, report.non_hateful.correct) == (3, 2)
    assert report.hateful.accuracy == pytest.approx(2 / 3)
    assert {k: (s.n, s.correct) for k, s in report.functionalities.items()} == {
        "F1": (3, 2),
        "F18": (2, 1),
        "F22": (1, 1),
    }
    assert {k: (s.n, s.correct) for k, s in report.groups.items()} == {"women": (3, 3), "gay": (2, 0)}
    assert FN.Score(0, 0).accuracy is None
    with pytest.raises(ValueError):
        FN.functional_metrics(cases, labels[:-1])


def test_report_as_json_and_text() -> None:
    h, n = FN.HATEFUL, FN.NON_HATEFUL
    suite = FN.Suite(
        (
            FN.Functionality("F1", "derogation", "strong negative emotions", h),
            FN.Functionality("F19", "identity", "positive statements", n),
        ),
        (case("F1", h, "jews"), case("F19", n, "jews")),
    )
    out = FN.functional_metrics(suite.cases, ["normal", "normal"]).to_dict(suite)
    assert out["accuracy"]["overall"] == {"n": 2, "accuracy": 0.5, "labels": {"normal": 2}}
    assert out["accuracy"][h]["accuracy"] == 0.0 and out["accuracy"][n]["accuracy"] == 1.0
    assert [(f["id"], f["gold"], f["n"], f["accuracy"]) for f in out["functionalities"]] == [
        ("F1", h, 1, 0.0),
        ("F19", n, 1, 1.0),
    ]
    text = FN.format_text({"n": 2, **out})
    assert "n=2" in text and "F19" in text and "positive statements" in text and " 50.0%" in text


def test_dataset_flags_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from unspun.training.evaluate import main

    with pytest.raises(SystemExit) as exc:
        main(["hate-functional", "--split", "val"])
    assert exc.value.code == 2 and "--split" in capsys.readouterr().err


@pytest.mark.model
@pytest.mark.skipif(not model_installed(), reason="the shipped encoder is not installed")
def test_evaluate_hate_functional_on_the_shipped_model(capsys: pytest.CaptureFixture[str]) -> None:
    from unspun.training.evaluate import main

    assert main(["hate-functional", "--json", "--limit", "60"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["task"] == "hate-functional" and 45 <= res["n"] <= 90
    fs = res["functionalities"]
    assert [f["id"] for f in fs] == [f"F{k}" for k in range(1, 30)]
    assert sum(f["n"] for f in fs) == res["n"]
    for f in fs:
        assert f["gold"] == GOLD[f["id"]] and f["n"] >= 1
        assert isinstance(f["accuracy"], float) and 0.0 <= f["accuracy"] <= 1.0, f
        assert sum(f["labels"].values()) == f["n"] and set(f["labels"]) <= {"hate", "offensive", "normal"}
    acc = res["accuracy"]
    assert acc[FN.HATEFUL]["n"] + acc[FN.NON_HATEFUL]["n"] == acc["overall"]["n"] == res["n"]
    for score in (acc["overall"], acc[FN.HATEFUL], acc[FN.NON_HATEFUL], *res["groups"].values()):
        assert 0.0 <= score["accuracy"] <= 1.0
    assert REQUIRED_GROUPS <= set(res["groups"])
