"""Progress bars: rate, ETA and records on a terminal; nothing off one; records counted ahead."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from unspun.progress import RecordProgress, collection_progress, count_records


def test_the_bar_shows_records_rate_and_eta_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=150)
    with RecordProgress("corpus", 100, console=console) as bar:
        bar.start_at(20, 5)
        bar.advance(40, 10, documents=8)
    text = out.getvalue()
    assert "15 records" in text and "docs/s" in text and "ETA" in text and "60%" in text
    assert bar.records == 15 and bar.documents == 8


def test_nothing_is_drawn_off_a_terminal() -> None:
    out = io.StringIO()
    with RecordProgress("corpus", 10, console=Console(file=out, force_terminal=False)) as bar:
        bar.advance(10, 3)
    assert out.getvalue() == "" and bar.records == 3


def test_records_are_counted_ahead_where_cheap(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One page.", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps({"text": f"r{k}"}) for k in range(4)) + "\n\n",
                                      encoding="utf-8")
    assert count_records([str(tmp_path)]) == 5
    (tmp_path / "c.warc.gz").write_bytes(b"")
    assert count_records([str(tmp_path)]) is None  # a WARC's pages are known only by reading it
    assert count_records([str(tmp_path / "missing")]) is None


def test_analyze_shows_no_bar_for_one_document_or_reports_on_the_terminal() -> None:
    assert not collection_progress(["a.txt"], several=False, to_terminal=False).enabled
    assert not collection_progress(["d/"], several=True, to_terminal=True).enabled
