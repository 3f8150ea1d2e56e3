"""The structure stage: golden spans on the example page; fixture pages in other layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from unspun.document import Block, Document
from unspun.gazetteer import find_outlet_mentions
from unspun.options import Options
from unspun.pipeline import Pipeline
from unspun.readers import source_from_string
from unspun.stages.structure import StructureStage, register

PIPELINE = Pipeline(["structure"], options=Options())

EDITORIAL_1 = [
    'So much for the "tough on corruption" mayor we were all promised. Remember the speeches? Remember the '
    "slogans? Me neither, apparently.",
    "Every honest taxpayer in this city should be furious. The bureaucrats running our docks are either "
    "incompetent or bought, and frankly I'm not sure which is worse.",
]
EDITORIAL_2 = [
    'Are we really supposed to believe this was the "best outcome available"? Give me a break.',
    "This is what happens when career politicians hand our city to fat-cat corporations and their lawyers. "
    "Either we take our port back now, or we lose it forever.",
]
COMMENTS = [
    "The mayor's office said the same thing about the bridge contract in 2019. Nothing changed.",
    "Exactly. Follow the money.",
    "Those dock workers are all illegals anyway, they're vermin who should be thrown out with the trash.",
    "Does anyone have a link to the actual settlement document? I'd like to read it before I get angry.",
]


def analyse(path: Path) -> Document:
    return PIPELINE.analyze(source_from_string(path.read_text("utf-8"), id=path.name))


def spans(doc: Document) -> list[tuple[str, str]]:
    return [(s.label, doc.span_text(s)) for s in doc.layers["structure"]]


@pytest.mark.parametrize("name", ["port-deal.txt", "port-deal.html"])
def test_port_deal_golden(examples: Path, name: str) -> None:
    doc = analyse(examples / name)
    labels = [s.label for s in doc.layers["structure"]]
    assert labels == ["title"] + ["editorial"] * 2 + ["quoted"] * 4 + ["editorial"] * 2 + ["comment"] * 4
    texts = [t for _, t in spans(doc)]
    assert texts[0] == "SHOCKER: Port Authority Quietly Let Cargo Giant Walk Away With Millions"
    assert texts[1:3] == EDITORIAL_1 and texts[7:9] == EDITORIAL_2 and texts[9:] == COMMENTS
    assert texts[3].startswith("Harbor officials confirmed on Tuesday") and texts[6].endswith(
        "demand a public audit."
    )
    quoted = [s for s in doc.layers["structure"] if s.label == "quoted"]
    url = "https://coastal-ledger.example/port-settlement" if name.endswith(".html") else None
    assert [s.attrs for s in quoted] == [{"outlet": "Coastal Ledger", "url": url, "passage": 0}] * 4
    comments = [s for s in doc.layers["structure"] if s.label == "comment"]
    assert [c.attrs["index"] for c in comments] == [0, 1, 2, 3]
    assert [c.attrs["depth"] for c in comments] == [0, 1, 0, 0]
    assert [c.attrs["parent"] for c in comments] == [None, 0, None, None]
    if name.endswith(".html"):
        assert [c.attrs["author"] for c in comments] == ["Fred M.", "Kay", "anon1776", "J. Ortega"]
        assert [c.attrs["time"] for c in comments] == [
            "2024-03-21T10:02:00Z",
            "2024-03-21T10:40:00Z",
            None,
            None,
        ]
    else:
        assert [c.attrs["author"] for c in comments] == ["Fred M.", "Kay", None, None]
        assert all(c.attrs["time"] is None for c in comments)
    covered = "".join(doc.span_text(s) for s in doc.layers["structure"])
    for junk in ("•", "1. ", "says:", "Sponsored", "thoughts on", "All rights reserved", "Donate"):
        assert junk not in covered
    assert all(s.stage == "structure" for s in doc.layers["structure"])
    from unspun.document import validate

    validate(doc.to_dict())


def test_plain_text_without_layout_gaps(examples: Path) -> None:
    """The quoted passage is found from the change of voice alone when the blank lines are uniform."""
    raw = (examples / "port-deal.txt").read_text("utf-8").replace("\n\n\n\n", "\n\n")
    doc = PIPELINE.analyze(source_from_string(raw))
    labels = [s.label for s in doc.layers["structure"]]
    assert labels == ["title"] + ["editorial"] * 2 + ["quoted"] * 4 + ["editorial"] * 2 + ["comment"] * 4


@pytest.mark.parametrize("name", ["two-outlets.txt", "two-outlets.html"])
def test_two_passages_from_two_outlets(pages: Path, name: str) -> None:
    doc = analyse(pages / name)
    got = [(s.label, s.attrs.get("outlet"), s.attrs.get("passage")) for s in doc.layers["structure"]]
    assert got == [
        ("title", None, None),
        ("editorial", None, None),
        ("quoted", "Valley Herald", 0),
        ("quoted", "Valley Herald", 0),
        ("editorial", None, None),
        ("quoted", "Reuters", 1),
        ("editorial", None, None),
    ]
    if name.endswith(".html"):
        assert doc.layers["structure"][5].attrs["url"].startswith("https://www.reuters.com/")


@pytest.mark.parametrize("name", ["quote-first.txt", "quote-first.html"])
def test_quote_at_the_very_start(pages: Path, name: str) -> None:
    doc = analyse(pages / name)
    body = [s for s in doc.layers["structure"] if s.label != "title"]
    assert [s.label for s in body] == ["quoted", "quoted", "editorial", "editorial"]
    assert {s.attrs["outlet"] for s in body[:2]} == {"Riverside Tribune"}


@pytest.mark.parametrize("name", ["wire-report.txt", "wire-report.html"])
def test_wire_report_is_the_pages_own_report(pages: Path, name: str) -> None:
    doc = analyse(pages / name)
    assert {s.label for s in doc.layers["structure"]} == {"title", "editorial"}


def test_republishing_statement_makes_a_report_quoted(pages: Path) -> None:
    doc = analyse(pages / "republished.txt")
    got = [(s.label, s.attrs.get("outlet")) for s in doc.layers["structure"]]
    assert got == [("title", None), ("quoted", "Harbor Wire"), ("quoted", "Harbor Wire"), ("editorial", None)]


@pytest.mark.parametrize("name", ["no-comments.txt", "no-comments.html"])
def test_page_without_comments(pages: Path, name: str) -> None:
    doc = analyse(pages / name)
    assert [s.label for s in doc.layers["structure"]] == ["title", "editorial", "editorial", "editorial"]
    assert not any(w in doc.text for w in ("Subscribe now", "Powered by", "Log in"))


@pytest.mark.parametrize("name", ["comments-only.txt", "comments-only.html"])
def test_comments_only(pages: Path, name: str) -> None:
    doc = analyse(pages / name)
    comments = [s for s in doc.layers["structure"] if s.label == "comment"]
    assert [s.label for s in doc.layers["structure"] if s.label != "title"] == ["comment"] * 3
    assert [(c.attrs["author"], c.attrs["depth"], c.attrs["parent"]) for c in comments] == [
        ("Priya", 0, None),
        ("Tom K.", 1, 0),
        ("Marguerite", 0, None),
    ]


@pytest.mark.parametrize("name", ["disqus-thread.txt", "disqus-thread.html"])
def test_numbered_thread(pages: Path, name: str) -> None:
    doc = analyse(pages / name)
    comments = [s for s in doc.layers["structure"] if s.label == "comment"]
    assert [doc.span_text(c) for c in comments] == [
        "Seven to two. Nobody on the council even read the traffic study.",
        "The traffic study was posted in January. It's on the city website.",
        "Same thing happened with the arena in 2009. We're still paying for it.",
        "Good. The city needs the jobs.",
    ]
    assert [c.attrs for c in comments][1] == {
        "index": 1,
        "depth": 1,
        "parent": 0,
        "author": "Dev Patel",
        "time": "2 hours ago",
    }


def test_article_comment_thread(pages: Path) -> None:
    doc = analyse(pages / "article-comments.html")
    comments = [s for s in doc.layers["structure"] if s.label == "comment"]
    assert [(c.attrs["depth"], c.attrs["parent"]) for c in comments] == [(0, None), (1, 0), (2, 1), (0, None)]
    assert [s.label for s in doc.layers["structure"]][:3] == ["title", "editorial", "editorial"]


def test_non_english_page(pages: Path) -> None:
    doc = analyse(pages / "german-post.txt")
    assert doc.language == "de"
    assert [s.label for s in doc.layers["structure"]] == [
        "title",
        "editorial",
        "editorial",
        "comment",
        "comment",
    ]
    assert [s.attrs["author"] for s in doc.layers["structure"][3:]] == ["Jonas", "Petra"]
    assert [s.attrs["depth"] for s in doc.layers["structure"][3:]] == [0, 1]


def test_predict_on_hand_built_document() -> None:
    text = (
        "Headline\n\nI think this is wrong. Why?\n\n"
        "Officials said on Monday the plan was approved, the Daily Courier reported.\n\nWe deserve better!"
    )
    doc = Document(text=text, language="en")
    starts = [0, 10, 40, len(text) - len("We deserve better!")]
    ends = [8, 38, starts[3] - 2, len(text)]
    doc.blocks = [Block(starts[0], ends[0], "title")] + [
        Block(s, e, "paragraph", {"gap_before": 1}) for s, e in zip(starts[1:], ends[1:], strict=True)
    ]
    result = StructureStage(Options()).predict(doc)
    assert [r.label for r in result] == ["title", "editorial", "quoted", "editorial"]
    assert result[2].attrs == {"outlet": "Daily Courier", "url": None, "passage": 0}
    assert 0 <= result[2].score <= 1


def test_register_ignores_words_inside_quotation_marks() -> None:
    inside = register(
        'Rita Alvarez called it "a gift to a company that treated our port like a vault" on Monday.'
    )
    assert inside.opinion == 0 and inside.news > 0
    assert register("I think we were lied to. Were we?").score < 0


def test_outlet_mentions_the_structure_stage_reads() -> None:
    """Quoted passages are attributed from the gazetteer's mentions: short forms resolved, no false hits."""
    text = (
        "Documents reviewed by the Coastal Ledger show it. She told the Ledger more. "
        "The Port Authority declined. "
        "Reuters reported the same, and the White House Press Secretary said nothing."
    )
    names = [(m.name, m.canonical) for m in find_outlet_mentions(text)]
    assert names == [
        ("Coastal Ledger", "Coastal Ledger"), ("Ledger", "Coastal Ledger"), ("Reuters", "Reuters")]


