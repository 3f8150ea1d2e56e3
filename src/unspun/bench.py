"""`unspun bench`: corpus-mode throughput beside the encoder alone and beside a naive per-task approach.

On one corpus (the first N PTC news articles of ``<data>/ptc-semeval2020/train-articles``, written as JSONL):

- **full**: `unspun corpus` with the default pipeline (every installed stage) and 1 and 2 workers, Parquet
  tables written, timed from the first shard's start to the last shard's tables written (the shards'
  completion markers), so spawning workers and loading models are not timed. A worker gets
  ``threads = cores // workers``, so one worker already runs the encoder on every core;
- **full, one thread per worker**: the same with ``Options(threads=1)`` and 1 and 2 workers, in a fresh
  process started with numpy's BLAS and the tokenizer's thread pool held to one thread (`ONE_THREAD_ENV`):
  each worker has the same resources in both runs, so 2 workers / (2 × 1 worker) is the scaling of the
  design itself, where the figure above also counts what the encoder's threads already won;
- **encoder alone**: only the encode stage's work (tokenising windows, the int8 ONNX encoder) over documents
  already read, structured and split into sentences outside the clock, in 1 and 2 processes (released
  together by a barrier) with the cores shared among them — the limit of this design;
- **naive**: what a user without unspun would write: one Hugging Face `transformers` pipeline per head of
  the shipped model that the pipeline's head stages run (read from the model's config and heads, so it
  follows them when heads change: a text-classification pipeline for a sequence head, sigmoid heads with
  every label's score, a token-classification pipeline for a token head) in torch fp32 on every core, each
  encoding every sentence again. It needs the `[train]` extra (torch, transformers, the base MiniLM
  weights); its heads are the base weights plus linear layers of the shipped heads' label counts, with the
  shipped weights where they fit the classifier (a head that reads a context reader's output, the quotes
  tagger, keeps a random one). It measures speed only: its outputs are not the shipped model's, and it does
  no structure, sentences or entities, which the full pipeline does.

Peak memory is the peak RSS of one worker (the largest, for a pool), from its shards' completion markers;
with one worker the worker is the benchmark's own process.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspun.errors import UnspunError

if TYPE_CHECKING:
    from unspun.heads import Head

ARTICLES = Path("ptc-semeval2020") / "train-articles"
#: records per shard in the benchmark: small, so 2 workers get an even share of a small corpus
BENCH_SHARD_SIZE = 8
#: the encoder-alone measurement's documents per encoder call (what `Pipeline.pipe` gives the encoder)
ENCODE_BATCH = 32
#: the naive baseline's batch size per HF pipeline call and its truncation
NAIVE_BATCH = 32
NAIVE_MAX_TOKENS = 128
#: a "sentence" longer than this (a run-on line) is cut into pieces: about 128 word-pieces of English
NAIVE_MAX_CHARS = 600
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
#: what holds a worker of ``Options(threads=1)`` to one core: the option sets the encoder's onnxruntime
#: threads, but numpy's BLAS (the heads, the quotes tagger's reader) and the tokenizer's Rust thread pool
#: take one thread per core unless these are set when the process starts
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                  "TOKENIZERS_PARALLELISM": "false", "RAYON_NUM_THREADS": "1"}


class BenchDataError(UnspunError):
    reason = "bench_data"


@dataclass
class BenchResult:
    docs: int
    chars: int
    full: dict[str, float] = field(default_factory=dict)
    #: the full pipeline with one thread per worker (`ONE_THREAD_ENV`), by workers
    full_one_thread: dict[str, float] = field(default_factory=dict)
    encoder_alone: dict[str, float] = field(default_factory=dict)
    naive: float | None = None
    naive_note: str | None = None
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    cpus: int = 0
    load_average: float = 0.0

    def ratios(self) -> dict[str, float | None]:
        def ratio(a: float | None, b: float | None) -> float | None:
            return round(a / b, 2) if a and b else None

        def scaling(by_workers: dict[str, float]) -> float | None:
            return ratio(by_workers.get("2"), 2 * by_workers["1"]) if "1" in by_workers else None

        out = {f"full_vs_encoder_{w}": ratio(self.full.get(w), self.encoder_alone.get(w)) for w in self.full}
        out["scaling_1_to_2"] = scaling(self.full)
        out["scaling_1_to_2_one_thread_per_worker"] = scaling(self.full_one_thread)
        for w in self.full:
            out[f"full_{w}_vs_naive"] = ratio(self.full[w], self.naive)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"docs": self.docs, "full": self.full, "full_one_thread": self.full_one_thread,
                "encoder_alone": self.encoder_alone,
                "naive": self.naive, "peak_rss_mb": self.peak_rss_mb, "ratios": self.ratios(),
                "naive_note": self.naive_note, "chars": self.chars, "stages": self.stages, "cpus": self.cpus,
                "load_average_1min": self.load_average}


def article_texts(data: Path, limit: int) -> list[str]:
    paths = sorted((data / ARTICLES).glob("article*.txt"))[:limit]
    if not paths:
        raise BenchDataError(f"no news articles under {data / ARTICLES}; pass --data DIR (the shared "
                             f"datasets)")
    return [p.read_text("utf-8") for p in paths]


def write_jsonl(texts: list[str], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for k, text in enumerate(texts):
            handle.write(json.dumps({"id": f"article-{k}", "text": text}) + "\n")
    return path


# -- full pipeline through corpus mode -------------------------------------------------------------------


def working_seconds(out: Path) -> float:
    """A finished run's working time: from its first shard's start to its last shard's tables written (the
    shards' completion markers), so spawning the workers and loading their models are left out."""
    from unspun.corpus.writer import done_results

    results = done_results(out).values()
    return max(r.finished_at for r in results) - min(r.started_at for r in results)


