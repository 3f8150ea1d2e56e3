"""The plan of a corpus run: its inputs cut into shards, fixed once and written beside the output.

A shard is a unit of work and of resumption: a run of loose ``.txt``/``.html`` files, a range of lines of a
JSONL file, or one compressed JSONL or WARC file (neither can be split without reading it through). Shards
are numbered in input order; a shard's rows go to files named by its number, so a shard run twice (after a
crash) replaces its files instead of adding rows. The plan records each file's size and modification time:
`--resume` refuses inputs that changed since the run began, since their records would no longer match.
"""

from __future__ import annotations

import glob
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unspun.errors import UnreadableInputError, UnspunError
from unspun.readers.files import DIRECTORY_SUFFIXES
from unspun.readers.warc import is_warc

PLAN_FILE = "plan.json"
PLAN_SCHEMA = "unspun/corpus-plan-1"
#: records (JSONL lines, loose files) per shard: enough to fill the encoder's batches (32 documents) several
#: times and keep a million pages to some 10,000 files per table; few enough that a crash costs under a
#: minute of a worker's work (at 2-4 docs/s) and that a pool balances the load of a small run
DEFAULT_SHARD_SIZE = 100
JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSONL_GZ_SUFFIXES = (".jsonl.gz", ".ndjson.gz")
#: what a directory walk picks up: the readers' suffixes plus compressed JSONL (a corpus format)
CORPUS_SUFFIXES = tuple(dict.fromkeys((*DIRECTORY_SUFFIXES, *JSONL_SUFFIXES, *JSONL_GZ_SUFFIXES)))
_GLOB_CHARS = set("*?[")

FILES = "files"
JSONL = "jsonl"
JSONL_GZ = "jsonl.gz"
WARC = "warc"


class CorpusInputError(UnspunError):
    """The command line names inputs that a corpus run cannot use (nothing to read, a changed input)."""

    reason = "unreadable"


@dataclass(frozen=True)
class Shard:
    """One unit of work: `paths` (loose files), or the lines of one JSONL file from byte `start` up to byte
    `end` (numbered from `first_line`), or one whole compressed JSONL or WARC file."""

    index: int
    kind: str
    paths: tuple[str, ...]
    start: int = 0
    end: int | None = None
    first_line: int = 1
    #: bytes of input the shard reads: the progress bar's measure of work
    size: int = 0

    @property
    def name(self) -> str:
        """The stem of the shard's files in every table: ``part-000012``."""
        return f"part-{self.index:06d}"


@dataclass
class Plan:
    inputs: list[str]
    shard_size: int
    stages: list[str]
    shards: list[Shard]
    #: path -> [size, mtime_ns] of every file read, to refuse a resume over changed inputs
    files: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(s.size for s in self.shards)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema"] = PLAN_SCHEMA
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        if data.get("schema") != PLAN_SCHEMA:
            raise CorpusInputError(f"not a corpus plan (schema {data.get('schema')!r})")
        shards = [Shard(**{**s, "paths": tuple(s["paths"])}) for s in data["shards"]]
        return cls(inputs=list(data["inputs"]), shard_size=int(data["shard_size"]),
                   stages=list(data["stages"]), shards=shards,
                   files={k: list(v) for k, v in data["files"].items()})

    def save(self, out: Path) -> None:
        path = out / PLAN_FILE
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, out: Path) -> Plan:
        try:
            return cls.from_dict(json.loads((out / PLAN_FILE).read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CorpusInputError(f"{out / PLAN_FILE}: cannot read the run's plan ({exc})") from exc

    def changed_files(self) -> list[str]:
        """The files read by the plan that are gone or differ (size, modification time) from planning."""
        changed = []
        for path, (size, mtime) in self.files.items():
            try:
                st = os.stat(path)
            except OSError:
                changed.append(path)
                continue
            if st.st_size != size or st.st_mtime_ns != mtime:
                changed.append(path)
        return changed


def kind_of(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(JSONL_GZ_SUFFIXES):
        return JSONL_GZ
    if name.endswith(JSONL_SUFFIXES):
        return JSONL
    if is_warc(path):
        return WARC
    return FILES


def expand_inputs(inputs: list[str]) -> list[Path]:
    """The files named by `inputs` (files, directories walked recursively, globs), in order, each once.
    Raises CorpusInputError for an input that names nothing: a corpus run fails before it starts, not
    hours in."""
    found: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _corpus_file(p))
            if not files:
                raise CorpusInputError(f"{item}: directory holds no {', '.join(CORPUS_SUFFIXES)}, "
                                       f".warc(.gz) files")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        elif _GLOB_CHARS & set(item):
            matches = sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file())
            if not matches:
                raise CorpusInputError(f"{item}: no files match this pattern")
            found.extend(matches)
        elif path.exists():
            raise CorpusInputError(f"{item}: not a file or directory")
        else:
            raise CorpusInputError(f"{item}: no such file or directory")
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def _corpus_file(path: Path) -> bool:
    return path.name.lower().endswith(CORPUS_SUFFIXES) or is_warc(path)


def make_plan(inputs: list[str], *, stages: list[str], shard_size: int = DEFAULT_SHARD_SIZE) -> Plan:
    """Cut the inputs into shards. Uncompressed JSONL is read through once to find line boundaries (fast:
    no JSON parsing); everything else only stat'ed."""
    if shard_size < 1:
        raise CorpusInputError(f"shard size must be at least 1, not {shard_size}")
    if not inputs:
        raise CorpusInputError("nothing to analyse: give files, directories or globs")
    shards: list[Shard] = []
    files: dict[str, list[int]] = {}
    loose: list[tuple[str, int]] = []

    def add(kind: str, paths: tuple[str, ...], size: int, **kw: Any) -> None:
        shards.append(Shard(index=len(shards), kind=kind, paths=paths, size=size, **kw))

    def flush_loose() -> None:
        if loose:
            add(FILES, tuple(p for p, _ in loose), sum(s for _, s in loose))
            loose.clear()

    for path in expand_inputs(inputs):
        try:
            st = path.stat()
        except OSError as exc:
            raise UnreadableInputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        files[str(path)] = [st.st_size, st.st_mtime_ns]
        kind = kind_of(path)
        if kind == FILES:
            loose.append((str(path), st.st_size))
            if len(loose) >= shard_size:
                flush_loose()
        elif kind == JSONL:
            for start, end, first_line in jsonl_ranges(path, shard_size):
                add(JSONL, (str(path),), end - start, start=start, end=end, first_line=first_line)
        else:
            add(kind, (str(path),), st.st_size)
    flush_loose()
    return Plan(inputs=list(inputs), shard_size=shard_size, stages=list(stages), shards=shards, files=files)


def jsonl_ranges(path: Path, lines_per_shard: int) -> list[tuple[int, int, int]]:
    """(start byte, end byte, first line number) of each run of `lines_per_shard` lines of a file; one
    empty range for an empty file (so an empty JSONL file still yields its error record)."""
    ranges: list[tuple[int, int, int]] = []
    start = offset = 0
    first_line = line = 1
    count = 0
    try:
        with path.open("rb") as handle:
            for raw in handle:
                if count == lines_per_shard:
                    ranges.append((start, offset, first_line))
                    start, first_line, count = offset, line, 0
                offset += len(raw)
                line += 1
                count += 1
    except OSError as exc:
        raise UnreadableInputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    ranges.append((start, offset, first_line))
    return ranges
