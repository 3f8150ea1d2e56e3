"""Progress bars for long commands (rate and ETA), shown only on a terminal, and the summary line at the end.

A bar measures work in whatever unit the command knows ahead (input bytes for a corpus run, records for a
multi-file analysis) and shows the records done and their rate beside it; off a terminal it shows nothing,
so logs and pipes stay clean.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class RecordProgress:
    """A bar over `total` units of work with a records counter and docs/s; a no-op off a terminal."""

    def __init__(self, description: str, total: float | None, *, console: Console | None = None,
                 enabled: bool | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.enabled = self.console.is_terminal if enabled is None else enabled
        self.records = 0
        self.documents = 0
        self.started = time.perf_counter()
        self._progress: Progress | None = None
        self._task: Any = None
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[records]} records, {task.fields[rate]} docs/s"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=self.console, transient=False,
            )
            self._task = self._progress.add_task(description, total=total, records=0, rate="-")

    def start(self) -> RecordProgress:
        if self._progress is not None:
            self._progress.start()
        return self

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __enter__(self) -> RecordProgress:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def advance(self, work: float, records: int, *, documents: int | None = None) -> None:
        """`work` units done, holding `records` records (`documents` of them analysed, for the rate)."""
        self.records += records
        self.documents += records if documents is None else documents
        if self._progress is not None:
            elapsed = time.perf_counter() - self.started
            rate = f"{self.documents / elapsed:.1f}" if elapsed > 0 else "-"
            self._progress.update(self._task, advance=work, records=self.records, rate=rate)

    def start_at(self, work: float, records: int) -> None:
        """Work already done before this session (a resumed run): counted, but not in the rate."""
        self.records += records
        if self._progress is not None:
            self._progress.update(self._task, completed=work, records=self.records)


def collection_progress(inputs: list[str], *, several: bool, to_terminal: bool) -> RecordProgress:
    """The bar of a multi-record `analyze`: records counted ahead where that is cheap (files, JSONL lines;
    no ETA when a compressed file or a WARC is among them). Off when the analyses themselves go to the
    terminal, where a bar would break into the reports."""
    console = Console(stderr=True)
    enabled = several and console.is_terminal and not to_terminal
    return RecordProgress("analyze", count_records(inputs) if enabled else None, console=console,
                          enabled=enabled)


def count_records(inputs: list[str]) -> int | None:
    """How many records `inputs` hold, or None where that would take reading them through."""
    from unspun.corpus.plan import FILES, JSONL, expand_inputs, kind_of
    from unspun.errors import UnspunError

    try:
        paths = expand_inputs(inputs)
        total = 0
        for path in paths:
            kind = kind_of(path)
            if kind == FILES:
                total += 1
            elif kind == JSONL:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            else:
                return None
        return total
    except (UnspunError, OSError):  # an input that names nothing: analyze reports it as it reads
        return None
