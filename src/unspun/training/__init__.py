"""Training, export and evaluation of the shared encoder and its task heads (the `[train]` extra).

Nothing here is imported by the analysis pipeline: the shipped models run with onnxruntime and numpy only
(`unspun.encoder`, `unspun.heads`). `train.main` and `evaluate.main` are the `unspun train` / `unspun
evaluate` commands.
"""