def worker_peak_rss_mb(work: Path, workers: int) -> float:
    """The largest peak memory of a worker of the full run with `workers` (from its shards' markers)."""
    from unspun.corpus.writer import done_results

    return max(r.peak_rss_mb for r in done_results(work / f"full-{workers}").values())


def measure_full(texts: list[str], work: Path, workers: int, options: Any) -> float:
    """Documents per second of `unspun corpus` with `workers`, over the run's working time."""
    from unspun import cached_pipeline
    from unspun.corpus.executors import worker_options
    from unspun.corpus.run import run_corpus

    if workers == 1:  # the one worker is this process: its models load here, before the first shard
        cached_pipeline(worker_options(options, 1)).initialize().analyze(texts[0])
    out = work / f"full-{workers}"
    run_corpus([str(write_jsonl(texts, work / f"full-{workers}.jsonl"))], out, options=options,
               workers=workers, shard_size=BENCH_SHARD_SIZE)
    return round(len(texts) / working_seconds(out), 2)


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """`values` in this process's environment for the processes started inside the block."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def measure_full_one_thread(texts: list[str], work: Path, workers: int, options: Any) -> float:
    """`measure_full` with one thread per worker: run in a fresh process started with `ONE_THREAD_ENV`
    (its pool's workers inherit it), since BLAS and the tokenizer fix their threads when they load."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    where = work / f"one-thread-{workers}"
    where.mkdir(parents=True, exist_ok=True)
    # a ProcessPoolExecutor's process, unlike a multiprocessing.Pool's, may start the workers' pool
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        with environment(ONE_THREAD_ENV):  # the process starts on the first submit
            future = pool.submit(measure_full, texts, where, workers, options.replace(threads=1))
        docs_per_s: float = future.result()
    return docs_per_s


# -- the encoder alone ------------------------------------------------------------------------------------

_PREPARED: list[Any] = []
_ENCODE_STAGE: Any = None


def _prepare_worker(texts: list[str], threads: int | None, barrier: Any) -> None:
    """Pool initialiser: read, structure and split the worker's share (untimed), load the encoder."""
    global _ENCODE_STAGE
    from unspun.options import Options
    from unspun.pipeline import Pipeline

    options = Options(stages=("structure", "sentences", "encode"), threads=threads)
    pipeline = Pipeline(options=options).initialize()
    _ENCODE_STAGE = pipeline.stages[-1]
    before = Pipeline(["structure", "sentences"], options=options)
    from unspun.readers import extract, source_from_string

    for text in texts:
        doc = extract(source_from_string(text, options=options), options=options)
        for stage in before.stages:
            stage(doc)
        _PREPARED.append(doc)
    barrier.wait()


def _encode_prepared(_: int) -> tuple[int, float]:
    started = time.perf_counter()
    for k in range(0, len(_PREPARED), ENCODE_BATCH):
        for doc in _ENCODE_STAGE.pipe(_PREPARED[k : k + ENCODE_BATCH]):
            doc.parses.clear()
    return len(_PREPARED), time.perf_counter() - started


def measure_encoder(texts: list[str], workers: int) -> float:
    """Documents per second of the encode stage alone, `workers` processes sharing the cores."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    threads = max(1, (os.cpu_count() or 1) // workers)
    shares = [texts[k::workers] for k in range(workers)]
    barrier = context.Barrier(workers)
    pools = [context.Pool(1, initializer=_prepare_worker, initargs=(share, threads, barrier))
             for share in shares]
    try:
        waits = [pool.apply_async(_encode_prepared, (0,)) for pool in pools]
        results = [w.get() for w in waits]
    finally:
        for pool in pools:
            pool.close()
            pool.join()
    return round(sum(n for n, _ in results) / max(s for _, s in results), 2)


# -- the naive per-task approach ------------------------------------------------------------------------


def naive_heads(tasks: set[str]) -> list[Head]:
    """The shipped model's heads of `tasks` (the pipeline's head stages), as the model declares them."""
    from unspun.encoder import default_model_dir
    from unspun.heads import load_heads

    return [head for head in load_heads(default_model_dir()).heads.values() if head.task in tasks]


def measure_naive(texts: list[str], tasks: set[str]) -> tuple[float | None, str]:
    """Documents per second of one HF transformers pipeline per head of `tasks` in torch fp32, or None and
    why not."""
    try:
        import torch
        from transformers import (
            AutoModelForSequenceClassification,
            AutoModelForTokenClassification,
            AutoTokenizer,
            pipeline,
        )

        from unspun.heads import SIGMOID, TOKEN
        from unspun.training.model import base_model_path

        base = str(base_model_path())
        heads = naive_heads(tasks)
    except (ImportError, UnspunError) as exc:
        return None, f"not measured: the naive baseline needs the [train] extra and the shipped model ({exc})"
    if not heads:
        return None, f"not measured: the shipped model has no heads of the pipeline's tasks {sorted(tasks)}"
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the load report of the new heads' layers is expected here
    hf_logging.disable_progress_bar()
    torch.set_num_threads(os.cpu_count() or 1)
    tokenizer = AutoTokenizer.from_pretrained(base)
    tasks_run, random_weights = [], []
    for head in heads:
        token = head.kind == TOKEN
        auto: Any = AutoModelForTokenClassification if token else AutoModelForSequenceClassification
        model = auto.from_pretrained(base, num_labels=len(head.labels), id2label=dict(enumerate(head.labels)),
                                     label2id={label: k for k, label in enumerate(head.labels)})
        with torch.no_grad():  # the shipped head's weights on the base encoder where they fit its classifier
            for name, array in (("weight", head.weight), ("bias", head.bias)):
                layer = getattr(model.classifier, name)
                if tuple(layer.shape) == array.shape:
                    layer.copy_(torch.from_numpy(array))
                elif head.name not in random_weights:
                    # a context reader's output (the quotes tagger: conv features beside the state) is
                    # wider than the encoder's state: the classifier keeps its random weights
                    random_weights.append(head.name)
        model.eval()
        # the token pipeline takes no truncation: its inputs are cut to NAIVE_MAX_CHARS instead
        extra: dict[str, Any] = {} if token else {"truncation": True, "max_length": NAIVE_MAX_TOKENS}
        if head.loss == SIGMOID and not token:
            extra.update(top_k=None, function_to_apply="sigmoid")
        task = "token-classification" if token else "text-classification"
        make: Any = pipeline  # typed per literal task name; ours is a variable
        tasks_run.append((make(task, model=model, tokenizer=tokenizer, device=-1), extra))
    started = time.perf_counter()
    for text in texts:
        sentences = [s[k : k + NAIVE_MAX_CHARS] for s in _SENTENCE_SPLIT.split(text) if s.strip()
                     for k in range(0, len(s), NAIVE_MAX_CHARS)]
        for run, extra in tasks_run:
            run(sentences, batch_size=NAIVE_BATCH, **extra)
    seconds = time.perf_counter() - started
    random_note = (f"; random classifier weights where the shipped head's do not fit: "
                   f"{', '.join(random_weights)}" if random_weights else "")
    note = (f"speed only: one transformers pipeline per shipped head the pipeline runs ({len(heads)}: "
            f"{', '.join(h.name for h in heads)}), torch fp32, {torch.get_num_threads()} threads, the base "
            f"all-MiniLM-L6-v2 weights with linear heads of the shipped label counts{random_note}; its "
            "outputs are not the shipped model's; sentences split by a regular expression")
    return round(len(texts) / seconds, 2), note


def run_bench(data: Path, *, limit: int, naive: bool = True, log: Any = None) -> BenchResult:
    """Measure everything on the first `limit` articles."""
    from unspun.options import Options
    from unspun.pipeline import Pipeline
    from unspun.stages.head import HeadStage

    say = log or (lambda message: None)
    texts = article_texts(data, limit)
    options = Options()
    pipeline = Pipeline(options=options)
    result = BenchResult(docs=len(texts), chars=sum(map(len, texts)), stages=list(pipeline.stage_names),
                         cpus=os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="unspun-bench-") as tmp:
        for workers in (1, 2):
            say(f"full pipeline, {workers} worker(s)")
            result.full[str(workers)] = measure_full(texts, Path(tmp), workers, options)
            result.peak_rss_mb[str(workers)] = worker_peak_rss_mb(Path(tmp), workers)
        for workers in (1, 2):
            say(f"full pipeline, {workers} worker(s) of one thread")
            result.full_one_thread[str(workers)] = measure_full_one_thread(texts, Path(tmp), workers, options)
        for workers in (1, 2):
            say(f"encoder alone, {workers} process(es)")
            result.encoder_alone[str(workers)] = measure_encoder(texts, workers)
    if naive:
        say("naive: a transformers pipeline per head")
        tasks = {stage.task for stage in pipeline.stages if isinstance(stage, HeadStage)}
        result.naive, result.naive_note = measure_naive(texts, tasks)
    result.load_average = round(os.getloadavg()[0], 2)
    return result


def main_text(result: BenchResult) -> str:
    """The human-readable table of a result."""
    r = result.ratios()
    lines = [f"{result.docs} PTC articles ({result.chars:,} characters), {result.cpus} CPUs, load average "
             f"{result.load_average}; stages: {', '.join(result.stages)}",
             f"{'':24}{'1 worker':>12}{'2 workers':>12}"]
    lines.append(f"{'full pipeline (docs/s)':24}{result.full.get('1', 0):>12}{result.full.get('2', 0):>12}")
    lines.append(f"{'full, 1 thread a worker':24}{result.full_one_thread.get('1', 0):>12}"
                 f"{result.full_one_thread.get('2', 0):>12}")
    lines.append(f"{'encoder alone (docs/s)':24}{result.encoder_alone.get('1', 0):>12}"
                 f"{result.encoder_alone.get('2', 0):>12}")
    lines.append(f"{'full / encoder alone':24}{r.get('full_vs_encoder_1')!s:>12}"
                 f"{r.get('full_vs_encoder_2')!s:>12}")
    lines.append(f"{'peak RSS per worker (MB)':24}{result.peak_rss_mb.get('1', 0):>12}"
                 f"{result.peak_rss_mb.get('2', 0):>12}")
    lines.append(f"scaling 1 -> 2 workers: {r.get('scaling_1_to_2')} (threads = cores // workers); one "
                 f"thread per worker: {r.get('scaling_1_to_2_one_thread_per_worker')}")
    lines.append(f"naive, a transformers pipeline per head: {result.naive} docs/s; full / naive: "
                 f"{r.get('full_1_vs_naive')} (1 worker), {r.get('full_2_vs_naive')} (2 workers)")
    if result.naive_note:
        lines.append(f"  ({result.naive_note})")
    return "\n".join(lines)


def default_data_dir() -> Path:
    """``../shared/data`` beside the project checkout (the datasets are never in the repository)."""
    return Path(sys.modules[__name__].__file__ or ".").resolve().parents[3] / "shared" / "data"