# -- where a passage's outlet is written (real-page rules, on hand-built snippets) --------------------


def test_credit_lines_name_an_outlet_not_a_posts_byline() -> None:
    from unspun.stages.structure import credit_line, is_social_post_credit

    assert credit_line("[Engadget]") == "Engadget"
    assert credit_line("— Reuters") == "Reuters"
    assert credit_line("(The Verge)") == "The Verge"
    assert credit_line("— Abby D. Phillip (@abbydphillip) December 11, 2016") is None
    assert credit_line("[The reporter asked him twice. He said no.]") is None
    assert credit_line("[a lower-case aside]") is None
    assert is_social_post_credit("— Teen Vogue (@TeenVogue) December 12, 2016")
    assert not is_social_post_credit("— Reuters")


def test_an_outlet_that_receives_words_does_not_carry_them() -> None:
    from unspun.gazetteer import find_outlet_mentions
    from unspun.stages.structure import carrier_mentions

    text = "In an interview with the BBC, he said so. He later told CNN the same, as Reuters reported."
    carriers = carrier_mentions(text, find_outlet_mentions(text), 0, len(text))
    assert [m.canonical for m in carriers] == ["Reuters"]


def test_introducing_sentence_names_the_carrier() -> None:
    from unspun.gazetteer import find_outlet_mentions
    from unspun.stages.structure import introduces, lead_in_outlet

    text = "The Guardian covered it first. Then, as summarized by CNN, the statement went on:"
    assert introduces(text) and introduces("Hilarious copy, below.") and not introduces("He left.")
    assert lead_in_outlet(text, 0, len(text), find_outlet_mentions(text)) == "CNN"


