"""WARC input: one Source per page-holding response record, an ErrorRecord for everything else that is
a record, and one ErrorRecord for a damaged archive; never a silent drop."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from warcs import ARTICLE, crawl, response

from unspun.errors import ErrorRecord
from unspun.readers import HTML, Source
from unspun.readers.files import iter_sources
from unspun.readers.warc import iter_warc


@pytest.mark.parametrize("compress", [False, True], ids=["warc", "warc.gz"])
def test_every_response_record_becomes_a_source_or_an_error(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / ("crawl.warc.gz" if compress else "crawl.warc")
    path.write_bytes(gzip.compress(crawl()) if compress else crawl())
    records = list(iter_warc(path))
    assert len(records) == 4  # the four responses; warcinfo and request are not pages
    page, image, empty, latin = records
    assert isinstance(page, Source) and page.format == HTML and page.url == "https://news.example/a"
    assert page.metadata["crawled"] == "2024-03-21T09:14:00Z"
    assert "inspection found no problems" in page.content
    assert isinstance(image, ErrorRecord) and "image/png" in image.message and image.reason == "malformed"
    assert isinstance(empty, ErrorRecord) and empty.reason == "empty"
    assert isinstance(latin, Source) and latin.content.startswith("Caf\u00e9 owners")


def test_a_damaged_or_foreign_file_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.warc"
    junk.write_bytes(b"this is not a web archive\n" * 10)
    (error,) = list(iter_warc(junk))
    assert isinstance(error, ErrorRecord) and error.reason == "malformed" and "junk.warc" in error.message


def test_records_before_the_damage_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "cut.warc"
    good = response("https://news.example/a", ARTICLE, "text/html", 1)
    path.write_bytes(good + b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: nonsense\r\n\r\n")
    first, broken = list(iter_warc(path))
    assert isinstance(first, Source) and first.url == "https://news.example/a"
    assert isinstance(broken, ErrorRecord) and broken.id.endswith("#2")


def test_directories_pick_up_warc_files(tmp_path: Path) -> None:
    (tmp_path / "crawl.warc.gz").write_bytes(gzip.compress(crawl()))
    records = list(iter_sources([str(tmp_path)]))
    assert [type(r).__name__ for r in records] == ["Source", "ErrorRecord", "ErrorRecord", "Source"]
