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
