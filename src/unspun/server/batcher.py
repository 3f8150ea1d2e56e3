"""Micro-batching: the documents of concurrent requests go through the encoder together.

Each request puts its documents on a queue and awaits their futures. One task collects what is queued —
waiting at most `wait_s` after the first document, or until `max_batch` documents — and runs the batch
through `Pipeline.pipe` in one worker thread, so the encoder packs the windows of all of them into one pass;
then it resolves each document's future. While a batch runs, the next one gathers in the queue, so under
load batches fill up without any waiting, and an idle server answers a lone request after `wait_s`. A batch
also stops growing at `max_chars` characters of input, so a batch of whole articles does not make every one
of them wait for thirty others.

A batch then runs as a few sub-batches of documents of similar length (`sub_batches`), each one
`Pipeline.pipe` call whose futures resolve as soon as it is done. The encoder pads every window of an
onnxruntime call to the call's longest, and its cost is per padded piece: thirty-two comments of 10 to 60
words in one call were half padding. Sub-batches cut the padding without multiplying the calls (a call has
a fixed cost), and their answers go out while the next sub-batch runs.

With pipeline worker processes (`server.workers`, `unspun serve --workers N`), sub-batches go to the first
free process, two per process at a time (`IN_FLIGHT_PER_PROCESS`), and the next batch gathers as soon as
one of those places is free.

Documents of one batch with different `Options` (other stages, thresholds) go to their own pipelines
(`unspun.cached_pipeline`), in turn. The pipeline never raises for a bad document (it becomes an
`ErrorRecord`), so one client's bad page does not fail another's request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from unspun.errors import ErrorRecord
from unspun.server.workers import analyze_batch

if TYPE_CHECKING:
    from unspun.document import Document
    from unspun.options import Options
    from unspun.pipeline import Pipeline
    from unspun.readers import Source
    from unspun.server.workers import PipelineProcesses

#: characters of a document beyond which it fills an encoder window (126 word-pieces at the ~4.5 characters
#: a piece of English news text takes): padding is counted up to this, longer documents all pad alike
WINDOW_CHARS = 570
#: the fixed cost of one `Pipeline.pipe` call (spaCy's batch, one onnxruntime call, the heads), in padded
#: characters of encoder input: about 15 ms against ~0.045 ms a character on one core of this machine
#: (benchmarks/README.md, "The HTTP service under load")
CALL_COST_CHARS = 300
#: sub-batches handed to each pipeline worker process at once: one running and one waiting in the pool's
#: queue, so a process that finishes starts the next at once instead of idling while its answers go back
#: through this process and the next sub-batch comes (one at a time: 75-84 comments/s on 2 workers, p99
#: 875-900 ms; two: 105-120/s, p99 437-530 ms; benchmarks/README.md)
IN_FLIGHT_PER_PROCESS = 2


@dataclass
class _Job:
    item: Source | str
    options: Options
    future: asyncio.Future[Any]
    queued_at: float = field(default_factory=time.monotonic)


@dataclass
class BatchStats:
    """What the batcher has done since it started (for /healthz and the load benchmark)."""

    batches: int = 0
    documents: int = 0
    sub_batches: int = 0  # `Pipeline.pipe` calls: a batch runs as sub-batches of documents of similar length
    largest: int = 0
    skipped: int = 0  # documents whose request had given up (timed out, disconnected) before their turn

    def to_dict(self) -> dict[str, Any]:
        mean = self.documents / self.batches if self.batches else 0.0
        return {"batches": self.batches, "documents": self.documents, "largest_batch": self.largest,
                "mean_batch": round(mean, 2), "sub_batches": self.sub_batches, "skipped": self.skipped}


def _default_pipeline(options: Options) -> Pipeline:
    from unspun import cached_pipeline

    return cached_pipeline(options)


class MicroBatcher:
    """Collects documents from concurrent requests into batches for `Pipeline.pipe`, run in one thread of
    this process or in pipeline worker processes."""

    def __init__(self, *, max_batch: int = 32, wait_s: float = 0.004, max_chars: int = 100_000,
                 pipeline_for: Callable[[Options], Pipeline] = _default_pipeline,
                 processes: PipelineProcesses | None = None) -> None:
        self.max_batch = max_batch
        self.wait_s = wait_s
        self.max_chars = max_chars
        self.pipeline_for = pipeline_for
        #: where sub-batches run: in these pipeline worker processes, or else in this process's batch thread
        self.processes = processes
        self.stats = BatchStats()
        self._queue: asyncio.Queue[_Job] | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[None]] = set()
        # one thread: the encoder uses every core it was given (Options.threads) for each batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unspun-batch")

    @property
    def queued(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    async def start(self) -> None:
        if self._task is None:
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run(), name="unspun-batcher")

    async def stop(self) -> None:
        for task in [*self._running, *([self._task] if self._task else [])]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, item: Source | str, options: Options) -> asyncio.Future[Any]:
        """Queue one document; its future resolves to its `Document` or `ErrorRecord`."""
        if self._queue is None:
            raise RuntimeError("the batcher is not started")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(item, options, future))
        return future

    async def analyze(self, items: Sequence[Source | str], options: Options) -> list[Document | ErrorRecord]:
        """Analyse documents (in order) among the other requests' documents."""
        futures = [self.submit(item, options) for item in items]
        try:
            return list(await asyncio.gather(*futures))
        finally:
            for future in futures:  # a request that gave up: its documents need not run
                future.cancel()

    async def _run(self) -> None:
        free = asyncio.Semaphore(IN_FLIGHT_PER_PROCESS * self.processes.count if self.processes else 1)
        while True:
            await free.acquire()  # gather a batch only once something can run it
            batch = await self._gather()
            live = [job for job in batch if not job.future.done()]
            self.stats.skipped += len(batch) - len(live)
            if not live:
                free.release()
                continue
            self.stats.batches += 1
            self.stats.documents += len(live)
            self.stats.largest = max(self.stats.largest, len(live))
            # each sub-batch on the next free worker (in turn, with one); the first has the slot taken above
            for k, jobs in enumerate(sub_batches(live, self.max_batch)):
                if k:
                    await free.acquire()
                task = asyncio.create_task(self._run_sub_batch(jobs))
                self._running.add(task)
                task.add_done_callback(lambda done: self._finished(done, free))

    def _finished(self, task: asyncio.Task[None], free: asyncio.Semaphore) -> None:
        self._running.discard(task)
        free.release()

    async def _gather(self) -> list[_Job]:
        """The first document to arrive and those that join it within `wait_s`, up to a batch's bounds."""
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        batch = [await self._queue.get()]
        chars = _size(batch[0].item)
        deadline = loop.time() + self.wait_s
        while len(batch) < self.max_batch and chars < self.max_chars:
            try:
                batch.append(self._queue.get_nowait())
            except asyncio.QueueEmpty:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), remaining))
                except TimeoutError:
                    break
            chars += _size(batch[-1].item)
        return batch

    async def _run_sub_batch(self, jobs: list[_Job]) -> None:
        part = [job for job in jobs if not job.future.done()]  # gave up while the others ran
        self.stats.skipped += len(jobs) - len(part)
        if not part:
            return
        if self.processes is not None:  # a sub-batch's documents share their options
            results: list[Any] = await self.processes.run([job.item for job in part], part[0].options)
        else:
            loop = asyncio.get_running_loop()
            results = await loop.run_in_executor(self._executor, analyze_batch, self.pipeline_for,
                                                 [job.item for job in part], part[0].options)
        self.stats.sub_batches += 1
        for job, result in zip(part, results, strict=True):
            if not job.future.done():
                if isinstance(result, BaseException):
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)


