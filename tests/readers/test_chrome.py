"""Page chrome taken out before article extraction: interface parts by role or name, teaser cards by shape."""

from __future__ import annotations

import lxml.html

from unspun.readers import source_from_string
from unspun.readers.chrome import drop_chrome, is_interface, name_tokens, teaser_card
from unspun.readers.html import extract_html

ARTICLE = (
    "The harbour board voted on Tuesday to reopen the northern quay after months of repairs, and the "
    "work crews who rebuilt it were thanked by name at the meeting. "
)


def _el(html: str):
    return lxml.html.fragment_fromstring(html)


def test_name_tokens_split_classes_ids_and_case_changes() -> None:
    assert name_tokens(_el('<div class="help-tooltip__wrapper helpIcon" id="rules"></div>')) == {
        "help", "tooltip", "wrapper", "icon", "rules"}


def test_interface_parts_by_role_or_name() -> None:
    assert is_interface(_el('<div id="error" class="alert--error"><p>We could not load it.</p></div>'))
    assert is_interface(_el('<div class="tooltip help-tooltip"><h3>Our rules</h3></div>'))
    assert is_interface(_el('<div role="dialog"><p>Sign in</p></div>'))
    assert is_interface(_el('<form role="search"><p>use these search parameters</p></form>'))
    assert is_interface(_el('<form id="search-form"><input></form>'))
    assert not is_interface(_el('<form id="commentform"><p>Leave a reply</p></form>'))
    # only a form is a search box
    assert not is_interface(_el('<div class="search-results"><p>Results</p></div>'))
    assert not is_interface(_el('<div class="helpful-tips entry-content"><p>Tips</p></div>'))
    assert not is_interface(_el('<article class="has-tooltip"><p>A short story.</p></article>'))


def test_a_short_page_whose_body_class_names_a_modal_keeps_its_article() -> None:
    html = (
        '<html><head><title>Quay reopens</title></head><body class="modal-open">'
        "<article><h1>Quay reopens</h1>"
        f"<p>{ARTICLE}</p></article></body></html>"
    )
    assert "harbour board voted" in extract_html(source_from_string(html)).text


def test_teaser_card_is_a_small_box_with_a_cut_off_excerpt_and_a_link_on() -> None:
    card = _el(
        '<div class="box"><h2><a href="https://db.example/acme">ACME</a></h2>'
        "<div><strong>Founded:</strong> 2004<p>Acme is a maker of anvils. It was founded by two...</p></div>"
        '<a href="https://db.example/acme">Learn more</a></div>'
    )
    excerpt = next(card.iter("p"))
    assert teaser_card(excerpt) is card
    no_link = _el("<div><p>Acme is a maker of anvils. It was founded by two...</p></div>")
    assert teaser_card(next(no_link.iter("p"))) is None
    # an article paragraph that trails off, in an article long enough to be no card, stays
    long_article = _el(
        f"<article><p>{ARTICLE * 10}</p><p>And then he said nothing...</p>"
        '<a href="/next">Read more</a></article>'
    )
    assert teaser_card(list(long_article.iter("p"))[1]) is None


def test_drop_chrome_keeps_a_large_container_whatever_its_name() -> None:
    root = lxml.html.document_fromstring(
        f'<html><body><div class="alert-story"><p>{ARTICLE * 20}</p></div>'
        '<div class="alert--error"><p>We could not load the comments.</p></div></body></html>'
    )
    assert drop_chrome(root) == 1
    text = root.text_content()
    assert "harbour board" in text and "could not load" not in text


def test_html_reader_leaves_interface_text_and_cards_out_of_the_article() -> None:
    html = (
        "<html><head><title>Quay reopens</title></head><body>"
        "<article><h1>Quay reopens</h1>"
        f"<p>{ARTICLE}</p><p>{ARTICLE}</p><p>{ARTICLE}</p>"
        '<div id="error" class="alert--error"><p>We were unable to load the discussion. '
        "If you are a moderator please see our troubleshooting guide.</p></div>"
        '<div class="module-db"><h2><a href="https://db.example/board">HARBOUR BOARD</a></h2>'
        "<p>The Harbour Board runs the port and its quays, with over 500 staff. It was founded in...</p>"
        '<a href="https://db.example/board">Learn more</a></div>'
        '<div class="help-tooltip"><p>Read the full terms of use of this community</p></div>'
        "</article></body></html>"
    )
    doc = extract_html(source_from_string(html))
    assert "harbour board voted" in doc.text
    for chrome in ("unable to load", "over 500 staff", "terms of use"):
        assert chrome not in doc.text
