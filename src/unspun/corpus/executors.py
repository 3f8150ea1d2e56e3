"""Where the corpus step runs: in this process, in a local process pool, or on Ray.

Executors know nothing of documents: they hand shards to `CorpusStep.run_shard` in workers that each build
their pipeline once, and report each `ShardResult` as it arrives (the progress bar, the summary). A worker
gets `threads = cores // workers` for the encoder unless the options say otherwise, so the workers do not
fight over the cores.

Ray: an actor per worker (it keeps its loaded models between shards) and `ActorPool.map_unordered` over
the pending shards; see docs/DECISIONS.md for why not Ray Data. A local Ray is started for the run unless
`address` names a cluster (``ray://host:10001``, or ``auto`` for the one this machine belongs to); on a
cluster the output directory must be on storage every node sees, and unspun installed on every node.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from unspun.corpus.plan import Plan, Shard
from unspun.corpus.step import CorpusStep
from unspun.corpus.writer import ShardResult
from unspun.errors import UnspunError
from unspun.options import Options

LOCAL = "local"
RAY = "ray"
ENGINES = (LOCAL, RAY)


class ExecutorError(UnspunError):
    """A worker or the engine failed (not a record: records fail into the errors table)."""

    reason = "executor"


def worker_options(options: Options, workers: int) -> Options:
    """The options of one worker of `workers`: the cores shared among them unless `threads` is set."""
    if options.threads is None and workers > 1:
        return options.replace(threads=max(1, (os.cpu_count() or 1) // workers))
    return options


def run_shards(plan: Plan, out: Path, options: Options, shards: list[Shard], *, workers: int,
               engine: str = LOCAL, ray_address: str | None = None) -> Iterator[ShardResult]:
    """Run `shards` of `plan` and yield each one's result as it is done (in completion order)."""
    if workers < 1:
        raise ExecutorError(f"workers must be at least 1, not {workers}")
    if not shards:
        return iter(())
    options = worker_options(options, workers)
    if engine == RAY:
        return _ray(plan, out, options, shards, workers, ray_address)
    if engine != LOCAL:
        raise ExecutorError(f"unknown engine {engine!r}; engines: {', '.join(ENGINES)}")
    if workers == 1:
        return _in_process(plan, out, options, shards)
    return _process_pool(plan, out, options, shards, workers)


def _in_process(plan: Plan, out: Path, options: Options, shards: list[Shard]) -> Iterator[ShardResult]:
    step = CorpusStep(plan, out, options)
    for shard in shards:
        yield step.run_shard(shard)


# -- local process pool --------------------------------------------------------------------------------

_WORKER_STEP: CorpusStep | None = None


def _init_worker(plan: Plan, out: Path, options: Options) -> None:
    """Pool initialiser: the worker's step, with its models loaded before the first shard."""
    global _WORKER_STEP
    from unspun import cached_pipeline

    _WORKER_STEP = CorpusStep(plan, out, options)
    cached_pipeline(_WORKER_STEP.options).initialize()


def _run_in_worker(shard: Shard) -> ShardResult:
    assert _WORKER_STEP is not None, "the pool's initialiser did not run"
    return _WORKER_STEP.run_shard(shard)


def _process_pool(plan: Plan, out: Path, options: Options, shards: list[Shard],
                  workers: int) -> Iterator[ShardResult]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    # spawn, not fork: the parent runs a progress thread, and a forked child inherits its locks
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(shards)), mp_context=context,
                             initializer=_init_worker, initargs=(plan, out, options)) as pool:
        pending = {pool.submit(_run_in_worker, shard): shard for shard in shards}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    shard = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool as exc:
                        raise ExecutorError(f"a worker process died while running {shard.name} "
                                            f"(out of memory?); run again with --resume") from exc
                    except UnspunError:
                        raise
                    except Exception as exc:
                        raise ExecutorError(f"{shard.name} failed: {type(exc).__name__}: {exc}; "
                                            f"run again with --resume") from exc
        finally:
            for future in pending:
                future.cancel()


# -- Ray -------------------------------------------------------------------------------------------------


class CorpusActor:
    """A Ray actor: one worker's step and pipeline, kept between shards."""

    def __init__(self, plan: Plan, out: str, options: Options) -> None:
        _init_worker(plan, Path(out), options)

    def run_shard(self, shard: Shard) -> ShardResult:
        return _run_in_worker(shard)


def _ray(plan: Plan, out: Path, options: Options, shards: list[Shard], workers: int,
         address: str | None) -> Iterator[ShardResult]:
    try:
        import ray
        from ray.util import ActorPool
    except ModuleNotFoundError as exc:
        raise ExecutorError("the ray engine needs Ray: pip install 'unspun[corpus]'") from exc

    started = start_ray(ray, address, workers)
    try:
        cpus = options.threads or max(1, (os.cpu_count() or 1) // workers)
        actor: Any = ray.remote(num_cpus=cpus)(CorpusActor)
        where = str(out.resolve())
        actors: list[Any] = [actor.remote(plan, where, options) for _ in range(min(workers, len(shards)))]
        pool = ActorPool(actors)
        call: Callable[[Any, Shard], Any] = lambda a, shard: a.run_shard.remote(shard)  # noqa: E731
        try:
            yield from pool.map_unordered(call, shards)
        except ray.exceptions.RayError as exc:
            raise ExecutorError(f"a Ray worker failed: {exc}; run again with --resume") from exc
        finally:
            for a in actors:
                ray.kill(a)
    finally:
        if started:
            ray.shutdown()


def start_ray(ray: Any, address: str | None, workers: int) -> bool:
    """Connect to Ray; True when this call started a local Ray that the run must shut down."""
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    if address:
        kwargs["address"] = address
    else:
        kwargs["num_cpus"] = max(workers, os.cpu_count() or 1)
    try:
        ray.init(**kwargs)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = address or "a local Ray"
        raise ExecutorError(f"cannot start or reach {where}: {exc}") from exc
    return True