def _structure_of(content: str) -> list[tuple[str, str | None, str]]:
    doc = PIPELINE.analyze(source_from_string(content))
    return [(s.label, s.attrs.get("outlet"), doc.span_text(s)[:24]) for s in doc.layers["structure"]]


REVIEWS_TXT = """The Early Reviews Are In

I read every review so you don't have to. Here's what the critics say:

What Does It Offer?

The service streams games from a data centre, and the company has promised a lot of things at launch.

[Engadget]

It isn't a console. It's a platform for streaming games, and it works on phones, tablets and laptops.

Performance is promising at worst, and impressive at best, on a fast home connection.

[Tom's Guide]

I think I'll wait a year before buying one.
"""


def test_plain_text_credit_lines_close_passages_back_to_a_boundary() -> None:
    got = _structure_of(REVIEWS_TXT)
    quoted = [(outlet, text) for label, outlet, text in got if label == "quoted"]
    assert [(outlet, text[:12]) for outlet, text in quoted] == [
        ("Engadget", "The service "),
        ("Tom's Guide", "It isn't a c"),
        ("Tom's Guide", "Performance "),
    ]
    assert got[-1][0] == "editorial"  # the writer's own closing line


def test_plain_text_introduction_opens_one_passage() -> None:
    text = (
        "Giuliani Is Out\n\nI never thought he had a chance.\n\n"
        "In the statement, as summarized by CNN, the president-elect praised him:\n\n"
        '"Rudy is an extraordinarily talented and patriotic American," Trump said in the statement.\n\n'
        "Trump went on to praise his counsel, officials said on Friday.\n"
    )
    got = _structure_of(text)
    assert [(label, outlet) for label, outlet, _ in got[1:]] == [
        ("editorial", None),
        ("editorial", None),
        ("quoted", "CNN"),
        ("editorial", None),
    ]


