"""Throughput of the default non-model pipeline (read -> extract -> structure -> sentences -> entities ->
outlets -> summary) on real news articles, in one process and in a pool of worker processes.

    .venv/bin/python benchmarks/bench_pipeline.py --limit 100

Reads the PTC (SemEval-2020 Task 11) training articles from ``<data>/ptc-semeval2020/train-articles``
(``--data`` defaults to ``../shared/data`` next to the project root). Model loading happens once per process
and is timed apart from the throughput; each worker of the pool builds its own pipeline (spawned processes,
so nothing is inherited from the parent). Prints a table and writes ``benchmarks/results/pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "pipeline.json"
#: the pipeline measured: every stage that needs no trained model
NON_MODEL_STAGES = ("structure", "sentences", "entities", "outlets", "summary")
#: with --with-models: the shared encoder and the head stages too (the default pipeline with every model)
MODEL_STAGES = ("structure", "sentences", "entities", "outlets", "encode", "quotes", "propaganda", "hate",
                "claims", "summary")
#: the stages that read the encoder's output, each measured against the encode stage's time
HEAD_STAGES = ("quotes", "propaganda", "hate", "claims")
#: heads measured together against the encode stage (issue 12: attribution and claims add <= 15 %)
HEAD_GROUPS = {"quotes + claims": ("quotes", "claims")}
ARTICLES = Path("ptc-semeval2020") / "train-articles"


@dataclass
class Run:
    """One measured configuration."""

    workers: int
    documents: int
    characters: int
    seconds: float
    load_seconds: float
    errors: int = 0
    #: CPU time spent analysing (all processes): unlike wall time, it barely moves when other jobs share
    #: the machine, so docs per CPU-second compares runs taken under different loads
    cpu_seconds: float = 0.0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    #: CPU seconds per stage (every thread of the process: the encoder's onnxruntime threads count)
    stage_cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def docs_per_second(self) -> float:
        return self.documents / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "docs_per_second": round(self.docs_per_second, 2),
                "docs_per_cpu_second": round(self.documents / self.cpu_seconds, 2) if self.cpu_seconds else 0,
                "chars_per_second": round(self.characters / self.seconds) if self.seconds else 0}


def article_paths(data: Path, limit: int) -> list[Path]:
    folder = data / ARTICLES
    paths = sorted(folder.glob("article*.txt"))
    if not paths:
        sys.exit(f"error: no articles under {folder}; pass --data DIR (the shared datasets directory)")
    return paths[:limit]


# -- one process, stage by stage -----------------------------------------------------------------------


def run_single(paths: list[Path], stages: tuple[str, ...]) -> Run:
    from unspun.errors import UnspunError
    from unspun.options import Options
    from unspun.pipeline import Pipeline, one_blas_thread
    from unspun.readers import extract, source_from_bytes

    t0 = time.perf_counter()
    options = Options(stages=stages)
    pipeline = Pipeline(options=options)
    pipeline.analyze(paths[0].read_text("utf-8"))  # loads spaCy and the gazetteer once
    load = time.perf_counter() - t0

    timings = {name: 0.0 for name in ("read", "extract", *stages)}
    cpu_times = {name: 0.0 for name in stages}
    chars = errors = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    for path in paths:
        t = time.perf_counter()
        try:
            source = source_from_bytes(path.read_bytes(), name=path.name, options=options, id=path.name)
            timings["read"] += time.perf_counter() - t
            t = time.perf_counter()
            doc = extract(source, options=options)
            timings["extract"] += time.perf_counter() - t
            with one_blas_thread():  # as `Pipeline` runs its stages
                for stage in pipeline.stages:
                    t, c = time.perf_counter(), time.process_time()
                    stage(doc)
                    timings[stage.name] += time.perf_counter() - t
                    cpu_times[stage.name] += time.process_time() - c
            chars += len(doc.text)
        except UnspunError:
            errors += 1
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return Run(1, len(paths) - errors, chars, seconds, load, errors, round(cpu, 3),
               {k: round(v, 3) for k, v in timings.items()}, {k: round(v, 3) for k, v in cpu_times.items()})


# -- a pool of workers ---------------------------------------------------------------------------------

_PIPELINE: Any = None


#: one BLAS/OpenMP thread per worker: the pool is the parallelism (threads per worker would oversubscribe)
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _init_worker(stages: tuple[str, ...], warm_text: str) -> None:
    global _PIPELINE
    for var in _THREAD_VARS:
        os.environ[var] = "1"  # before numpy is imported in this (spawned) process
    from unspun.options import Options
    from unspun.pipeline import Pipeline

    # one encoder thread per worker too: N workers x all cores of onnxruntime threads would oversubscribe
    _PIPELINE = Pipeline(options=Options(stages=stages, threads=1)).initialize()
    _PIPELINE.analyze(warm_text)


def _ready(_: int) -> int:
    time.sleep(0.05)  # long enough that every worker takes one: all have finished their initialiser
    return os.getpid()


def _analyse(path: str) -> tuple[int, int, float]:
    """(characters analysed, errors, CPU seconds) of one article, in a worker."""
    from unspun.errors import UnspunError
    from unspun.readers import source_from_bytes

    cpu = time.process_time()
    data = Path(path).read_bytes()
    try:
        doc = _PIPELINE.analyze(source_from_bytes(data, name=Path(path).name, id=Path(path).name,
                                                  options=_PIPELINE.options))
    except UnspunError:
        return 0, 1, time.process_time() - cpu
    return len(doc.text), 0, time.process_time() - cpu


def run_pool(paths: list[Path], stages: tuple[str, ...], workers: int) -> Run:
    ctx = mp.get_context("spawn")
    t0 = time.perf_counter()
    with ctx.Pool(workers, initializer=_init_worker, initargs=(stages, paths[0].read_text("utf-8"))) as pool:
        pool.map(_ready, range(workers * 4), chunksize=1)
        load = time.perf_counter() - t0
        start = time.perf_counter()
        results = pool.map(_analyse, [str(p) for p in paths], chunksize=4)
        seconds = time.perf_counter() - start
    chars = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    cpu = round(sum(r[2] for r in results), 3)
    return Run(workers, len(paths) - errors, chars, seconds, load, errors, cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared datasets directory")
    parser.add_argument("--limit", type=int, default=100, help="number of articles (default 100)")
    parser.add_argument("--workers", default="2", help="comma-separated pool sizes besides one process")
    parser.add_argument("--repeat", type=int, default=1, help="repeat each run, keep the median")
    parser.add_argument("--out", type=Path, default=None,
                        help="result file (default benchmarks/results/pipeline[_models].json)")
    parser.add_argument("--with-models", action="store_true",
                        help="measure the pipeline with the encoder and its head stages (the shipped model)")
    args = parser.parse_args(argv)

    paths = article_paths(args.data, args.limit)
    stages = MODEL_STAGES if args.with_models else NON_MODEL_STAGES
    out = args.out or DEFAULT_OUT.with_name("pipeline_models.json" if args.with_models else DEFAULT_OUT.name)
    runs: list[Run] = []
    for workers in [1, *(int(w) for w in args.workers.split(",") if w.strip())]:
        trials = [run_single(paths, stages) if workers == 1 else run_pool(paths, stages, workers)
                  for _ in range(args.repeat)]
        runs.append(sorted(trials, key=lambda r: r.seconds)[len(trials) // 2])

    print(f"{len(paths)} PTC articles, {runs[0].characters:,} characters; pipeline: read -> extract -> "
          f"{' -> '.join(stages)}")
    print(f"{'processes':>9} {'docs/s':>8} {'chars/s':>10} {'seconds':>8} {'docs/cpu-s':>10} {'load s':>7} "
          f"{'errors':>6}")
    for r in runs:
        print(f"{r.workers:>9} {r.docs_per_second:>8.1f} {r.characters / r.seconds:>10,.0f} "
              f"{r.seconds:>8.2f} {r.documents / r.cpu_seconds:>10.1f} {r.load_seconds:>7.2f} {r.errors:>6}")
    print(f"load average while running (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    total = sum(runs[0].stage_seconds.values())
    print("one process, time per stage: " + ", ".join(
        f"{k} {v / total:.0%}" for k, v in runs[0].stage_seconds.items()))
    cpu = runs[0].stage_cpu_seconds
    for head in HEAD_STAGES:
        if cpu.get("encode") and head in cpu:
            print(f"{head} stage CPU seconds / encode stage CPU seconds: {cpu[head] / cpu['encode']:.3f} "
                  f"(wall: {runs[0].stage_seconds[head] / runs[0].stage_seconds['encode']:.3f})")
    for name, group in HEAD_GROUPS.items():
        if cpu.get("encode") and all(h in cpu for h in group):
            print(f"{name} stages CPU seconds / encode stage CPU seconds: "
                  f"{sum(cpu[h] for h in group) / cpu['encode']:.3f}")

    result = {
        "benchmark": "pipeline throughput, " + ("with the encoder and its head stages" if args.with_models
                                                else "non-model stages"),
        "command": " ".join(["benchmarks/bench_pipeline.py", *(sys.argv[1:] if argv is None else argv)]),
        "corpus": f"ptc-semeval2020/train-articles (first {len(paths)} by name)",
        "stages": ["read", "extract", *stages],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_average_1min": round(os.getloadavg()[0], 2)},
        "runs": [r.to_dict() for r in runs],
        "median_article_chars": statistics.median(len(p.read_text("utf-8")) for p in paths),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
