"""A corpus run from start to end: plan (or resume the plan), run the pending shards, sum up.

`run_corpus` is what `unspun corpus` calls; it reports each finished shard to `on_shard` (the progress bar)
and returns a `RunSummary` of the whole output directory, so a resumed run's summary counts every record.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from unspun.corpus.executors import LOCAL, run_shards
from unspun.corpus.plan import DEFAULT_SHARD_SIZE, PLAN_FILE, CorpusInputError, Plan, make_plan
from unspun.corpus.step import CorpusStep
from unspun.corpus.writer import ShardResult, done_results, prepare
from unspun.options import Options


@dataclass
class RunSummary:
    """The run's totals (every finished shard, this session's and earlier ones') and this session's work."""

    shards: int
    shards_done: int
    records: int
    documents: int
    errors_by_reason: dict[str, int]
    #: this session: shards run, records analysed and wall time
    session_shards: int = 0
    session_records: int = 0
    session_documents: int = 0
    seconds: float = 0.0
    resumed: bool = False
    stages: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(self.errors_by_reason.values())

    @property
    def docs_per_second(self) -> float:
        return self.session_documents / self.seconds if self.seconds else 0.0


def plan_or_resume(inputs: list[str], out: Path, options: Options, *, resume: bool,
                   shard_size: int = DEFAULT_SHARD_SIZE) -> tuple[Plan, bool]:
    """The run's plan: a new one, or (with `resume`) the one an earlier run of the same command wrote.
    Returns (plan, resumed)."""
    from unspun.pipeline import Pipeline

    stages = list(Pipeline(options=options).stage_names)
    if (out / PLAN_FILE).exists():
        if not resume:
            raise CorpusInputError(f"{out} already holds a corpus run: add --resume to continue it, or "
                                   f"choose another --out")
        plan = Plan.load(out)
        if plan.inputs != list(inputs):
            raise CorpusInputError(f"{out} holds a run over other inputs ({' '.join(plan.inputs)}); resume "
                                   f"it with the same inputs")
        if options.stages is not None and list(options.stages) != plan.stages:
            raise CorpusInputError(f"{out} holds a run with stages {','.join(plan.stages)}; resume it with "
                                   f"the same stages (or without --stages)")
        changed = plan.changed_files()
        if changed:
            raise CorpusInputError(f"{len(changed)} input file(s) changed since the run began (first: "
                                   f"{changed[0]}); start a new run in another --out")
        return plan, True
    if out.exists() and not out.is_dir():
        raise CorpusInputError(f"{out}: exists and is not a directory")
    plan = make_plan(inputs, stages=stages, shard_size=shard_size)
    prepare(out)
    plan.save(out)
    return plan, False


def run_corpus(inputs: list[str], out: str | Path, *, options: Options | None = None, workers: int = 1,
               engine: str = LOCAL, ray_address: str | None = None, resume: bool = False,
               shard_size: int = DEFAULT_SHARD_SIZE,
               on_plan: Callable[[Plan, list[ShardResult]], None] | None = None,
               on_shard: Callable[[ShardResult], None] | None = None) -> RunSummary:
    """Analyse `inputs` into the tables under `out`. `on_plan(plan, done)` is called once the plan is
    known (with the shards already done), `on_shard(result)` after each shard this session finishes."""
    options = options or Options()
    out = Path(out)
    started = time.perf_counter()
    plan, resumed = plan_or_resume(inputs, out, options, resume=resume, shard_size=shard_size)
    prepare(out)
    step = CorpusStep(plan, out, options)
    pending = step.pending()
    if on_plan is not None:
        on_plan(plan, list(done_results(out).values()))
    session = []
    for result in run_shards(plan, out, step.options, pending, workers=workers, engine=engine,
                             ray_address=ray_address):
        session.append(result)
        if on_shard is not None:
            on_shard(result)
    return summarize(plan, out, session, time.perf_counter() - started, resumed)


def summarize(plan: Plan, out: Path, session: list[ShardResult], seconds: float, resumed: bool) -> RunSummary:
    done = done_results(out)
    reasons: Counter[str] = Counter()
    for result in done.values():
        reasons.update(result.errors_by_reason)
    return RunSummary(
        shards=len(plan.shards), shards_done=len(done),
        records=sum(r.records for r in done.values()), documents=sum(r.documents for r in done.values()),
        errors_by_reason=dict(reasons.most_common()), session_shards=len(session),
        session_records=sum(r.records for r in session), session_documents=sum(r.documents for r in session),
        seconds=seconds, resumed=resumed, stages=plan.stages,
    )
