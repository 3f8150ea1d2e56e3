"""The aggregate report over tables that hold every layer (the hand-built analysis of the example page, so
no model runs): each layer's section appears, with its figures, and the crawl's text is escaped."""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path

from unspun.corpus.plan import Plan, Shard
from unspun.corpus.report import build_report
from unspun.corpus.tables import DOCUMENTS, ERRORS, SPANS, document_row, span_rows
from unspun.corpus.writer import ShardResult, prepare, write_shard
from unspun.document import Document
from unspun.errors import ErrorRecord

HOSTILE = "<img src=x onerror=alert(1)>"


def write_run(out: Path, docs: list[Document], errors: list[ErrorRecord]) -> None:
    """A finished one-shard run holding `docs` and `errors`, written as the corpus step writes them."""
    prepare(out)
    shard = Shard(index=0, kind="files", paths=("<hand-built>",))
    Plan(inputs=["<hand-built>"], shard_size=10, stages=["structure", "summary"], shards=[shard]).save(out)
    rows = {DOCUMENTS: [document_row(d, f"loc-{k}") for k, d in enumerate(docs)],
            SPANS: [r for k, d in enumerate(docs) for r in span_rows(d, f"loc-{k}")],
            ERRORS: [{"id": e.id, "location": e.id, "reason": e.reason, "message": e.message}
                     for e in errors]}
    write_shard(out, shard.name, rows, ShardResult(index=0, records=len(docs) + len(errors),
                                                   documents=len(docs)))


def test_every_layer_gets_its_section_and_text_is_escaped(port_deal_analysis: Document,
                                                          tmp_path: Path) -> None:
    first = port_deal_analysis
    first.id, first.site = "a", "dockside.example"
    first.summary["outlets"] = [{"canonical": "Coastal Ledger", "domain": "coastal-ledger.example",
                                 "factual_reporting": "high", "mentions": 2, "carries_quoted": True}]
    second = copy.deepcopy(first)
    second.id, second.site = "b", HOSTILE
    write_run(tmp_path, [first, second], [ErrorRecord("c", "binary", f"c: {HOSTILE} is binary")])

    page = build_report(tmp_path)
    for heading in ("Sites", "Layers", "Hate and offensive language per site",
                    "Persuasion techniques per site", "Most-cited outlets", "Citation graph",
                    "Most-quoted speakers", "Page sizes", "Languages", "Errors by reason"):
        assert f"<h2>{heading}" in page, heading
    assert "Dana Whitfield" in page and "Loaded_Language" in page and "Coastal Ledger" in page
    assert HOSTILE not in page and html.escape(HOSTILE) in page
    # offline: nothing to fetch, no script
    assert not re.search(r"<(script|link)\b|https?://(?!www\.w3\.org/2000/svg)", page)
    # the citation graph links both sites to the outlet they cite
    assert page.count("→ Coastal Ledger: 1</title>") == 2


def test_sections_of_absent_layers_are_left_out(tmp_path: Path) -> None:
    doc = Document(text="A short post.", id="p", site="s.example", language="en")
    write_run(tmp_path, [doc], [])
    page = build_report(tmp_path)
    for heading in ("Hate and offensive", "Persuasion techniques", "Most-cited outlets",
                    "Most-quoted speakers"):
        assert heading not in page
    assert "None: every input record was analysed" in page