def sub_batches(jobs: list[_Job], max_rows: int) -> list[list[_Job]]:
    """The jobs of a batch in `Pipeline.pipe` calls of similar-length documents: per `Options` (in order of
    first appearance), sorted by length and cut where the padding saved outweighs another call's cost.

    The cut is the cheapest partition of the sorted documents into runs of at most `max_rows`, a run
    costing its documents times its longest (up to `WINDOW_CHARS`) plus `CALL_COST_CHARS`: an exact
    dynamic programme, quadratic in `max_rows` at worst (a few thousand steps for a batch of 32)."""
    groups: dict[Options, list[_Job]] = {}
    for job in jobs:
        groups.setdefault(job.options, []).append(job)
    out: list[list[_Job]] = []
    for group in groups.values():
        ordered = sorted(group, key=lambda job: _size(job.item))
        sizes = [min(_size(job.item), WINDOW_CHARS) for job in ordered]
        out += [ordered[a:b] for a, b in cheapest_runs(sizes, max_rows, CALL_COST_CHARS)]
    return out


def cheapest_runs(sizes: Sequence[int], max_rows: int, call_cost: int) -> list[tuple[int, int]]:
    """Cut ascending `sizes` into runs [a, b) of at most `max_rows`, minimising the sum over runs of
    (b - a) * sizes[b - 1] + `call_cost`: what padding every row to the run's longest costs, plus a call."""
    n = len(sizes)
    best = [0] * (n + 1)
    cut = [0] * (n + 1)
    for b in range(1, n + 1):
        best[b], cut[b] = min((best[a] + (b - a) * sizes[b - 1] + call_cost, a)
                              for a in range(max(0, b - max_rows), b))
    runs = []
    b = n
    while b > 0:
        runs.append((cut[b], b))
        b = cut[b]
    return runs[::-1]


def _size(item: Any) -> int:
    """Characters of a queued input (a string, or a readers.Source)."""
    return len(item) if isinstance(item, str) else len(getattr(item, "content", "") or "")
