"""unspun: how a news page works on its reader, span by span.

>>> import unspun
>>> doc = unspun.analyze("Officials said on Tuesday that the port will reopen.")  # doctest: +SKIP
>>> [s.label for s in doc.layers["structure"]]  # doctest: +SKIP
['editorial']

Importing this package is cheap: stages and their models load on first use.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Document", "Options", "Pipeline", "Span", "UnspunError", "__version__", "analyze"]

if TYPE_CHECKING:
    from unspun.document import Document, Span
    from unspun.errors import UnspunError
    from unspun.options import Options
    from unspun.pipeline import Pipeline

_LAZY = {
    "Document": "unspun.document",
    "Span": "unspun.document",
    "Options": "unspun.options",
    "Pipeline": "unspun.pipeline",
    "UnspunError": "unspun.errors",
}
#: pipelines kept by `analyze`, one per distinct Options, least recently used dropped first: a server that
#: takes a threshold per request must not grow a pipeline per value it was ever sent
PIPELINE_CACHE_SIZE = 8
_pipelines_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unspun' has no attribute {name!r}")


def analyze(text_or_html: str | bytes, **options: Any) -> Document:
    """Analyse one page given as plain text or HTML; keyword arguments are `Options` fields.

    The pipeline for a given set of options is built once per process and reused (`cached_pipeline`).
    """
    from unspun.options import Options

    return cached_pipeline(Options.from_mapping(options)).analyze(text_or_html)


def cached_pipeline(options: Options) -> Pipeline:
    """The pipeline of `options`, built once and kept among the `PIPELINE_CACHE_SIZE` most recently used.

    Thread-safe: threads asking for the same options at once get one pipeline, built once.
    """
    with _pipelines_lock:
        return _build_pipeline(options)


@lru_cache(maxsize=PIPELINE_CACHE_SIZE)
def _build_pipeline(options: Options) -> Pipeline:
    from unspun.pipeline import Pipeline

    return Pipeline(options=options)
