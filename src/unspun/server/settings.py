"""How the HTTP service runs (limits, batching, keys): `ServerSettings`, apart from `Options` (what an
analysis does). A config file holds both: analysis options under ``[unspun]``, these under ``[serve]``."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspun.errors import OptionsError

# A news page with its comment thread is rarely over 2 MB of HTML; 10 MB accepts heavy pages and batches
# while bounding what one request can make a worker hold.
DEFAULT_MAX_BODY_BYTES = 10_000_000
# A page takes well under a second on a free worker; 30 s covers a full queue ahead of it.
DEFAULT_TIMEOUT_S = 30.0
# Requests admitted at once (queued or running) by the server: 4x the load benchmark's 32 clients, so a burst
# waits in the queue rather than being refused, while a flood is refused before it exhausts memory.
DEFAULT_MAX_PENDING = 128
# Documents per encoder call: the encoder packs windows in batches of 32 (Pipeline.pipe's batch).
DEFAULT_BATCH_SIZE = 32
# How long the first request of a batch waits for others: short beside a ~10 ms analysis, long enough for
# requests that arrive together to share one encoder call.
DEFAULT_BATCH_WAIT_MS = 4.0
# Characters of input per micro-batch: about twenty news articles, or far more short comments than a batch
# holds; a batch of articles stops there, so a request waits for a few others, not for thirty.
DEFAULT_BATCH_MAX_CHARS = 100_000
# Documents in one /v1/analyze:batch request.
DEFAULT_MAX_BATCH_DOCUMENTS = 256
# Seconds a refused client is told to wait (Retry-After).
DEFAULT_RETRY_AFTER_S = 1


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """Limits and behaviour of `unspun serve`; the analysis itself is configured by `Options`."""

    #: largest request body accepted (HTTP 413 above it)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: seconds a request may wait for its analysis (HTTP 503, or 504 on the Perspective endpoint, after)
    timeout_s: float = DEFAULT_TIMEOUT_S
    #: analysis requests admitted at once (all workers together); more are refused with Retry-After
    max_pending: int = DEFAULT_MAX_PENDING
    #: documents run through the encoder together (the micro-batch size)
    batch_size: int = DEFAULT_BATCH_SIZE
    #: milliseconds the first request of a micro-batch waits for others to join it
    batch_wait_ms: float = DEFAULT_BATCH_WAIT_MS
    #: characters of input at which a micro-batch stops growing
    batch_max_chars: int = DEFAULT_BATCH_MAX_CHARS
    max_batch_documents: int = DEFAULT_MAX_BATCH_DOCUMENTS
    retry_after_s: int = DEFAULT_RETRY_AFTER_S
    #: the API keys served (``?key=``, ``X-Goog-Api-Key``); None serves every request and ignores keys
    api_keys: frozenset[str] | None = None

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_pending", "batch_size", "batch_max_chars", "max_batch_documents",
                     "retry_after_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionsError(f"serve.{name} must be a whole number of at least 1, not {value!r}")
        for name in ("timeout_s", "batch_wait_ms"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise OptionsError(f"serve.{name} must be a number of at least 0, not {value!r}")
        if self.api_keys is not None and not isinstance(self.api_keys, frozenset):
            object.__setattr__(self, "api_keys", frozenset(self.api_keys))

    def replace(self, **changes: Any) -> ServerSettings:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, base: ServerSettings | None = None) -> ServerSettings:
        known = {f.name for f in dataclasses.fields(cls)} - {"api_keys"}
        changes = {}
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in known:
                raise OptionsError(f"unknown [serve] setting {key!r}; known: {', '.join(sorted(known))}")
            changes[name] = value
        return dataclasses.replace(base or cls(), **changes)


def read_config(path: str | Path) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The ``[serve]`` table of a config file, and whether it has one: (serve table or None, whole file)."""
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise OptionsError(f"cannot read config file {path}: {exc}") from exc
    serve = data.get("serve")
    if serve is not None and not isinstance(serve, dict):
        raise OptionsError(f"{path}: [serve] must be a table")
    if serve is not None and "unspun" not in data and set(data) - {"serve"}:
        raise OptionsError(f"{path}: with a [serve] table, put the analysis options under [unspun]")
    return serve, data


def read_api_keys(path: str | Path) -> frozenset[str]:
    """API keys from a file: one per line; blank lines and lines starting with # are ignored."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionsError(f"cannot read the API key file {path}: {exc}") from exc
    keys = frozenset(line.strip() for line in lines if line.strip() and not line.strip().startswith("#"))
    if not keys:
        raise OptionsError(f"the API key file {path} holds no key (one key per line)")
    return keys
