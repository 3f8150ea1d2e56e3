"""Cutting inputs into shards, and reading a shard's records back with stable locations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from unspun.corpus.plan import FILES, JSONL, JSONL_GZ, WARC, CorpusInputError, Plan, expand_inputs, make_plan
from unspun.corpus.records import gzip_damage, shard_records
from unspun.errors import ErrorRecord
from unspun.options import Options
from unspun.readers import Source
from unspun.readers.jsonl import iter_jsonl

STAGES = ["structure", "summary"]


def write_jsonl(path: Path, n: int) -> None:
    lines = [json.dumps({"text": f"Record number {k} is about the port."}) for k in range(n)]
    lines[3] = ""  # a blank line: no record, but it keeps its line number
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_jsonl_file_is_cut_into_line_ranges_that_read_as_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    write_jsonl(path, 23)
    plan = make_plan([str(path)], stages=STAGES, shard_size=5)
    assert [s.kind for s in plan.shards] == [JSONL] * 5
    assert [s.first_line for s in plan.shards] == [1, 6, 11, 16, 21]
    assert sum(s.size for s in plan.shards) == path.stat().st_size
    split = [(r.location, r.item.content) for s in plan.shards for r in shard_records(s, Options())]
    whole = [(s.id, s.content) for s in iter_jsonl(path) if isinstance(s, Source)]
    assert split == whole and len(split) == 22


def test_kinds_of_input_and_loose_files_grouped(tmp_path: Path) -> None:
    for k in range(5):
        (tmp_path / f"page{k}.txt").write_text(f"Page {k} says the port reopened.", encoding="utf-8")
    (tmp_path / "a.warc.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(b'{"text": "x"}\n'))
    (tmp_path / "ignored.csv").write_text("a,b\n", encoding="utf-8")
    plan = make_plan([str(tmp_path), str(tmp_path / "page0.txt")], stages=STAGES, shard_size=2)
    assert sorted(s.kind for s in plan.shards) == sorted([WARC, JSONL_GZ, FILES, FILES, FILES])
    loose = [p for s in plan.shards if s.kind == FILES for p in s.paths]
    assert loose == [str(tmp_path / f"page{k}.txt") for k in range(5)]  # each file once
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_inputs_that_name_nothing_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CorpusInputError, match="no files match"):
        expand_inputs([str(tmp_path / "*.jsonl")])
    with pytest.raises(CorpusInputError, match="holds no"):
        expand_inputs([str(tmp_path)])
    with pytest.raises(CorpusInputError, match="nothing to analyse"):
        make_plan([], stages=STAGES)


def test_an_empty_jsonl_file_is_an_error_record_not_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    (shard,) = make_plan([str(path)], stages=STAGES).shards
    (record,) = list(shard_records(shard, Options()))
    assert isinstance(record.item, ErrorRecord) and record.item.reason == "empty"


def test_a_cut_jsonl_gz_keeps_its_whole_lines_and_says_it_is_damaged(tmp_path: Path) -> None:
    data = gzip.compress(b"".join(json.dumps({"text": f"Line {k} of the feed."}).encode() + b"\n"
                                  for k in range(200)))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    (shard,) = make_plan([str(path)], stages=STAGES).shards
    records = list(shard_records(shard, Options()))
    *good, damaged = records
    assert all(isinstance(r.item, Source) for r in good) and good
    assert isinstance(damaged.item, ErrorRecord) and damaged.item.reason == "malformed"
    assert "damaged gzip" in damaged.item.message


def test_gzip_damage(tmp_path: Path) -> None:
    whole = gzip.compress(b"a" * 1000) + gzip.compress(b"b" * 1000)
    path = tmp_path / "x.gz"
    path.write_bytes(whole)
    assert gzip_damage(path) is None
    path.write_bytes(whole[:-5])
    assert gzip_damage(path) == "the file is cut short"
    path.write_bytes(whole + b"trailing junk")
    assert "not gzip" in (gzip_damage(path) or "")
