"""`unspun bench`: its result's ratios and JSON shape, and a clear error without the datasets (the
measurement itself runs the models for minutes: benchmarks/README.md has its figures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unspun.bench import BenchResult
from unspun.cli import main


def test_the_json_object_and_its_ratios() -> None:
    result = BenchResult(docs=60, chars=1000, full={"1": 2.0, "2": 3.4}, encoder_alone={"1": 2.5, "2": 4.0},
                         naive=0.4, peak_rss_mb={"1": 700.0, "2": 690.0})
    data = json.loads(json.dumps(result.to_dict()))
    assert {"docs", "full", "encoder_alone", "naive", "peak_rss_mb"} <= set(data)
    assert data["ratios"] == {"full_vs_encoder_1": 0.8, "full_vs_encoder_2": 0.85, "scaling_1_to_2": 0.85,
                              "full_1_vs_naive": 5.0, "full_2_vs_naive": 8.5}
    assert BenchResult(docs=1, chars=1, full={"1": 1.0}).ratios()["full_1_vs_naive"] is None


def test_without_the_datasets_it_says_where_it_looked(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--data", str(tmp_path), "--no-naive"]) == 2
    assert "no news articles under" in capsys.readouterr().err
