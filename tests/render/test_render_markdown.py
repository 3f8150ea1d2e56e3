"""The Markdown report: a section per layer present, page text escaped."""

from __future__ import annotations

import re

from test_render_html import HOSTILE, hostile_document

from unspun.document import Document
from unspun.render import render
from unspun.render.markdown import md, render_markdown


def test_sections_follow_the_layers_present(port_deal_analysis: Document) -> None:
    data = port_deal_analysis.to_dict()
    out = render_markdown(data)
    for heading in ("## Structure and voices", "## Quotes (4)", "## Persuasion techniques (8)",
                    "## Hate and offence (1)", "## Check-worthy claims (2)", "## Entities (6)", "## Outlets",
                    "## Per voice", "## Warnings"):
        assert heading in out
    del data["layers"]["quotes"], data["layers"]["claims"]
    out = render_markdown(data)
    assert "## Quotes" not in out and "## Check-worthy claims" not in out


def test_per_voice_table_separates_the_article_from_its_comments(port_deal_analysis: Document) -> None:
    out = render_markdown(port_deal_analysis.to_dict())
    row = next(line for line in out.splitlines() if line.startswith("| commenter #2 |"))
    assert "hate 1" in row and row.endswith("| 100% | 0% |")
    row = next(line for line in out.splitlines() if line.startswith("| all of the comments |"))
    assert "| 25% |" in row
    row = next(line for line in out.splitlines() if line.startswith("| quoted: Rita Alvarez |"))
    assert "Loaded\\_Language 1" in row


def test_markdown_escapes_page_text() -> None:
    assert md("[x](javascript:alert(1)) *a* <b>") == "\\[x\\](javascript:alert(1)) \\*a\\* &lt;b&gt;"
    expected = "\\# not a heading\n1\\. not a list\n\\- nor this"
    assert md("# not a heading\n1. not a list\n- nor this") == expected
    assert md("a | b") == "a \\| b"


def test_hostile_page_cannot_inject_markup() -> None:
    out = render(hostile_document().to_dict(), "md")
    assert "<" not in out.replace("&lt;", "")
    assert not re.search(r"(?<!\\)\[", out)  # every bracket escaped: no link or image can open
    assert HOSTILE not in out
    # tables keep their shape: every row of a table has as many cells as its header
    for block in out.split("\n\n"):
        lines = [ln for ln in block.splitlines() if ln.startswith("|")]
        if lines:
            widths = {len(re.split(r"(?<!\\)\|", ln)) for ln in lines}
            assert len(widths) == 1, block
