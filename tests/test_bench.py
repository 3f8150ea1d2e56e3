"""`unspun bench`: its result's ratios and JSON shape, and a clear error without the datasets (the
measurement itself runs the models for minutes: benchmarks/README.md has its figures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from unspun.bench import ONE_THREAD_ENV, BenchResult, environment, main_text, naive_heads
from unspun.cli import main
from unspun.encoder import model_installed


def measured() -> BenchResult:
    return BenchResult(docs=60, chars=1000, full={"1": 2.0, "2": 3.4}, full_one_thread={"1": 1.5, "2": 2.7},
                       encoder_alone={"1": 2.5, "2": 4.0}, naive=0.4, peak_rss_mb={"1": 700.0, "2": 690.0})


def test_the_json_object_and_its_ratios() -> None:
    data = json.loads(json.dumps(measured().to_dict()))
    assert {"docs", "full", "full_one_thread", "encoder_alone", "naive", "peak_rss_mb"} <= set(data)
    assert data["full_one_thread"] == {"1": 1.5, "2": 2.7}
    assert data["ratios"] == {"full_vs_encoder_1": 0.8, "full_vs_encoder_2": 0.85, "scaling_1_to_2": 0.85,
                              "scaling_1_to_2_one_thread_per_worker": 0.9,
                              "full_1_vs_naive": 5.0, "full_2_vs_naive": 8.5}
    unmeasured = BenchResult(docs=1, chars=1, full={"1": 1.0}).ratios()
    assert unmeasured["full_1_vs_naive"] is None
    assert unmeasured["scaling_1_to_2_one_thread_per_worker"] is None


def test_the_table_shows_both_scaling_figures() -> None:
    text = main_text(measured())
    assert "full, 1 thread a worker          1.5         2.7" in text
    assert "scaling 1 -> 2 workers: 0.85 (threads = cores // workers); one thread per worker: 0.9" in text


def test_the_one_thread_environment_reaches_a_process_started_inside_it_and_is_restored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    names = sorted(ONE_THREAD_ENV)
    show = f"import os; print(' '.join(os.environ[n] for n in {names!r}))"
    with environment(ONE_THREAD_ENV):
        seen = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True, check=True)
    assert seen.stdout.split() == [ONE_THREAD_ENV[n] for n in names]
    assert os.environ["OMP_NUM_THREADS"] == "7" and "OPENBLAS_NUM_THREADS" not in os.environ


@pytest.mark.skipif(not model_installed(), reason="the shipped model is not installed")
def test_the_naive_baseline_has_a_pipeline_for_every_head_of_the_pipelines_tasks() -> None:
    from unspun.heads import HEADS, TOKEN

    heads = {h.name: h for h in naive_heads({"hate", "quotes"})}
    assert set(heads) == {spec.name for spec in HEADS.values() if spec.task in {"hate", "quotes"}}
    assert {"hate_class", "hate_targets", "hate_rationale", "quotes_tags"} <= set(heads)
    # the tagger reads a context reader's output, wider than the encoder's state: the baseline keeps a
    # random classifier for it
    tagger = heads["quotes_tags"]
    assert tagger.kind == TOKEN and tagger.weight.shape[1] > heads["hate_class"].weight.shape[1]
    assert naive_heads(set()) == []


def test_without_the_datasets_it_says_where_it_looked(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--data", str(tmp_path), "--no-naive"]) == 2
    assert "no news articles under" in capsys.readouterr().err
