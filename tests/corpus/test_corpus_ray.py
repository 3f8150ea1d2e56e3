"""The Ray engine, for real, against a local Ray with 2 CPUs (started once for the module: start-up costs
seconds). Select with ``-m ray``; deselect with ``-m "not ray"``."""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus_inputs import build_crawl, landed, record_ids
from test_corpus_run import kill_mid_run
from testpaths import FAST_STAGES

from unspun.corpus.run import run_corpus
from unspun.options import Options

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray
OPTIONS = Options(stages=FAST_STAGES)


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    return build_crawl(tmp_path_factory.mktemp("corpus"))


def test_bad_records_land_in_errors_and_the_rest_completes_on_ray(crawl, tmp_path: Path) -> None:
    summary = run_corpus([str(crawl[0])], tmp_path / "out", options=OPTIONS, workers=2, engine="ray",
                         shard_size=3)
    assert summary.shards_done == summary.shards and summary.session_shards == summary.shards
    assert landed(tmp_path / "out") == crawl[1]


def test_a_run_killed_with_sigkill_resumes_on_ray_with_exactly_the_records_of_a_whole_run(
        crawl, tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run_corpus([str(crawl[0])], whole, options=OPTIONS, shard_size=2)
    kill_mid_run(crawl[0], killed)
    summary = run_corpus([str(crawl[0])], killed, options=OPTIONS, workers=2, engine="ray", resume=True)
    assert summary.resumed and 0 < summary.session_shards < summary.shards
    assert record_ids(killed) == record_ids(whole)
    assert landed(killed) == crawl[1]