def test_plain_text_news_prose_without_an_outlet_is_the_pages_own_report() -> None:
    text = (
        "Obama on guns\n\nMr Obama said on Friday that he was frustrated, officials said.\n\n"
        "In an interview with the BBC, Mr Obama said it was distressing, aides confirmed on Monday.\n\n"
        "He added that the issue would return, according to officials.\n"
    )
    assert {label for label, _, _ in _structure_of(text)} == {"title", "editorial"}


def _html(body: str) -> str:
    head = "<html><head><title>A page</title></head>"
    return f"{head}<body><article><h1>A page</h1>{body}</article></body></html>"


LONG = "The company said the figures for the quarter were better than expected by most analysts. " * 2


def test_html_credit_after_a_blockquote_even_when_it_is_a_link() -> None:
    body = (
        f"<p>I read the reviews of the new console this week. {LONG}</p>"
        f"<blockquote><p>{LONG}</p></blockquote>"
        '<p><strong>[</strong><a href="https://www.theverge.com/review"><strong>The Verge</strong></a>'
        "<strong>]</strong></p>"
        f"<p>My own view is different and I will explain why. {LONG}</p>"
    )
    quoted = [(o, t) for label, o, t in _structure_of(_html(body)) if label == "quoted"]
    assert quoted and {o for o, _ in quoted} == {"The Verge"}


def test_html_introducing_sentence_wins_over_an_outlet_named_inside() -> None:
    body = (
        f"<p>I have been following this story for weeks. {LONG}</p>"
        "<p>As the Post and Courier newspaper reported on Sunday:</p>"
        "<blockquote><p>The mayor, who wrote in The New York Times last year that the port was safe, "
        f"declined to comment. {LONG}</p></blockquote>"
        f"<p>So much for that. {LONG}</p>"
    )
    quoted = [o for label, o, _ in _structure_of(_html(body)) if label == "quoted"]
    assert quoted == ["Post and Courier"]


