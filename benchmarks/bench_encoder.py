"""Speed of the shared encoder and the hate head on this machine (see benchmarks/README.md).

    .venv/bin/python benchmarks/bench_encoder.py [--threads 2] [--batches 5] [--compare MODEL_DIR ...]

Measures, in one process: int8 encoder windows/s at batch 32 x 128 word-pieces; the hate heads' time as a
share of the encoder's on the same windows; a 50-comment thread through the encode + hate stages after the
model is loaded; peak RSS. Optionally other encoders (a training run's fp32 export, an earlier int8 model)
in the same run, for ratios. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

import unspun.encoder as E
from unspun.document import COMMENT, SENTENCES, STRUCTURE, Document, Span
from unspun.encoder import MAX_TOKENS, Encoder, default_model_dir
from unspun.heads import load_heads

COMMENT_TEMPLATES = [
    "I don't buy it, the mayor's office said the same about the bridge contract in {y}.",
    "Does anyone have a link to the actual settlement document? I'd like to read it first.",
    "Follow the money. Every time.",
    "This is exactly why turnout in {y} was so low, people have given up on the council.",
    "My uncle worked at the docks for thirty years and he says the fees were always a scam, "
    "nobody ever checked the containers and everyone knew it.",
]


def windows_per_second(
    enc: Encoder, batch: int, batches: int, rng: np.random.Generator
) -> tuple[float, float]:
    ids = rng.integers(1000, 29000, size=(batch, MAX_TOKENS), dtype=np.int64)
    ids[:, 0], ids[:, -1] = enc.cls_id, enc.sep_id
    mask = np.ones_like(ids)
    enc.run_batch(ids, mask)  # warm-up
    t0 = time.perf_counter()
    for _ in range(batches):
        enc.run_batch(ids, mask)
    el = time.perf_counter() - t0
    return batch * batches / el, el / batches


def head_share(model_dir: Path, states: np.ndarray, encoder_s: float, repeats: int = 20) -> float:
    """Hate heads over a batch of windows (pooled class + targets, rationale per piece) / encoder time."""
    heads = load_heads(model_dir).for_task("hate")
    t0 = time.perf_counter()
    for _ in range(repeats):
        pooled = states[:, 1:-1].mean(axis=1)
        heads["hate_class"](pooled)
        heads["hate_targets"](pooled)
        heads["hate_rationale"](states.reshape(-1, states.shape[-1]))
    return (time.perf_counter() - t0) / repeats / encoder_s


def thread_doc(n: int) -> Document:
    comments = [COMMENT_TEMPLATES[i % len(COMMENT_TEMPLATES)].format(y=2000 + i) for i in range(n)]
    text = "Port deal under fire\n\n" + "\n\n".join(comments)
    doc = Document(text=text, language="en")
    doc.add(STRUCTURE, Span(0, len("Port deal under fire"), "title", None, {}, "structure"))
    doc.add(SENTENCES, Span(0, len("Port deal under fire"), "sentence", None, {"segment": 0}, "sentences"))
    pos = 0
    for i, c in enumerate(comments):
        s = text.index(c, pos)
        doc.add(STRUCTURE, Span(s, s + len(c), COMMENT, None, {"index": i}, "structure"))
        doc.add(SENTENCES, Span(s, s + len(c), "sentence", None, {"segment": i + 1}, "sentences"))
        pos = s + len(c)
    return doc


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=default_model_dir())
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--batches", type=int, default=5)
    p.add_argument(
        "--compare",
        type=Path,
        action="append",
        default=[],
        help="another model dir (e.g. a run's export/fp32) whose encoder is timed in the same run",
    )
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    rng = np.random.default_rng(0)
    res: dict[str, object] = {"threads": args.threads, "batch": args.batch, "tokens": MAX_TOKENS}
    t0 = time.perf_counter()
    enc = E.get_encoder(args.model, threads=args.threads)  # the encoder the stages' code path gets
    enc.session  # noqa: B018 - load now, not inside the timed loop
    res["load_s"] = round(time.perf_counter() - t0, 2)
    wps, per_batch = windows_per_second(enc, args.batch, args.batches, rng)
    res["int8_windows_per_s"] = round(wps, 1)
    ids = rng.integers(1000, 29000, size=(args.batch, MAX_TOKENS), dtype=np.int64)
    states = enc.run_batch(ids, np.ones_like(ids))
    res["hate_heads_share_of_encoder"] = round(head_share(args.model, states, per_batch), 4)
    compared = {}
    for d in args.compare:
        other = Encoder(d, threads=args.threads)
        compared[str(d)] = round(windows_per_second(other, args.batch, args.batches, rng)[0], 1)
    res["compare_windows_per_s"] = compared

    from unspun.options import Options
    from unspun.stages.encode import ENCODE, encode_document
    from unspun.stages.hate import HateStage

    stage = HateStage(Options(model_dir=Path(args.model)))

    def analyse(doc: Document) -> int:
        doc.parses[ENCODE] = encode_document(doc, enc)
        return len(stage.predict(doc))

    analyse(thread_doc(5))  # warm-up
    doc = thread_doc(50)
    t0 = time.perf_counter()
    n_spans = analyse(doc)
    res["thread_50_comments_s"] = round(time.perf_counter() - t0, 3)
    res["thread_hate_spans"] = n_spans
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
