"""Parquet files per shard and table, and the completion marker that makes a shard count as done.

A shard's rows are written to hidden temporary files, renamed into ``DIR/<table>/part-NNNNNN.parquet`` (an
atomic rename within a directory), and only then is ``DIR/_done/part-NNNNNN.json`` written, also by rename.
A shard without its marker is not done: a resumed run writes it again over whatever a killed run left, under
the same names, so no record is lost or counted twice. Readers of the tables (`query`, `report`) read only
the parts of shards that have their marker.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unspun.corpus.tables import TABLES, schema

DONE_DIR = "_done"


@dataclass
class ShardResult:
    """What one shard wrote: the marker's content."""

    index: int
    records: int = 0
    documents: int = 0
    spans: int = 0
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: when the shard's work began and when its tables were written (seconds since the epoch): from a run's
    #: first start to its last finish is its working time, the workers' spawning and model loading left out
    started_at: float = 0.0
    finished_at: float = 0.0
    size: int = 0
    #: the peak resident memory of the process that ran the shard, after it (MB)
    peak_rss_mb: float = 0.0

    @property
    def errors(self) -> int:
        return sum(self.errors_by_reason.values())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def table_path(out: Path, table: str, name: str) -> Path:
    return out / table / f"{name}.parquet"


def marker_path(out: Path, name: str) -> Path:
    return out / DONE_DIR / f"{name}.json"


def prepare(out: Path) -> None:
    for sub in (*TABLES, DONE_DIR):
        (out / sub).mkdir(parents=True, exist_ok=True)


def write_shard(out: Path, name: str, rows: dict[str, list[dict[str, Any]]], result: ShardResult) -> None:
    """Write a shard's tables, then its marker; each file appears whole or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for table in TABLES:
        final = table_path(out, table, name)
        tmp = final.with_name(f".{final.name}.tmp")
        pq.write_table(pa.Table.from_pylist(rows.get(table, []), schema=schema(table)), tmp,
                       compression="zstd")
        os.replace(tmp, final)
    result.finished_at = time.time()
    _write_atomic(marker_path(out, name), json.dumps(result.to_dict()))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def done_results(out: Path) -> dict[str, ShardResult]:
    """The markers of the shards that are done, by shard name."""
    results = {}
    for path in sorted((out / DONE_DIR).glob("part-*.json")):
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            continue  # an unreadable marker: the shard runs again
        results[path.stem] = ShardResult(**data)
    return results


def done_files(out: Path, table: str) -> list[Path]:
    """The Parquet files of `table` that belong to finished shards."""
    return [p for name in sorted(done_results(out)) if (p := table_path(out, table, name)).is_file()]
