"""Pipeline worker processes behind the HTTP process: batches spread over them, answers come back in order
and equal to this process's own, and a worker that dies fails only its documents."""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from testpaths import FAST_STAGES

from unspun.errors import ErrorRecord
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.server.batcher import MicroBatcher
from unspun.server.workers import PipelineProcesses

FAST = Options(stages=FAST_STAGES)
TEXTS = [f"Comment {i}: the port's fees went up again, " + "and nobody asked us. " * (i % 5)
         for i in range(24)]


def test_worker_processes_answer_like_this_process_in_order() -> None:
    processes = PipelineProcesses(2, (FAST,))

    async def main() -> tuple[list[Any], list[str | None], int]:
        problems = await processes.start()
        batcher = MicroBatcher(max_batch=8, wait_s=0.05, processes=processes)
        await batcher.start()
        try:
            answers = await asyncio.gather(*(batcher.analyze(TEXTS[k::4], FAST) for k in range(4)))
            return list(answers), problems, batcher.stats.sub_batches
        finally:
            await batcher.stop()
            processes.stop()

    answers, problems, calls = asyncio.run(main())
    assert problems == [None] and calls >= 3  # 24 documents, at most 8 a batch
    local = Pipeline(options=FAST)
    for k, docs in enumerate(answers):
        assert [without_id(d.to_dict()) for d in docs] == [without_id(local.analyze(t).to_dict())
                                                            for t in TEXTS[k::4]]


def without_id(data: dict[str, Any]) -> dict[str, Any]:
    """An analysis less its record id (a string input is named by its place in its batch)."""
    return {**data, "document": {**data["document"], "id": None}}


def test_a_worker_that_dies_fails_only_the_documents_it_held() -> None:
    processes = PipelineProcesses(2, (FAST,))

    async def main() -> tuple[list[Any], list[Any]]:
        await processes.start()
        try:
            assert len(processes.pids) == 2  # each process started (and loaded its pipelines)
            os.kill(processes.pids[0], signal.SIGKILL)
            await asyncio.sleep(0.5)
            lost = await processes.run(["A comment."], FAST)
            again = await processes.run(["Another comment."], FAST)  # a new pool answers
            return lost, again
        finally:
            processes.stop()

    lost, again = asyncio.run(main())
    assert isinstance(lost[0], ErrorRecord) and "worker process" in lost[0].message
    assert not isinstance(again[0], ErrorRecord) and again[0].text == "Another comment."


def test_a_pipeline_a_worker_cannot_build_is_said_at_start() -> None:
    hate = Options(stages=("structure", "sentences", "encode", "hate", "summary"))
    processes = PipelineProcesses(1, (FAST, hate.replace(model_dir="/nonexistent/model")))

    async def main() -> list[str | None]:
        try:
            return await processes.start()
        finally:
            processes.stop()

    first, second = asyncio.run(main())
    assert first is None and second is not None and "model is not installed" in second
