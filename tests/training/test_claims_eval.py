"""`unspun evaluate claims` on small hand-made copies of ClaimBuster and CLEF CheckThat! 2019 files: which
benchmark a directory is, the JSON the command prints, and its figures against the metrics' own
definitions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_checkworthy import write_claimbuster, write_clef

from unspun.training import checkworthy as C
from unspun.training import claims_eval
from unspun.training import metrics as M

METRICS = {"precision", "recall", "f1", "macro_f1"}


def test_the_benchmark_is_the_one_the_directory_holds(tmp_path: Path) -> None:
    write_claimbuster(tmp_path)
    write_clef(tmp_path)
    assert claims_eval.which_dataset(tmp_path, None) == C.CB_DATASET  # the datasets directory
    assert claims_eval.which_dataset(tmp_path / "claimbuster", None) == C.CB_DATASET
    assert claims_eval.which_dataset(tmp_path / "clef-checkthat", None) == C.CLEF_DATASET
    assert claims_eval.which_dataset(tmp_path, "clef2019") == C.CLEF_DATASET


@pytest.mark.model
def test_the_json_has_the_issues_shape_and_the_metrics_definitions(tmp_path: Path, capsys) -> None:
    from unspun.encoder import default_model_dir
    from unspun.heads import load_heads

    if "claims" not in load_heads(default_model_dir()).tasks:
        pytest.skip("the shipped model has no claims heads")
    write_claimbuster(tmp_path)
    write_clef(tmp_path)
    assert claims_eval.main(["--data", str(tmp_path / "claimbuster"), "--split", "test", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res) == {"task", "dataset", "split", "n", "metrics"}
    assert (res["task"], res["dataset"], res["split"], res["n"]) == ("claims", "claimbuster", "test", 2)
    assert set(res["metrics"]) == METRICS
    sentences = C.load_claimbuster(tmp_path, "test")
    score = claims_eval.score_sentences([s.text for s in sentences], None)
    gold = np.asarray([s.label == 1 for s in sentences])
    expected = M.binary_scores(gold, score >= claims_eval.threshold_of(None))
    assert res["metrics"] == pytest.approx(expected)
    assert claims_eval.main(["--data", str(tmp_path / "clef-checkthat"), "--json"]) == 0
    clef = json.loads(capsys.readouterr().out)
    assert clef["dataset"] == C.CLEF_DATASET and set(clef["metrics"]) == METRICS | {"map"}
    assert 0.5 <= clef["metrics"]["map"] <= 1.0  # one debate, one check-worthy line of two: AP 1 or 1/2
