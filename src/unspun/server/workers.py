"""Pipeline worker processes behind the one HTTP process (`unspun serve --workers N`, N > 1).

With several workers the HTTP process loads no model: it parses requests, batches their documents
(`server.batcher`) and hands each sub-batch to the first free one of N pipeline processes, then renders the
answers. Every request is served by whichever worker is free, whatever connection it came on.

Why not uvicorn's own worker processes, each with its app and its models: a client keeps its connection
open (keep-alive), so the worker that accepted a connection serves it for its whole life, and how the
connections spread over the workers is chance. uvicorn's workers share one listening socket and asyncio
accepts every connection waiting when it wakes up, so a burst of clients (a connection pool, the load
benchmark's 32) often lands mostly on one worker while the other idles: the same code measured 61 to 126
comments/s and p99 0.44 to 1.0 s from run to run with 2 workers. A listening socket per worker
(SO_REUSEPORT) spreads connections by a hash of their addresses: steadier (110-120/s) but still uneven
(p99 0.52-0.61 s). Balancing per sub-batch is even by construction (docs/DECISIONS.md).

A worker that dies (killed, out of memory) fails only the documents it held, with an error record each;
the next call starts a new pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from unspun.errors import PipelineError, UnspunError, to_error_record

if TYPE_CHECKING:
    from unspun.document import Document
    from unspun.errors import ErrorRecord
    from unspun.options import Options
    from unspun.pipeline import Pipeline
    from unspun.readers import Source

#: seconds the pool's processes have to start and load their models together
START_TIMEOUT_S = 600.0

# -- in each worker process ------------------------------------------------------------------------------

#: per options loaded at the worker's start: None, or why its pipeline could not be built
_LOAD_ERRORS: list[str | None] = []
#: the pool's start barrier (`PipelineProcesses.start`)
_STARTED: list[Any] = []


def _load(warm: Sequence[Options], started: Any) -> None:
    """Pool initialiser: build and initialise each pipeline of `warm` now, not on the first request."""
    from unspun import cached_pipeline

    _STARTED[:] = [started]
    _LOAD_ERRORS.clear()
    for options in warm:
        try:
            cached_pipeline(options).initialize()
            _LOAD_ERRORS.append(None)
        except UnspunError as exc:
            _LOAD_ERRORS.append(str(exc))


def _loaded() -> tuple[int, list[str | None]]:
    """What this process loaded, once every process of the pool has loaded: a process waiting here takes
    no other call, so the pool's `count` calls are answered by `count` different processes."""
    _STARTED[0].wait(START_TIMEOUT_S)
    return os.getpid(), list(_LOAD_ERRORS)


def analyze_batch(pipeline_for: Callable[[Options], Pipeline], items: list[Source | str],
                  options: Options) -> list[Document | ErrorRecord]:
    """One sub-batch (documents of the same options) through `pipeline_for(options)`, in order: here or in
    the batcher's thread. A pipeline that cannot be built gives each document its error record."""
    try:
        return list(pipeline_for(options).pipe(items, batch_size=len(items)))
    except Exception as exc:  # a pipeline that cannot be built; pipe itself never raises
        return [to_error_record(exc, item_id(item)) for item in items]


def _analyze(items: list[Source | str], options: Options) -> list[Document | ErrorRecord]:
    from unspun import cached_pipeline

    return analyze_batch(cached_pipeline, items, options)


def item_id(item: Any) -> str:
    """The record id of a queued input (a string input has none: its error record says `<input>`)."""
    return str(getattr(item, "id", "") or "<input>")


# -- in the HTTP process ---------------------------------------------------------------------------------


class PipelineProcesses:
    """`count` processes that run `Pipeline.pipe` batches, each with the pipelines of `warm` loaded."""

    def __init__(self, count: int, warm: Sequence[Options]) -> None:
        self.count = count
        self.warm = tuple(warm)
        self._pool: ProcessPoolExecutor | None = None
        #: the processes' ids, as started
        self.pids: list[int] = []

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the HTTP process runs threads (the event loop's executors), and fork copies locks
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(self.count, mp_context=context, initializer=_load,
                                   initargs=(self.warm, context.Barrier(self.count)))

    async def start(self) -> list[str | None]:
        """Start every process and load its models (each process, when it starts, builds `warm`'s
        pipelines; a process started later, after one died, too); per `warm` options, None or why it
        cannot run."""
        self._pool = self._new_pool()
        loop = asyncio.get_running_loop()
        # one call per process, submitted together: the pool starts a process for each while none is free
        answers = await asyncio.gather(*(loop.run_in_executor(self._pool, _loaded)
                                         for _ in range(self.count)))
        self.pids = sorted({pid for pid, _ in answers})
        return answers[0][1]

    async def run(self, items: list[Source | str], options: Options) -> list[Document | ErrorRecord]:
        """One batch on the first free process."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("the pipeline processes are not started")
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _analyze, items, options)
        except BrokenProcessPool:
            if self._pool is pool:  # the first batch to find it broken replaces it, once
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            lost = PipelineError("the worker process analysing this document stopped (out of memory or "
                                 "killed); the server started another")
            return [to_error_record(lost, item_id(item)) for item in items]

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
