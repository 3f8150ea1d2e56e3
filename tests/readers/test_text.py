"""Plain-text extraction: the text is kept unchanged, blocks point into it, markers stay outside."""

from __future__ import annotations

from pathlib import Path

from unspun.readers import source_from_string
from unspun.readers.text import extract_text


def _doc(text: str):
    return extract_text(source_from_string(text))


def _texts(doc, kind: str) -> list[str]:
    return [doc.text[b.start : b.end] for b in doc.blocks if b.kind == kind]


def test_port_deal_text_blocks(examples: Path) -> None:
    raw = (examples / "port-deal.txt").read_text("utf-8")
    doc = _doc(raw)
    assert doc.text == raw  # offsets are the user's file offsets
    assert _texts(doc, "title") == ["SHOCKER: Port Authority Quietly Let Cargo Giant Walk Away With Millions"]
    assert len(_texts(doc, "paragraph")) == 8
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [doc.text[b.start : b.end] for b in comments] == [
        "The mayor's office said the same thing about the bridge contract in 2019. Nothing changed.",
        "Exactly. Follow the money.",
        "Those dock workers are all illegals anyway, they're vermin who should be thrown out with the trash.",
        "Does anyone have a link to the actual settlement document? I'd like to read it before I get angry.",
    ]
    assert [b.attrs["depth"] for b in comments] == [0, 1, 0, 0]
    assert [b.attrs["parent"] for b in comments] == [None, 0, None, None]
    assert [b.attrs["author"] for b in comments] == ["Fred M.", "Kay", None, None]
    gaps = [b.attrs["gap_before"] for b in doc.blocks if b.kind == "paragraph"]
    assert gaps == [1, 1, 3, 1, 1, 1, 3, 1]


def test_disqus_thread_markers_times_and_nesting(pages: Path) -> None:
    doc = _doc((pages / "disqus-thread.txt").read_text("utf-8"))
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [doc.text[b.start : b.end] for b in comments] == [
        "Seven to two. Nobody on the council even read the traffic study.",
        "The traffic study was posted in January. It's on the city website.",
        "Same thing happened with the arena in 2009. We're still paying for it.",
        "Good. The city needs the jobs.",
    ]
    assert [b.attrs["author"] for b in comments] == ["rivercity_mom", "Dev Patel", "OldTimer58", "guest"]
    assert [b.attrs["time"] for b in comments] == [
        "3 hours ago",
        "2 hours ago",
        "1 hour ago",
        "45 minutes ago",
    ]
    assert [b.attrs["depth"] for b in comments] == [0, 1, 0, 0]
    assert "Comments (4)" not in "".join(doc.text[b.start : b.end] for b in doc.blocks)


def test_comments_only_has_no_title_or_paragraphs(pages: Path) -> None:
    doc = _doc((pages / "comments-only.txt").read_text("utf-8"))
    assert {b.kind for b in doc.blocks} == {"comment"}
    assert [b.attrs["author"] for b in doc.blocks] == ["Priya", "Tom K.", "Marguerite"]
    assert [b.attrs["parent"] for b in doc.blocks] == [None, 0, None]


def test_reply_marker_nests_and_name_colon_author() -> None:
    text = (
        "Council approves budget\n\nWe will see what happens next, I suppose.\n\n"
        "Comments\n\n- Ana: First point here.\n- ↳ Bo: A reply to Ana.\n- Cy: Another top-level comment.\n"
    )
    doc = _doc(text)
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert [doc.text[b.start : b.end] for b in comments] == [
        "First point here.",
        "A reply to Ana.",
        "Another top-level comment.",
    ]
    assert [b.attrs["author"] for b in comments] == ["Ana", "Bo", "Cy"]
    assert [b.attrs["depth"] for b in comments] == [0, 1, 0]


def test_list_in_article_is_not_a_thread() -> None:
    text = (
        "Three things the council got wrong\n\nI have watched this budget for months.\n\n"
        "1. It cut the library.\n\n2. It raised the water rates.\n\n3. It kept the new signs.\n"
    )
    doc = _doc(text)
    assert not [b for b in doc.blocks if b.kind == "comment"]
    assert len(_texts(doc, "paragraph")) == 4


