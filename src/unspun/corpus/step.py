"""The corpus step: read a shard's records, analyse them with `Pipeline.pipe`, write the rows.

It sees documents and a shard number (`rank` of `world_size`), never the executor: a process pool, Ray or a
batch system's array job all call `CorpusStep.run`. The pipeline is built once per process
(`unspun.cached_pipeline`), so every shard a worker runs shares its loaded models.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from unspun.corpus.plan import Plan, Shard
from unspun.corpus.records import InputRecord, shard_records
from unspun.corpus.tables import DOCUMENTS, ERRORS, SPANS, document_row, error_row, span_rows
from unspun.corpus.writer import ShardResult, done_results, marker_path, write_shard
from unspun.errors import ErrorRecord
from unspun.options import Options


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, which (unlike getrusage's ru_maxrss) starts afresh
    in a spawned worker instead of carrying over its parent's peak from before the exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class CorpusStep:
    """Analyse shards of `plan` into the tables under `out`; a shard already done is passed over."""

    def __init__(self, plan: Plan, out: str | Path, options: Options) -> None:
        self.plan = plan
        self.out = Path(out)
        self.options = options.replace(stages=tuple(plan.stages))

    def pending(self, rank: int = 0, world_size: int = 1) -> list[Shard]:
        """The shards of `rank` (every `world_size`-th, from `rank`) that have no completion marker."""
        done = done_results(self.out)
        return [s for s in self.plan.shards[rank::world_size] if s.name not in done]

    def run(self, rank: int = 0, world_size: int = 1) -> list[ShardResult]:
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in 0..{world_size - 1}")
        return [self.run_shard(shard) for shard in self.pending(rank, world_size)]

    def run_shard(self, shard: Shard) -> ShardResult:
        """Analyse one shard and write its tables and marker (again, if a killed run left it unfinished)."""
        from unspun import cached_pipeline

        if marker_path(self.out, shard.name).exists():
            return done_results(self.out)[shard.name]
        started = time.perf_counter()
        pipeline = cached_pipeline(self.options)
        result = ShardResult(index=shard.index, size=shard.size, started_at=time.time())
        rows: dict[str, list[dict[str, Any]]] = {DOCUMENTS: [], SPANS: [], ERRORS: []}
        reasons: Counter[str] = Counter()
        locations: deque[str] = deque()

        def items(records: Iterator[InputRecord]) -> Iterator[Any]:
            for record in records:
                locations.append(record.location)
                yield record.item

        for output in pipeline.pipe(items(shard_records(shard, self.options))):
            location = locations.popleft()
            result.records += 1
            if isinstance(output, ErrorRecord):
                reasons[output.reason] += 1
                rows[ERRORS].append(error_row(output, location))
            else:
                result.documents += 1
                rows[DOCUMENTS].append(document_row(output, location))
                rows[SPANS].extend(span_rows(output, location))
        result.spans = len(rows[SPANS])
        result.errors_by_reason = dict(sorted(reasons.items()))
        result.seconds = round(time.perf_counter() - started, 3)
        result.peak_rss_mb = peak_rss_mb()
        write_shard(self.out, shard.name, rows, result)
        return result
