"""The micro-batcher: documents of concurrent requests share one `Pipeline.pipe` call, each request gets its
own results in order, different options go to their own pipelines, a request that gave up is skipped."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

from testpaths import FAST_STAGES

from unspun.document import Document
from unspun.errors import ErrorRecord
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.server.batcher import MicroBatcher

FAST = Options(stages=FAST_STAGES)


class Recording:
    """Real fast pipelines that record each `pipe` call's inputs (and can hold it until released)."""

    def __init__(self, hold: bool = False) -> None:
        self.calls: list[tuple[Options, list[Any]]] = []
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, options: Options) -> Any:
        recording = self

        class Recorded:
            def pipe(self, items: list[Any], batch_size: int = 32) -> Iterator[Any]:
                recording.calls.append((options, list(items)))
                recording.release.wait(30)
                return Pipeline(options=options).pipe(items, batch_size=batch_size)

        return Recorded()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_concurrent_requests_share_one_batch() -> None:
    pipelines = Recording()

    async def main() -> list[list[Any]]:
        batcher = MicroBatcher(max_batch=32, wait_s=0.05, pipeline_for=pipelines)
        await batcher.start()
        try:
            texts = [[f"Post {i}, first."] if i % 2 else [f"Post {i}, first.", f"Post {i}, second."]
                     for i in range(10)]
            return list(await asyncio.gather(*(batcher.analyze(t, FAST) for t in texts)))
        finally:
            await batcher.stop()

    results = run(main())
    assert len(pipelines.calls) == 1 and len(pipelines.calls[0][1]) == 15
    for i, docs in enumerate(results):
        assert all(isinstance(d, Document) for d in docs)
        assert [d.text for d in docs] == ([f"Post {i}, first."] if i % 2 else
                                          [f"Post {i}, first.", f"Post {i}, second."])


def test_batches_are_bounded_and_follow_each_other() -> None:
    pipelines = Recording()

    async def main() -> list[Any]:
        batcher = MicroBatcher(max_batch=4, wait_s=0.05, pipeline_for=pipelines)
        await batcher.start()
        try:
            return list(await batcher.analyze([f"Post {i}." for i in range(10)], FAST))
        finally:
            await batcher.stop()

    docs = run(main())
    assert [len(items) for _, items in pipelines.calls] == [4, 4, 2]
    assert [d.text for d in docs] == [f"Post {i}." for i in range(10)]


def test_a_batch_stops_at_its_character_budget() -> None:
    pipelines = Recording()

    async def main() -> None:
        batcher = MicroBatcher(max_batch=32, wait_s=0.05, max_chars=250, pipeline_for=pipelines)
        await batcher.start()
        try:
            await batcher.analyze(["An article of a hundred characters, more or less, about the port and its "
                                   "new fees, as said. " + str(i) for i in range(6)], FAST)
        finally:
            await batcher.stop()

    run(main())
    assert [len(items) for _, items in pipelines.calls] == [3, 3]


def test_options_are_kept_apart_and_errors_stay_with_their_document() -> None:
    pipelines = Recording()
    other = FAST.replace(language="de")

    async def main() -> tuple[Any, Any]:
        batcher = MicroBatcher(max_batch=32, wait_s=0.05, pipeline_for=pipelines)
        await batcher.start()
        try:
            return await asyncio.gather(batcher.analyze(["One.", ""], FAST),
                                        batcher.analyze(["Zwei."], other))
        finally:
            await batcher.stop()

    (one, empty), (zwei,) = run(main())
    assert sorted(len(items) for _, items in pipelines.calls) == [1, 2]
    assert one.language == "en" and zwei.language == "de"
    assert isinstance(empty, ErrorRecord) and empty.reason == "empty"


def test_a_request_that_gave_up_is_skipped() -> None:
    pipelines = Recording(hold=True)

    async def main() -> MicroBatcher:
        batcher = MicroBatcher(max_batch=1, wait_s=0.0, pipeline_for=pipelines)
        await batcher.start()
        try:
            first = asyncio.ensure_future(batcher.analyze(["Held."], FAST))
            await asyncio.sleep(0.1)  # the first batch is running, held
            try:
                await asyncio.wait_for(batcher.analyze(["Abandoned."], FAST), 0.1)
            except TimeoutError:
                pass
            pipelines.release.set()
            await first
            await asyncio.sleep(0.1)
            return batcher
        finally:
            await batcher.stop()

    batcher = run(main())
    assert [items for _, items in pipelines.calls] == [["Held."]]
    assert batcher.stats.skipped == 1 and batcher.stats.documents == 1


def test_a_batch_runs_as_sub_batches_of_similar_length() -> None:
    """Short and window-long comments of one batch go through the pipeline apart (the encoder pads a call
    to its longest), each request still gets its own documents in order."""
    pipelines = Recording()
    short = [f"Short {i}." for i in range(4)]
    long = [f"A long comment {i}, " + "about the port's new fees and who pays them, " * 14 for i in range(4)]
    mixed = [text for pair in zip(short, long, strict=True) for text in pair]

    async def main() -> list[Any]:
        batcher = MicroBatcher(max_batch=32, wait_s=0.05, pipeline_for=pipelines)
        await batcher.start()
        try:
            return list(await batcher.analyze(mixed, FAST))
        finally:
            await batcher.stop()

    docs = run(main())
    assert [d.text for d in docs] == mixed
    assert [sorted(items) for _, items in pipelines.calls] == [sorted(short), sorted(long)]


def brute_force_cost(sizes: list[int], max_rows: int, call_cost: int) -> int:
    """The cheapest partition's cost, by trying every set of cut points."""
    n, best = len(sizes), None
    for mask in range(1 << max(0, n - 1)):
        cuts = [0] + [k + 1 for k in range(n - 1) if mask >> k & 1] + [n]
        runs = list(zip(cuts, cuts[1:], strict=False))
        if any(b - a > max_rows for a, b in runs):
            continue
        cost = sum((b - a) * sizes[b - 1] + call_cost for a, b in runs)
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def test_cheapest_runs_is_the_cheapest_partition() -> None:
    import random

    from unspun.server.batcher import cheapest_runs

    assert cheapest_runs([], 4, 10) == []
    assert cheapest_runs([50, 60, 70], 32, 1000) == [(0, 3)]  # a call costs more than all the padding
    assert cheapest_runs([50, 60, 500, 520], 32, 100) == [(0, 2), (2, 4)]
    assert cheapest_runs([10] * 5, 2, 1) == [(0, 1), (1, 3), (3, 5)]  # at most max_rows a run
    rng = random.Random(5)
    for _ in range(200):
        sizes = sorted(rng.randint(1, 600) for _ in range(rng.randint(1, 9)))
        max_rows, call_cost = rng.randint(1, 6), rng.choice([0, 50, 300, 2000])
        runs = cheapest_runs(sizes, max_rows, call_cost)
        assert runs[0][0] == 0 and runs[-1][1] == len(sizes)
        assert all(a < b <= a + max_rows for a, b in runs)
        assert all(x[1] == y[0] for x, y in zip(runs, runs[1:], strict=False))
        cost = sum((b - a) * sizes[b - 1] + call_cost for a, b in runs)
        assert cost == brute_force_cost(sizes, max_rows, call_cost)
