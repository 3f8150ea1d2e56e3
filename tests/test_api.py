"""The package root: `unspun.analyze` and its pipeline cache (keyed by the options, bounded, thread-safe)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from testpaths import EXAMPLES, FAST_STAGES

import unspun
from unspun import pipeline as pipeline_module
from unspun.options import Options


@pytest.fixture
def empty_cache() -> Iterator[None]:
    unspun._build_pipeline.cache_clear()
    yield
    unspun._build_pipeline.cache_clear()


def test_analyze_reuses_the_pipeline_of_equal_options(empty_cache: None) -> None:
    text = (EXAMPLES / "port-deal.txt").read_text("utf-8")
    doc = unspun.analyze(text, stages=list(FAST_STAGES))
    assert [s.label for s in doc.layers["structure"]].count("comment") == 4
    unspun.analyze(text, stages=",".join(FAST_STAGES))  # the same options, spelt another way
    info = unspun._build_pipeline.cache_info()
    assert (info.misses, info.hits, info.currsize) == (1, 1, 1)
    assert unspun.cached_pipeline(Options(stages=FAST_STAGES)) is unspun.cached_pipeline(
        Options(stages=FAST_STAGES))


def test_cache_keeps_only_the_most_recently_used(empty_cache: None) -> None:
    first = unspun.cached_pipeline(Options(stages=FAST_STAGES, thresholds={"hate": 0.0}))
    for k in range(1, unspun.PIPELINE_CACHE_SIZE + 3):  # a threshold per request must not grow the cache
        unspun.cached_pipeline(Options(stages=FAST_STAGES, thresholds={"hate": k / 100}))
    assert unspun._build_pipeline.cache_info().currsize == unspun.PIPELINE_CACHE_SIZE
    assert unspun.cached_pipeline(Options(stages=FAST_STAGES, thresholds={"hate": 0.0})) is not first


def test_threads_asking_at_once_get_one_pipeline_built_once(empty_cache: None,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    real = pipeline_module.Pipeline

    class SlowPipeline(real):  # type: ignore[valid-type, misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            built.append(self)
            time.sleep(0.05)  # every thread arrives while the first one is still building
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline_module, "Pipeline", SlowPipeline)
    options = Options(stages=FAST_STAGES)
    got: list[object] = []
    start = threading.Barrier(8)

    def ask() -> None:
        start.wait()
        got.append(unspun.cached_pipeline(options))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len(got) == 8 and all(p is built[0] for p in got)
