"""A small mixed crawl for the corpus tests (a module of its own: the local and the Ray tests share it).

Good records and every kind of bad one side by side: JSONL with a malformed line, a line without text and a
line that names its site; compressed JSONL; a WARC.gz with pages and an image; a WARC.gz cut short; loose
text and HTML files; a binary file and an empty one. `EXPECTED` says where each record must land.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from testpaths import EXAMPLES
from warcs import ARTICLE, response

#: the text of a short news item: enough words for the structure layer, distinct per record
ITEM = "Officials in harbour town {n} said on Tuesday that the port will reopen after the inspection."
HOSTILE_SITE = "<script>alert('site')</script>"


def _warc_gz(pages: list[bytes]) -> bytes:
    """A WARC.gz as crawlers write it: one gzip member per record."""
    return b"".join(gzip.compress(page) for page in pages)


def build_crawl(root: Path, *, feed_lines: int = 6) -> tuple[Path, dict[str, str]]:
    """Write the crawl under `root/crawl`; returns its directory and, per record location, ``document`` or
    the reason of its error record."""
    crawl = root / "crawl"
    (crawl / "pages").mkdir(parents=True)
    expected: dict[str, str] = {}

    for name in ("port-deal.html", "port-deal.txt"):
        (crawl / "pages" / name).write_bytes((EXAMPLES / name).read_bytes())
        expected[str(crawl / "pages" / name)] = "document"
    (crawl / "pages" / "empty.txt").write_bytes(b"")
    expected[str(crawl / "pages" / "empty.txt")] = "empty"
    (crawl / "pages" / "binary.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    expected[str(crawl / "pages" / "binary.html")] = "binary"

    feed = crawl / "feed.jsonl"
    lines = [json.dumps({"id": f"item-{n}", "text": ITEM.format(n=n), "site": f"site{n % 3}.example"})
             for n in range(feed_lines)]
    lines[1:1] = ["{not json", json.dumps({"title": "no text field"}), "",
                  json.dumps({"html": f"<p>{ITEM.format(n='x')}</p>", "site": HOSTILE_SITE})]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for number, line in enumerate(lines, start=1):
        if line:
            kind = "malformed" if number in (2, 3) else "document"
            expected[f"{feed}:{number}"] = kind

    packed = crawl / "more.jsonl.gz"
    packed.write_bytes(gzip.compress(b"".join(
        json.dumps({"text": ITEM.format(n=f"gz{n}"), "url": f"https://gz.example/{n}"}).encode() + b"\n"
        for n in range(3))))
    for number in range(1, 4):
        expected[f"{packed}:{number}"] = "document"

    pages = [response(f"https://warc.example/{n}", ARTICLE, "text/html; charset=utf-8", n) for n in (1, 2)]
    pages.append(response("https://warc.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, "image/png", 3))
    (crawl / "site.warc.gz").write_bytes(_warc_gz(pages))
    for n, kind in ((1, "document"), (2, "document"), (3, "malformed")):
        expected[f"{crawl / 'site.warc.gz'}#<urn:uuid:00000000-0000-0000-0000-{n:012d}>"] = kind

    whole = _warc_gz([response(f"https://cut.example/{n}", ARTICLE, "text/html", n) for n in (1, 2, 3)])
    cut = crawl / "cut.warc.gz"
    cut.write_bytes(whole[: len(whole) - 40])  # the last record loses its end
    for n, kind in ((1, "document"), (2, "document"), (3, "malformed")):
        expected[f"{cut}#<urn:uuid:00000000-0000-0000-0000-{n:012d}>"] = kind
    expected[f"{cut}#damaged"] = "malformed"
    return crawl, expected


def landed(out: Path) -> dict[str, str]:
    """Per record location in a run's tables: ``document`` or its error reason. Fails on a location that
    appears twice (a record written twice)."""
    from unspun.corpus.query import connect

    con = connect(out)
    rows = con.execute("SELECT location, 'document' FROM documents UNION ALL "
                       "SELECT location, reason FROM errors").fetchall()
    result = dict(rows)
    assert len(result) == len(rows), "a record landed twice"
    return result


def record_ids(out: Path) -> list[tuple[str, str]]:
    """(table, id) of every row of documents and errors, sorted: what a resumed run must reproduce."""
    from unspun.corpus.query import connect

    con = connect(out)
    return sorted(con.execute("SELECT 'documents', id FROM documents UNION ALL "
                              "SELECT 'errors', id FROM errors").fetchall())
