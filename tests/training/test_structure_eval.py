"""The structure scorer (`unspun evaluate structure`) on a hand-built page and gold entry."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from unspun.document import Document, Span
from unspun.training.structure_eval import normalise, outlet_matches, score_page, totals


def test_normalise_folds_quotes_dashes_case_and_space() -> None:
    assert normalise("“Don’t”\u00a0 — STOP\u00ad") == normalise('"don\'t" - stop')


def test_outlets_match_without_the_and_by_containment() -> None:
    assert outlet_matches("The Independent", "Independent")
    assert outlet_matches("KGUN", "KGUN 9") and outlet_matches("PC World", "X", ["PC World"])
    assert not outlet_matches("CNN", "Fox News") and not outlet_matches(None, "CNN")
    assert outlet_matches(None, None) and not outlet_matches("CNN", None)


def _page() -> Document:
    parts = [
        ("title", "Ferry cuts | The Island Voice"),
        ("editorial", "I cannot believe this. As the Valley Herald reported:"),
        ("quoted", "The council voted on Tuesday to cut the ferry."),
        ("quoted", "Pull quote: the council voted."),
        ("comment", "Shameful decision."),
        ("editorial", "Subscribe now"),
    ]
    text, spans = "", []
    for label, t in parts:
        if text:
            text += "\n\n"
        attrs = {"author": "kay", "depth": 0} if label == "comment" else {}
        if label == "quoted":
            attrs = {"outlet": "Valley Herald", "passage": len(spans)}
        spans.append(Span(len(text), len(text) + len(t), label, attrs=attrs))
        text += t
    doc = Document(text=text)
    for s in spans:
        doc.add("structure", s)
    return doc


GOLD = {
    "file": "ferry.html",
    "kind": "comments+quoted",
    "title": "Ferry cuts",
    "comments": {"count": 1, "authors_first": ["Kay"], "depths_first": [0], "snippets": ["Shameful"]},
    "article_snippets": ["I cannot believe this."],
    "quoted": [{"snippet": "The council voted on Tuesday", "outlet": "The Valley Herald"}],
    "quoted_optional": [],
    "not_quoted_snippets": ["Pull quote: the council"],
    "boilerplate_snippets": ["Subscribe now"],
}


def test_score_page_counts_what_is_right_and_what_is_not() -> None:
    page = score_page(GOLD, _page())
    assert page.title_ok and page.count_ok and page.authors_right == 1 and page.depths_right == 1
    assert (page.article_found, page.quoted_found, page.outlet_right) == (1, 1, 1)
    assert page.spurious_quoted == 1 and page.not_quoted_labelled == 1 and page.boilerplate_kept == 1
    failed = score_page(GOLD, None, "no article")
    assert failed.error == "no article" and failed.quoted_found == 0 and failed.misses
    t = totals([page, failed])["all"]
    assert t["analysed"] == 1 and t["quoted_found"] == {"right": 1, "n": 2, "rate": 0.5}


def test_command_scores_a_folder_without_torch(tmp_path: Path) -> None:
    (tmp_path / "ferry.txt").write_text(
        "Ferry cuts\n\nI cannot believe this.\n\n1 response\n\n"
        "Kay says:\nMay 2, 2024 at 8:15 am\n\nShameful.\n",
        "utf-8",
    )
    gold = dict(GOLD, file="ferry.txt", quoted=[], not_quoted_snippets=[], boilerplate_snippets=[])
    (tmp_path / "gold.json").write_text(json.dumps([gold]), "utf-8")
    code = (
        "import sys; sys.modules['torch'] = None; from unspun.cli import main; "
        f"sys.exit(main(['evaluate', 'structure', '--data', {str(tmp_path)!r}, '--json']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    assert result["totals"]["all"]["comment_authors"]["right"] == 1
    assert result["pages"][0]["title_ok"] and result["pages"][0]["article_found"] == 1