def test_multi_paragraph_comment_and_timestamp_line() -> None:
    text = (
        "A post\n\nSome words of mine.\n\n"
        "  • Lee says:\n    March 3, 2024 at 9:15 am\n    First paragraph.\n\n    Second paragraph.\n\n"
        "  • Max says:\n    Short.\n"
    )
    doc = _doc(text)
    comments = [b for b in doc.blocks if b.kind == "comment"]
    assert doc.text[comments[0].start : comments[0].end] == "First paragraph.\n\n    Second paragraph."
    assert comments[0].attrs["time"] == "March 3, 2024 at 9:15 am"
    assert comments[1].attrs == {"index": 1, "depth": 0, "parent": None, "author": "Max", "time": None}


def test_long_first_line_is_not_a_title(pages: Path) -> None:
    doc = _doc((pages / "quote-first.txt").read_text("utf-8"))
    assert doc.title is None and doc.blocks[0].kind == "paragraph"


def test_crlf_text_offsets_exact() -> None:
    text = "Title here\r\n\r\nA paragraph, I think.\r\n\r\n  • Jo says:\r\n    Hello there.\r\n"
    doc = _doc(text)
    assert [doc.text[b.start : b.end] for b in doc.blocks] == [
        "Title here",
        "A paragraph, I think.",
        "Hello there.",
    ]


def _comment_rows(text: str) -> list[tuple[str | None, str | None, str]]:
    doc = _doc(text)
    return [
        (b.attrs["author"], b.attrs["time"], doc.text[b.start : b.end])
        for b in doc.blocks
        if b.kind == "comment"
    ]


ARTICLE = (
    "Ferry cuts\n\nThe council voted on Tuesday to cut the winter ferry service.\n\n"
    "2 responses to ferry cuts\n\n"
)


def test_says_headers_with_a_date_line_and_comments_of_several_paragraphs() -> None:
    text = ARTICLE + (
        "thelastchargersfan says:\nNovember 19, 2019 at 6:34 am\n\nIt's a dumpster fire.\n\n"
        "And it will not get better.\n\n"
        "smarter than you says:\nNovember 19, 2019 at 12:07 pm\n\nWhat a worthless team.\n"
    )
    assert _comment_rows(text) == [
        (
            "thelastchargersfan",
            "November 19, 2019 at 6:34 am",
            "It's a dumpster fire.\n\nAnd it will not get better.",
        ),
        ("smarter than you", "November 19, 2019 at 12:07 pm", "What a worthless team."),
    ]


def test_name_on_date_said_headers_keep_colons_and_lists_inside_the_comment() -> None:
    text = ARTICLE + (
        "Milan Griffes on September 12, 2018 at 4:47 pm said:\n\nAny update on the paper?\n\n"
        "Paper here: https://example.org/paper\n\n"
        "Catherine (GiveWell) on September 13, 2018 at 5:23 pm said:\n\nIn favor of giving now:\n"
        "* It may become less cost-effective later.\n* Good done today may earn interest.\n"
    )
    rows = _comment_rows(text)
    assert [(a, t) for a, t, _ in rows] == [
        ("Milan Griffes", "September 12, 2018 at 4:47 pm"),
        ("Catherine (GiveWell)", "September 13, 2018 at 5:23 pm"),
    ]
    assert rows[0][2].endswith("Paper here: https://example.org/paper")
    assert rows[1][2].endswith("* Good done today may earn interest.")


def test_name_line_then_time_line_header() -> None:
    text = ARTICLE + (
        "5 comments\n\nSatanHimself\n12.29.14 at 9:14 pm\n\nNope, did not need to read it.\n\n"
        "stevehandjobs\n12.29.14 at 9:15 pm\n\nJesus.\nPeople are morons.\n"
    )
    assert _comment_rows(text) == [
        ("SatanHimself", "12.29.14 at 9:14 pm", "Nope, did not need to read it."),
        ("stevehandjobs", "12.29.14 at 9:15 pm", "Jesus.\nPeople are morons."),
    ]


def test_advertisement_and_read_more_lines_are_not_paragraphs() -> None:
    doc = _doc(
        "Ferry cuts\n\nThe council voted on Tuesday.\n\nAdvertisement - story continues below\n\n"
        "READ MORE: Bridge tolls rise again\n\nThe vote was close.\n"
    )
    assert _texts(doc, "paragraph") == ["The council voted on Tuesday.", "The vote was close."]