def test_html_embedded_post_and_unquoted_news_prose_are_not_passages() -> None:
    body = (
        f"<p>Here is what people said online about it this morning. {LONG}</p>"
        '<blockquote class="twitter-tweet"><p>Whatever you say, Donald!</p>'
        "<p>— Teen Vogue (@TeenVogue) December 12, 2016</p></blockquote>"
        f"<p>Officials said on Tuesday that the port would reopen, according to documents. {LONG}</p>"
    )
    assert "quoted" not in {label for label, _, _ in _structure_of(_html(body))}


def test_html_blockquote_opening_with_its_own_speech_attribution_is_direct_speech() -> None:
    body = (
        f"<p>The prince gave a long interview this week. {LONG}</p>"
        "<blockquote><p>He instead told the BBC interviewer: “I took the judgement call that it was "
        "the honourable thing to do.”</p></blockquote>"
        f"<p>How very noble of him, I must say. {LONG}</p>"
    )
    assert "quoted" not in {label for label, _, _ in _structure_of(_html(body))}


# -- a line crediting the post's source after the fact ("Source: KGUN 9") ---------------------------

SOURCE_CREDITED_TXT = """Town Panics Over A Made-Up Illness

I honestly did not expect a forum story to shut down a whole town, but here we are.

On a horror forum, a user who goes by the name Dana posted a story about a strange fever in the valley.

Dana wrote that three neighbours had fallen ill, and officials said on Monday that calls had tripled.

Apparently the story was good enough to fool a lot of people. Who checks sources anymore?

Here's an excerpt from a phone interview the station did with the author. I love this part.

"We never meant to scare anybody. The forum is fiction, and everybody there knows it," the author said.

What have we learned? Not much, I fear.

Source: Valley Channel 7
"""


def test_source_credit_lines_name_an_outlet() -> None:
    from unspun.stages.structure import source_credit

    assert source_credit("Source: KGUN 9") == "KGUN 9"
    assert source_credit("Via Valley Channel 7.") == "Valley Channel 7"
    assert source_credit("h/t Slate") == "Slate"
    assert source_credit("h/t Jane Doe") is None  # a hat tip to a person names no carrier
    assert source_credit("Via Jane Doe's Valley Blog") == "Jane Doe's Valley Blog"
    assert source_credit("Hat tip to The Verge") == "The Verge"
    assert source_credit("Sources say the deal is off.") is None  # a sentence, not a credit
    assert source_credit("Source: https://example.com/story") is None
    assert source_credit("Via email") is None


def test_trailing_source_credit_names_the_news_passages_before_it() -> None:
    """A source credit at the end of the post is the carrier of its news-register runs (those framed by
    the writer's own words), and of a passage an outlet-less introduction announces; the writer's
    commentary between them and the credit stays editorial."""
    got = _structure_of(SOURCE_CREDITED_TXT)
    assert [(label, outlet) for label, outlet, _ in got] == [
        ("title", None),
        ("editorial", None),
        ("quoted", "Valley Channel 7"),
        ("quoted", "Valley Channel 7"),
        ("editorial", None),
        ("editorial", None),
        ("quoted", "Valley Channel 7"),
        ("editorial", None),
        ("editorial", None),
    ]


def test_without_a_source_credit_the_same_news_prose_is_the_writers() -> None:
    text = SOURCE_CREDITED_TXT.replace("\nSource: Valley Channel 7\n", "")
    assert {label for label, _, _ in _structure_of(text)} == {"title", "editorial"}


def test_an_announcement_sentence_introduces_what_follows() -> None:
    from unspun.stages.structure import introduces

    assert introduces("Curious? Here's an excerpt from an interview C.K. Walker gave. It is long.")
    assert introduces("Below is the full transcript.")
    assert not introduces("Here we go again. The council met on Monday.")


def test_a_paragraph_in_the_writers_voice_is_not_smoothed_into_a_passage() -> None:
    from unspun.stages.structure import voice_labels

    texts = [
        "I think the council got this badly wrong.",
        "Officials said on Monday that the plan was approved, and the mayor confirmed it, a spokesman said.",
        "Apparently nobody asked. Who would?",
        "Officials said on Tuesday that the contract was signed, the agency confirmed in a statement.",
    ]
    quoted, _ = voice_labels(texts, None)
    assert quoted == [False, True, False, True]


