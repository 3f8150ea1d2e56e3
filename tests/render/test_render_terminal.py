"""The terminal report: voices, layers, escaping of rich markup."""

from __future__ import annotations

from unspun.document import Document, Span
from unspun.render.terminal import render_text


def test_report_shows_structure_voices_and_layers(port_deal_analysis: Document) -> None:
    out = render_text(port_deal_analysis.to_dict(), width=160)
    assert "quoted — Coastal Ledger" in out
    assert "↳ #1 Kay" in out  # a reply, indented
    for title in ("Quotes (4)", "Persuasion techniques (8)", "Hate and offence (1)",
                  "Check-worthy claims (2)", "Entities (6)", "Outlets", "Per voice"):
        assert title in out
    assert "illegals, vermin, thrown out with the trash" in out  # rationale words
    assert "The Dockside Patriot (this page's site)" in out
    assert "warning: propaganda: a hand-built warning <b>to render</b>" in out


def test_rich_markup_in_page_text_prints_as_written() -> None:
    text = "[bold red]not bold[/] and [link=https://evil.example]click[/link]"
    doc = Document(text=text, title="[blink]title[/blink]")
    doc.add("structure", Span(0, len(text), "editorial", None, {}, "structure"))
    out = render_text(doc.to_dict())
    assert "[bold red]not bold[/]" in out
    assert "[link=https://evil.example]click[/link]" in out
    assert "[blink]title[/blink]" in out


def test_absent_layers_give_no_section() -> None:
    doc = Document(text="Just one paragraph.")
    doc.add("structure", Span(0, 19, "editorial", None, {}, "structure"))
    out = render_text(doc.to_dict())
    assert "Just one paragraph." in out
    assert "Quotes" not in out and "Entities" not in out and "Hate" not in out
