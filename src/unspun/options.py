"""The one typed options object: package defaults, overridden by a config file, CLI flags or HTTP
parameters."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspun.errors import OptionsError

# Inputs larger than this are refused before parsing: 20 MB pages exist (inline images, scripts) and parse
# in a few seconds; 50 MB keeps a worker's memory bounded while accepting them.
DEFAULT_MAX_INPUT_BYTES = 50_000_000
# Fetching a URL: an article page rarely needs more than a few seconds or a few MB.
DEFAULT_FETCH_TIMEOUT_S = 10.0
DEFAULT_FETCH_MAX_BYTES = 10_000_000


@dataclass(frozen=True, kw_only=True)
class Options:
    """Everything that changes what an analysis does. Build with `Options(...)` or `Options.from_mapping`."""

    #: stage names to run, in order; None runs the default pipeline (every stage whose model is installed)
    stages: tuple[str, ...] | None = None
    #: force the input format instead of sniffing it: "text" or "html"
    input_format: str | None = None
    #: force the document language (ISO 639-1) instead of detecting it
    language: str | None = None
    max_input_bytes: int = DEFAULT_MAX_INPUT_BYTES
    fetch_timeout_s: float = DEFAULT_FETCH_TIMEOUT_S
    fetch_max_bytes: int = DEFAULT_FETCH_MAX_BYTES
    #: allow fetching URLs that resolve to private, loopback or link-local addresses
    allow_private_urls: bool = False
    #: per task, the threshold that replaces the model's calibrated one (hate: the toxicity threshold,
    #: 1 - p(normal)); pairs (task, value), given as a mapping {"hate": 0.7} in a config or HTTP request
    thresholds: tuple[tuple[str, float], ...] = ()
    #: onnxruntime intra-op threads of the shared encoder; None uses every core (a pool of N workers on C
    #: cores wants C // N each, or the workers' threads fight over the cores)
    threads: int | None = None
    #: the model directory (encoder, tokenizer, heads); None is the model shipped in the package
    model_dir: Path | None = None

    def __post_init__(self) -> None:
        # Options key caches (`unspun.analyze`, the encoder per model and threads): every field is hashable
        # and canonical, whichever way the object was built (Options(thresholds={"hate": 0.7}))
        if self.stages is not None and not isinstance(self.stages, tuple):
            object.__setattr__(self, "stages", tuple(self.stages))
        object.__setattr__(self, "thresholds", thresholds_of(self.thresholds))
        if self.model_dir is not None and not isinstance(self.model_dir, Path):
            object.__setattr__(self, "model_dir", Path(self.model_dir))
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise OptionsError(f"threads must be a whole number of at least 1, not {self.threads!r}")

    def replace(self, **changes: Any) -> Options:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, base: Options | None = None) -> Options:
        """Options from a plain mapping (config file, HTTP parameters); unknown keys are an error."""
        base = base or cls()
        known = {f.name: f for f in dataclasses.fields(cls)}
        changes: dict[str, Any] = {}
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in known:
                raise OptionsError(f"unknown option {key!r}; known options: {', '.join(sorted(known))}")
            if name == "stages" and isinstance(value, str):
                value = [v.strip() for v in value.split(",") if v.strip()]
            if name == "model_dir" and isinstance(value, str):
                value = Path(value).expanduser()
            changes[name] = value
        try:
            return dataclasses.replace(base, **changes)
        except TypeError as exc:  # pragma: no cover - dataclasses reports bad keys above
            raise OptionsError(str(exc)) from exc

    @classmethod
    def from_file(cls, path: str | Path, *, base: Options | None = None) -> Options:
        """Options from a TOML config file (keys as in `Options`, optionally under an [unspun] table).

        A relative `model_dir` is taken relative to the config file's folder, so a config file and its model
        can move together."""
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise OptionsError(f"cannot read config file {path}: {exc}") from exc
        table = dict(data.get("unspun", data))
        for key in ("model_dir", "model-dir"):
            if isinstance(table.get(key), str):
                table[key] = Path(path).parent / Path(table[key]).expanduser()
        return cls.from_mapping(table, base=base)


def thresholds_of(value: Any) -> tuple[tuple[str, float], ...]:
    """Per-task thresholds from a mapping or pairs, as the hashable sorted pairs Options keeps."""
    pairs = value.items() if isinstance(value, dict) else value
    try:
        out = {str(task): float(t) for task, t in pairs}
    except (TypeError, ValueError) as exc:
        raise OptionsError(f"thresholds must map task names to numbers, not {value!r}") from exc
    bad = [task for task, t in out.items() if not 0.0 <= t <= 1.0]
    if bad:
        raise OptionsError(f"thresholds must lie in [0, 1]: {', '.join(bad)}")
    return tuple(sorted(out.items()))
