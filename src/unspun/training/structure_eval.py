"""`unspun evaluate structure`: the structure layer on real pages, against gold written by reading them.

The data is a folder of pages (HTML and plain-text copies) with a `gold.json` (the layout of
`../shared/data/realpages-dev`, described in its README): per page the title, the comment thread (count, first
authors and depths, snippets), article snippets, republished passages with the outlet that carried them, and
text that must not be labelled quoted or kept at all. Only the read → extract → structure path runs (no
spaCy, no model): the figures are those of the readers and the structure stage, and the run takes seconds.

Text is compared after the gold's normalisation (NFKC, curly quotes and dashes folded, soft hyphens dropped,
whitespace collapsed, case-folded). A snippet counts when it lies inside one span of the expected label; a
title when it equals or starts with the gold title (or its alternative); an outlet when, without a leading
"the", one name contains the other. A quoted passage found in the output is spurious when it holds no gold
passage and no optional one (an embedded post).

This module imports neither torch nor the encoder: it runs with the runtime install.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from unspun.document import COMMENT, EDITORIAL, QUOTED, STRUCTURE, TITLE, Document, Span
from unspun.errors import UnspunError

DEFAULT_DATA = Path("../shared/data/realpages-dev")
GOLD_FILE = "gold.json"
#: the stages the scorer runs: the structure layer alone (the readers run before it)
STAGES = ("structure",)
#: labels a boilerplate snippet must not be inside
CONTENT_LABELS = (TITLE, EDITORIAL, QUOTED, COMMENT)
_FOLD = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-",
                       "‐": "-", "‑": "-", "−": "-", "«": '"', "»": '"', "\u00ad": None})


def normalise(text: str) -> str:
    """The gold's comparison form: NFKC, quotes and dashes folded, whitespace collapsed, case-folded."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_FOLD).split()).casefold()


def outlet_matches(found: str | None, gold: str | None, alternatives: Iterable[str] = ()) -> bool:
    """Whether a found outlet names the gold one (None matches None: a source that is no outlet)."""
    if gold is None:
        return found is None
    if not found:
        return False

    def key(name: str) -> str:
        return re.sub(r"^the\s+", "", normalise(name)).strip()

    f = key(found)
    return any(g and (g in f or f in g) for g in (key(n) for n in [gold, *alternatives]))


@dataclass
class PageScore:
    """What one page's output got right, against its gold entry."""

    file: str
    kind: str
    format: str
    error: str | None = None
    title: str | None = None
    title_ok: bool = False
    comments_gold: int = 0
    comments_found: int = 0
    count_ok: bool = False
    authors_right: int = 0
    authors_n: int = 0
    depths_right: int = 0
    depths_n: int = 0
    comment_snippets_found: int = 0
    comment_snippets_n: int = 0
    article_found: int = 0
    article_n: int = 0
    quoted_found: int = 0
    quoted_soft_found: int = 0
    quoted_soft_n: int = 0
    outlet_right: int = 0
    quoted_n: int = 0
    spurious_quoted: int = 0
    not_quoted_labelled: int = 0
    not_quoted_n: int = 0
    boilerplate_kept: int = 0
    boilerplate_n: int = 0
    #: what went wrong, for the person improving the rules (gold text and what was found instead)
    misses: list[str] = field(default_factory=list)


@dataclass
class _Output:
    """One page's structure spans in comparison form."""

    doc: Document
    spans: list[tuple[Span, str]]

    def having(self, snippet: str, labels: Iterable[str]) -> Span | None:
        """The first span of one of `labels` whose text holds `snippet`."""
        want = normalise(snippet)
        wanted = set(labels)
        return next((s for s, t in self.spans if s.label in wanted and want in t), None)

    def label_of(self, snippet: str) -> str | None:
        want = normalise(snippet)
        return next((s.label for s, t in self.spans if want in t), None)


def _output(doc: Document) -> _Output:
    spans = sorted(doc.layers.get(STRUCTURE) or [], key=lambda s: s.start)
    return _Output(doc, [(s, normalise(doc.text[s.start : s.end])) for s in spans])


