"""The one typed options object: package defaults, overridden by a config file, CLI flags or HTTP
parameters."""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unspun.errors import OptionsError

# Inputs larger than this are refused (read up to here, then refused). Measured (benchmarks/README.md,
# bench_huge.py): a 10 MB page is analysed in parts in under 0.6 GB at the time per character of a 50 KB
# article, about 4 CPU-minutes without the models and 19 with them (114 us a character); the whole text, its
# layers and (HTML) its tree still grow with the page, so 10 MB keeps a worker within 1.5 GB. A config file
# raises it for the rare bigger page.
DEFAULT_MAX_INPUT_BYTES = 10_000_000
# Fetching a URL: an article page rarely needs more than a few seconds or a few MB.
DEFAULT_FETCH_TIMEOUT_S = 10.0
DEFAULT_FETCH_MAX_BYTES = 10_000_000
#: the input formats `input_format` may force
INPUT_FORMATS = ("text", "html")
# A BCP-47 language tag (EN, en-US, pt_BR, zh-Hant-TW): a primary subtag of 2-3 letters, then subtags; only
# the primary subtag (lower-cased) is kept, because language identification and the stages speak ISO 639-1.
_LANGUAGE_TAG_RE = re.compile(r"([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*")


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
        # and canonical, whichever way the object was built (Options(thresholds={"hate": 0.7})). Every value
        # is checked here, so a config file, a flag, an HTTP parameter and a keyword argument are refused
        # alike (`OptionsError`, one line) instead of failing deep inside a stage.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            checked = _CHECKS[f.name](value, f.name)
            if checked is not value:
                object.__setattr__(self, f.name, checked)

    def replace(self, **changes: Any) -> Options:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, base: Options | None = None, flags: bool = False,
                     where: str = "") -> Options:
        """Options from a plain mapping (config file, HTTP parameters, keyword arguments); unknown keys and
        bad values are an `OptionsError` that names the option as the user wrote it: ``--max-input-bytes``
        when `flags` (the command line), else the key, prefixed by `where` (e.g. the config file)."""
        base = base or cls()
        known = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict):
            raise OptionsError(f"{where}options must be a mapping of names to values, not {_kind(data)}")
        changes: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).replace("-", "_")
            if name not in known:
                raise OptionsError(f"{where}unknown option {key!r}; known options: "
                                   f"{', '.join(sorted(known))}")
            label = f"--{name.replace('_', '-')}" if flags else f"{where}{key}"
            changes[name] = _CHECKS[name](value, label)
        return dataclasses.replace(base, **changes)

    @classmethod
    def from_file(cls, path: str | Path, *, base: Options | None = None) -> Options:
        """Options from a TOML config file (keys as in `Options`, optionally under an [unspun] table).

        A relative `model_dir` is taken relative to the config file's folder, so a config file and its model
        can move together."""
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise OptionsError(f"cannot read config file {path}: {exc}") from exc
        table = data.get("unspun", data)
        if not isinstance(table, dict):
            raise OptionsError(f"config file {path}: [unspun] must be a table of options")
        table = dict(table)
        for key in ("model_dir", "model-dir"):
            if isinstance(table.get(key), str):
                table[key] = Path(path).parent / Path(table[key]).expanduser()
        return cls.from_mapping(table, base=base, where=f"config file {path}: ")


def thresholds_of(value: Any, label: str = "thresholds") -> tuple[tuple[str, float], ...]:
    """Per-task thresholds from a mapping or pairs, as the hashable sorted pairs Options keeps."""
    try:
        pairs = value.items() if isinstance(value, dict) else value
        out = {}
        for task, t in pairs:
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not isinstance(task, str):
                raise TypeError
            out[task] = float(t)
    except (TypeError, ValueError) as exc:
        raise OptionsError(f"{label} must map task names to numbers (hate = 0.7), not {value!r}") from exc
    bad = [task for task, t in out.items() if not 0.0 <= t <= 1.0]
    if bad:
        raise OptionsError(f"{label} must lie between 0 and 1: {', '.join(bad)}")
    return tuple(sorted(out.items()))


# -- one check per field: (value, the name the user wrote) -> the canonical value, or OptionsError ----------


def _kind(value: Any) -> str:
    """How a value reads in a message: "'false' (a string)", "5 (a number)"."""
    kinds = {str: "a string", bool: "a boolean", int: "a number", float: "a number", list: "a list",
             tuple: "a list", dict: "a table"}
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return f"{shown} ({kinds.get(type(value), type(value).__name__)})"


def stage_names(value: Any, label: str) -> tuple[str, ...] | None:
    """Stage names from a list or a comma-separated string; OptionsError for anything else or for none."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise OptionsError(f"{label} must be stage names (a list, or a comma-separated string), not "
                           f"{_kind(value)}")
    names = tuple(v.strip() for v in value if v.strip())
    if not names:
        raise OptionsError(f"{label} names no stage; name at least one (see `unspun stages`), or leave it "
                           f"out for the default pipeline")
    return names


def _check_input_format(value: Any, label: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.lower() not in INPUT_FORMATS:
        raise OptionsError(f"{label} must be one of {', '.join(INPUT_FORMATS)}, not {_kind(value)}")
    return value.lower()


def language_code(value: Any, label: str = "language") -> str | None:
    """The ISO 639 code of a BCP-47 language tag (``EN`` -> ``en``, ``en-US`` -> ``en``), or OptionsError."""
    if value is None:
        return None
    match = _LANGUAGE_TAG_RE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise OptionsError(f"{label} must be a language tag such as en, EN or en-US, not {_kind(value)}")
    return match.group(1).lower()


def _whole(minimum: int) -> Any:
    def check(value: Any, label: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise OptionsError(f"{label} must be a whole number of at least {minimum}, not {_kind(value)}")
        return value

    return check


def _optional_whole(minimum: int) -> Any:
    whole = _whole(minimum)
    return lambda value, label: None if value is None else whole(value, label)


def _check_seconds(value: Any, label: str) -> float:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value <= 0:
        raise OptionsError(f"{label} must be a number of seconds above 0, not {_kind(value)}")
    return float(value)


def _check_bool(value: Any, label: str) -> bool:
    # only a real boolean: the string "false" is true in Python, and a config that says it must not open
    # the door to loopback addresses
    if not isinstance(value, bool):
        raise OptionsError(f"{label} must be true or false (a boolean, without quotes), not {_kind(value)}")
    return value


def _check_model_dir(value: Any, label: str) -> Path | None:
    if value is None or isinstance(value, Path):
        return value
    if not isinstance(value, str) or not value.strip():
        raise OptionsError(f"{label} must be a folder path, not {_kind(value)}")
    return Path(value).expanduser()


_CHECKS: dict[str, Any] = {
    "stages": stage_names,
    "input_format": _check_input_format,
    "language": language_code,
    "max_input_bytes": _whole(1),
    "fetch_timeout_s": _check_seconds,
    "fetch_max_bytes": _whole(1),
    "allow_private_urls": _check_bool,
    "thresholds": thresholds_of,
    "threads": _optional_whole(1),
    "model_dir": _check_model_dir,
}
