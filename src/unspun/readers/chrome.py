"""Page chrome taken out of an HTML tree before the article extractor sees it.

trafilatura keeps what sits inside the article's container. Interface parts often do: a widget's error
message (`div.alert--error`), a help pop-up (`.help-tooltip`), a drop-down menu, a site search form with its
help text, an ad slot, a teaser card (a company box with a cut-off excerpt and a "Learn more" link). They are
recognised from what the markup says they are (an ARIA role, a class or id token) or, for a card, from its
shape; none is ever longer than `CHROME_MAX_CHARS` of text, so a container that merely shares a name
("help-article", "search-results" around a whole page) is kept.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

# Interface parts are short; an element with more text than this is content whatever its name says.
CHROME_MAX_CHARS = 1500
# Elements that hold a page's content whatever their class says ("body.modal-open", "article.has-tooltip").
_CONTENT_TAGS = {"html", "body", "main", "article"}
# A teaser card is a small box: its text is at most this long...
CARD_MAX_CHARS = 1200
# ...and its cut-off excerpt sits at most this many levels below the box that holds the card's link.
CARD_MAX_LEVELS = 6
# An excerpt cut off by the widget ends in an ellipsis.
_CUT_OFF_RE = re.compile(r"(?:\.\.\.|…)\s*$")
# Elements whose own text may end in an ellipsis: where a teaser card's excerpt can be.
_CUT_OFF_XPATH = "//*[self::p or self::div or self::span][text()[contains(., '...') or contains(., '…')]]"
# Class and id tokens: split at separators and at lower-to-upper case changes ("helpTooltip").
_TOKEN_SPLIT_RE = re.compile(r"[\s_\-]+|(?<=[a-z0-9])(?=[A-Z])")


@cache
def _chrome() -> dict[str, Any]:
    d = json.loads(resources.files("unspun.data").joinpath("page_chrome.json").read_text("utf-8"))
    return {
        "roles": set(d["roles"]),
        "names": set(d["name_tokens"]),
        "forms": set(d["form_tokens"]),
        "card_link": re.compile(rf"^(?:{'|'.join(d['card_links'])})$", re.IGNORECASE),
        "substrings": tuple(set(d["name_tokens"]) | set(d["form_tokens"])),
        "not_passage": set(d["quote_not_passage_tokens"]),
    }


def name_tokens(el: Any) -> set[str]:
    """Lower-case tokens of an element's class and id ("help-tooltip__wrapper": help, tooltip, wrapper)."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}"
    return {t.lower() for t in _TOKEN_SPLIT_RE.split(names) if t}


def _text_length(el: Any) -> int:
    return len(" ".join(el.text_content().split()))


def is_interface(el: Any) -> bool:
    """Whether an element is an interface part by what its markup calls it (role, class or id)."""
    c = _chrome()
    if not isinstance(el.tag, str) or el.tag.lower() in _CONTENT_TAGS:
        return False
    role = (el.get("role") or "").strip().lower()
    if role in c["roles"]:
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
    if not any(n in names for n in c["substrings"]):  # a cheap first look before splitting into tokens
        return False
    tokens = name_tokens(el)
    if tokens & c["names"]:
        return True
    return el.tag.lower() == "form" and bool(tokens & c["forms"])


def _own_text(el: Any) -> str:
    """The text directly inside `el` (its text and its children's tails), not its children's."""
    return "".join([el.text or "", *(child.tail or "" for child in el)])


def teaser_card(el: Any) -> Any | None:
    """The small box around a cut-off excerpt that links on with "Learn more"/"Read more", or None."""
    if not _CUT_OFF_RE.search(_own_text(el)):
        return None
    link = _chrome()["card_link"]
    box = el
    for _ in range(CARD_MAX_LEVELS):
        box = box.getparent()
        if box is None or _text_length(box) > CARD_MAX_CHARS:
            return None
        if any(link.match(" ".join(a.text_content().split())) for a in box.iter("a")):
            return box
    return None


def drop_chrome(root: Any) -> int:
    """Take interface parts and teaser cards out of the tree (in place); how many were taken out."""
    candidates = root.xpath("//*[@class or @id or @role]")
    found = [el for el in candidates if is_interface(el) and _text_length(el) <= CHROME_MAX_CHARS]
    excerpts = root.xpath(_CUT_OFF_XPATH)
    found += [card for el in excerpts if (card := teaser_card(el)) is not None]
    chosen = set(found)
    dropped = 0
    for el in found:
        # an element inside one already taken out, or taken out twice, is gone with it
        if el.getparent() is not None and not any(a in chosen for a in el.iterancestors()):
            el.drop_tree()
            dropped += 1
    return dropped


def embed_or_pull_quote(el: Any) -> bool:
    """Whether a quotation element is an embedded post or card, or a pull quote, by its own class or
    that of the element around it ("blockquote.twitter-tweet", "div.fb-xfbml-parse-ignore > blockquote")."""
    parent = el.getparent()
    tokens = name_tokens(el) | (name_tokens(parent) if parent is not None else set())
    return bool(tokens & _chrome()["not_passage"])