def _short(text: str, n: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def score_page(gold: dict[str, Any], doc: Document | None, error: str | None = None) -> PageScore:
    """The scores of one page's output (`doc`, or the `error` that stopped it) against its gold entry."""
    fmt = "txt" if gold["file"].endswith(".txt") else "html"
    page = PageScore(gold["file"], gold["kind"], fmt, error=error)
    g_comments = gold.get("comments") or {}
    page.comments_gold = int(g_comments.get("count", 0))
    page.authors_n = len(g_comments.get("authors_first", []))
    page.depths_n = len(g_comments.get("depths_first", []) or [])
    page.comment_snippets_n = len(g_comments.get("snippets", []))
    page.article_n = len(gold.get("article_snippets", []))
    page.quoted_n = len(gold.get("quoted", []))
    page.quoted_soft_n = sum(bool(q.get("soft")) for q in gold.get("quoted", []))
    page.not_quoted_n = len(gold.get("not_quoted_snippets", []))
    page.boilerplate_n = len(gold.get("boilerplate_snippets", []))
    if doc is None:
        page.misses.append(f"not analysed: {error}")
        return page
    out = _output(doc)
    _score_title(page, gold, out)
    _score_comments(page, g_comments, out)
    for snippet in gold.get("article_snippets", []):
        if out.having(snippet, [EDITORIAL]):
            page.article_found += 1
        else:
            page.misses.append(f"article not editorial ({out.label_of(snippet)}): {_short(snippet)}")
    _score_quoted(page, gold, out)
    for snippet in gold.get("boilerplate_snippets", []):
        if (label := out.label_of(snippet)) in CONTENT_LABELS:
            page.boilerplate_kept += 1
            page.misses.append(f"boilerplate kept as {label}: {_short(snippet)}")
    return page


def _score_title(page: PageScore, gold: dict[str, Any], out: _Output) -> None:
    titles = [t for s, t in out.spans if s.label == TITLE]
    first = next((s for s, _ in out.spans if s.label == TITLE), None)
    page.title = out.doc.text[first.start : first.end][:100] if first is not None else None
    wanted = [normalise(t) for t in [gold["title"], *([gold["title_alt"]] if gold.get("title_alt") else [])]]
    page.title_ok = bool(titles) and any(titles[0].startswith(w) for w in wanted)
    if not page.title_ok:
        page.misses.append(f"title {_short(page.title or '(none)')!r}, gold {_short(gold['title'])!r}")


def _score_comments(page: PageScore, g: dict[str, Any], out: _Output) -> None:
    comments = [s for s, _ in out.spans if s.label == COMMENT]
    page.comments_found = len(comments)
    counts = {page.comments_gold, *([int(g["count_alt"])] if g.get("count_alt") is not None else [])}
    page.count_ok = page.comments_found in counts
    if not page.count_ok:
        page.misses.append(f"comments: {page.comments_found} found, gold {sorted(counts)}")
    for i, author in enumerate(g.get("authors_first", [])):
        found = comments[i].attrs.get("author") if i < len(comments) else None
        if found is not None and normalise(str(found)) == normalise(author):
            page.authors_right += 1
        else:
            page.misses.append(f"comment {i} author {found!r}, gold {author!r}")
    for i, depth in enumerate(g.get("depths_first", []) or []):
        found = comments[i].attrs.get("depth") if i < len(comments) else None
        if found == depth:
            page.depths_right += 1
        else:
            page.misses.append(f"comment {i} depth {found!r}, gold {depth}")
    for snippet in g.get("snippets", []):
        if out.having(snippet, [COMMENT]):
            page.comment_snippets_found += 1
        else:
            page.misses.append(f"comment text not a comment ({out.label_of(snippet)}): {_short(snippet)}")


def _score_quoted(page: PageScore, gold: dict[str, Any], out: _Output) -> None:
    for q in gold.get("quoted", []):
        span = out.having(q["snippet"], [QUOTED])
        if span is None:
            page.misses.append(f"quoted not found ({out.label_of(q['snippet'])}): {_short(q['snippet'])}")
            continue
        page.quoted_found += 1
        page.quoted_soft_found += bool(q.get("soft"))
        outlet = span.attrs.get("outlet")
        if outlet_matches(outlet, q.get("outlet"), q.get("outlet_alt") or ()):
            page.outlet_right += 1
        else:
            gold_outlet = q.get("outlet")
            page.misses.append(f"quoted outlet {outlet!r}, gold {gold_outlet!r}: {_short(q['snippet'], 40)}")
    expected = [normalise(q["snippet"]) for q in gold.get("quoted", [])]
    expected += [normalise(t) for t in gold.get("quoted_optional", [])]
    passages: dict[Any, list[str]] = {}
    for s, text in out.spans:
        if s.label == QUOTED:
            passages.setdefault(s.attrs.get("passage", s.start), []).append(text)
    for texts in passages.values():
        if not any(e in t or t in e for e in expected for t in texts):
            page.spurious_quoted += 1
            page.misses.append(f"spurious quoted passage: {_short(texts[0])}")
    for snippet in gold.get("not_quoted_snippets", []):
        if out.having(snippet, [QUOTED]):
            page.not_quoted_labelled += 1
            page.misses.append(f"labelled quoted, must not be: {_short(snippet)}")


def _rate(right: int, n: int) -> float | None:
    return round(right / n, 4) if n else None


def totals(pages: list[PageScore]) -> dict[str, Any]:
    """The totals of the issue's targets over `pages`, overall and per format (html / txt)."""

    def s(attr: str, subset: list[PageScore]) -> int:
        return sum(int(getattr(p, attr)) for p in subset)

    def right(attr: str, n_attr: str, subset: list[PageScore]) -> dict[str, int]:
        return {"right": s(attr, subset), "n": s(n_attr, subset)}

    def block(subset: list[PageScore]) -> dict[str, Any]:
        with_comments = [p for p in subset if p.comments_gold > 0]
        without = [p for p in subset if p.comments_gold == 0]
        return {
            "pages": len(subset),
            "analysed": sum(p.error is None for p in subset),
            "title": {"right": s("title_ok", subset), "n": len(subset)},
            "comment_counts_exact": {"right": s("count_ok", with_comments), "n": len(with_comments)},
            "comments": {
                "found": s("comments_found", with_comments),
                "gold": s("comments_gold", with_comments),
            },
            "pages_without_comments_given_comments": sum(p.comments_found > 0 for p in without),
            "comment_authors": right("authors_right", "authors_n", subset),
            "comment_depths": right("depths_right", "depths_n", subset),
            "comment_snippets": right("comment_snippets_found", "comment_snippets_n", subset),
            "article_snippets_editorial": right("article_found", "article_n", subset),
            "quoted_found": right("quoted_found", "quoted_n", subset),
            "quoted_soft_found": right("quoted_soft_found", "quoted_soft_n", subset),
            "quoted_outlet_right": right("outlet_right", "quoted_n", subset),
            "spurious_quoted": s("spurious_quoted", subset),
            "spurious_quoted_per_10_pages": round(10 * s("spurious_quoted", subset) / max(1, len(subset)), 2),
            "not_quoted_labelled_quoted": {
                "wrong": s("not_quoted_labelled", subset),
                "n": s("not_quoted_n", subset),
            },
            "boilerplate_kept": {"wrong": s("boilerplate_kept", subset), "n": s("boilerplate_n", subset)},
        }

    out = {"all": block(pages)}
    for fmt in ("html", "txt"):
        out[fmt] = block([p for p in pages if p.format == fmt])
    for group in out.values():
        for value in group.values():
            if isinstance(value, dict) and "n" in value:
                key = "right" if "right" in value else "wrong"
                value["rate"] = _rate(value[key], value["n"])
    return out


def load_gold(data: Path) -> list[dict[str, Any]]:
    path = data / GOLD_FILE
    if not path.is_file():
        raise UnspunError(f"{data}: no {GOLD_FILE} here (a real-pages set: pages and their gold)")
    try:
        gold = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise UnspunError(f"{path}: cannot be read as JSON ({exc})") from exc
    if not isinstance(gold, list) or not all(isinstance(g, dict) and "file" in g for g in gold):
        raise UnspunError(f"{path}: expected a list of objects with a 'file' key")
    return gold


def run(data: Path, files: list[str] | None = None) -> dict[str, Any]:
    """Analyse every page of the set (or only `files`) and score it against the gold."""
    from unspun.options import Options
    from unspun.pipeline import Pipeline
    from unspun.readers import extract
    from unspun.readers.files import read_path

    gold = load_gold(data)
    if files:
        unknown = set(files) - {g["file"] for g in gold}
        if unknown:
            raise UnspunError(f"not in {data / GOLD_FILE}: {', '.join(sorted(unknown))}")
        gold = [g for g in gold if g["file"] in files]
    options = Options()
    pipeline = Pipeline(STAGES, options=options)
    pages = []
    started = time.perf_counter()
    for entry in gold:
        try:
            doc = pipeline(extract(read_path(data / entry["file"], options=options), options=options))
            pages.append(score_page(entry, doc))
        except UnspunError as exc:
            pages.append(score_page(entry, None, str(exc)))
    return {
        "data": str(data),
        "seconds": round(time.perf_counter() - started, 2),
        "totals": totals(pages),
        "pages": [asdict(p) for p in pages],
    }


def _fraction(value: dict[str, Any]) -> str:
    key = "right" if "right" in value else "wrong"
    rate = f" ({100 * value['rate']:.0f} %)" if value.get("rate") is not None else ""
    return f"{value[key]}/{value['n']}{rate}"


def format_text(result: dict[str, Any], misses: bool = False) -> str:
    lines = [f"structure on {result['data']} ({len(result['pages'])} pages, {result['seconds']} s)", ""]
    lines.append(
        f"{'page':34} {'title':5} {'comments':>9} {'authors':>7} {'depths':>6} {'quoted':>6} "
        f"{'outlet':>6} {'spur':>4} {'boiler':>6} {'article':>7}"
    )
    for p in result["pages"]:
        if p["error"]:
            lines.append(f"{p['file']:34} ERROR {p['error'][:80]}")
        else:
            lines.append(
                f"{p['file']:34} {'ok' if p['title_ok'] else '-':5} "
                f"{p['comments_found']:>4}/{p['comments_gold']:<4} "
                f"{p['authors_right']:>3}/{p['authors_n']:<3} "
                f"{p['depths_right']:>2}/{p['depths_n']:<3} {p['quoted_found']:>2}/{p['quoted_n']:<3} "
                f"{p['outlet_right']:>2}/{p['quoted_n']:<3} {p['spurious_quoted']:>4} "
                f"{p['boilerplate_kept']:>2}/{p['boilerplate_n']:<3} "
                f"{p['article_found']:>3}/{p['article_n']:<3}"
            )
        if misses:
            lines.extend(f"    {m}" for m in p["misses"])
    for name, group in result["totals"].items():
        lines += ["", f"totals ({name}, {group['pages']} pages)"]
        for key, value in group.items():
            if key == "pages":
                continue
            shown = _fraction(value) if isinstance(value, dict) and "n" in value else (
                f"{value['found']} found, gold {value['gold']}" if isinstance(value, dict) else str(value)
            )
            lines.append(f"  {key.replace('_', ' ')}: {shown}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`unspun evaluate structure …`"""
    p = argparse.ArgumentParser(
        prog="unspun evaluate structure",
        description="The structure layer (title, comments, quoted passages and outlets) on real pages.",
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA,
                   help=f"a folder of pages with its {GOLD_FILE} (default {DEFAULT_DATA})")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--misses", action="store_true", help="list each page's misses under it")
    p.add_argument("files", nargs="*", help="score only these files of the set")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    result = run(args.data, args.files or None)
    print(json.dumps(result, ensure_ascii=False) if args.json else format_text(result, args.misses))
    return 0