def test_the_country_us_is_not_the_first_person() -> None:
    assert register("A gunman opened fire at a cinema in the US state of Louisiana.").opinion == 0
    assert register("Nobody told us about the US deal.").opinion > 0
    news_only = (
        "Obama on guns\n\nPresident Obama said his failure to pass gun laws in the US was his greatest "
        "frustration, officials said.\n\n"
        "In an interview with the BBC, Mr Obama said it was distressing, the BBC's editor said.\n\n"
        "Hours after the interview, a gunman opened fire at a cinema in the US state of Louisiana.\n"
    )
    assert {label for label, _, _ in _structure_of(news_only)} == {"title", "editorial"}


def test_html_paragraph_in_quotation_marks_introduced_by_another_outlet_is_its_passage() -> None:
    statement = (
        "“The rules prohibit violent threats, harassment and hateful conduct, and we will take action on "
        "any account that breaks them, including verified accounts.”"
    )
    body = (
        f"<p>I have been watching how the company handles abuse. {LONG}</p>"
        f"<p>After the election, the company issued a statement, as Slate reported, that it would act:</p>"
        f"<p>{statement}</p><p>We will see whether it does. {LONG}</p>"
    )
    got = [(label, o) for label, o, _ in _structure_of(_html(body))]
    assert got[1:] == [("editorial", None), ("editorial", None), ("quoted", "Slate"), ("editorial", None)]
    # the same words introduced by the page's own outlet are the page's text
    own = (
        "<html><head><title>A page</title><meta property='og:site_name' content='Slate'></head>"
        f"<body><article><h1>A page</h1>{body}</article></body></html>"
    )
    assert "quoted" not in {label for label, _, _ in _structure_of(own)}
    # and a paragraph introduced with a colon but not in quotation marks stays the writer's
    plain = body.replace(statement, statement.strip("“”"))
    assert "quoted" not in {label for label, _, _ in _structure_of(_html(plain))}


def test_wire_flash_pasted_verbatim_is_the_wires_passage() -> None:
    from unspun.stages.structure import wire_flash

    flash = "06.48 Reuters - SEARCH AGENCY SAYS BODY RECOVERED FROM JET WAS WEARING LIFE JACKET"
    assert wire_flash(flash) == "Reuters"
    assert wire_flash("LOS ANGELES (Reuters) - The company said on Tuesday it would cut jobs.") is None
    assert wire_flash("UPDATE - SEARCH AGENCY SAYS BODY RECOVERED FROM JET") is None  # no outlet
    assert wire_flash("Reuters - AGENCY SAYS") is None  # too short for a headline
    body = (
        f"<p>07.10 Our correspondent at the airport sends this update on the search. {LONG}</p>"
        "<p>06.48 Reuters - SEARCH AGENCY SAYS BODY RECOVERED FROM JET WAS WEARING LIFE JACKET</p>"
        f"<p>06.25 The head of the agency spoke to us this morning. {LONG}</p>"
    )
    got = [(label, o) for label, o, _ in _structure_of(_html(body))]
    assert got[1:] == [("editorial", None), ("quoted", "Reuters"), ("editorial", None)]
    own = _html(body).replace("<head>", "<head><meta property='og:site_name' content='Reuters'>")
    assert "quoted" not in {label for label, _, _ in _structure_of(own)}


def test_a_quotation_left_open_carries_the_passage_to_where_it_closes() -> None:
    text = (
        "The Author Speaks\n\nI wanted to know who was behind it. Here's an excerpt from the interview "
        "the station did with her.\n\n"
        "“We got mixed reactions. Some people thought it was interesting and others got upset.\n\n"
        "The forum is fiction, and everybody there knows it.\n\n"
        "I never meant to scare anybody, and I am sorry that I did.”\n\n"
        "So what have we learned? Not much, I fear.\n\nSource: Valley Channel 7\n"
    )
    got = [(label, outlet) for label, outlet, _ in _structure_of(text)]
    assert got[2:5] == [("quoted", "Valley Channel 7")] * 3
    assert got[5:] == [("editorial", None)] * 2
