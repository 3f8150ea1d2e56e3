"""Markup nested deeper than a parser can hold, made shallower without losing a character of its text.

libxml2 (under lxml) stops at 2,048 levels of nesting (256 without `huge_tree`) and silently drops the
deepest element and everything after it, and every recursive walk of the tree (ours, trafilatura's) would hit
Python's recursion limit on such a page: an attacker can hide a paragraph, and the rest of the page, by
wrapping it in 3,000 ``<div>``s. Before parsing, `limit_nesting` scans the tags once (a linear scan, run only
when the page has enough tags to be that deep) and removes the tags of the elements that open deeper than
`MAX_DEPTH`, with their matching end tags: their text stays, in place, inside the element at the limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: deeper elements are unwrapped (their tags removed, their text kept): libxml2's default limit, and far
#: deeper than real pages nest (30-60 levels)
MAX_DEPTH = 256

# Elements with no end tag, and elements whose content is raw text (no tags inside to count).
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
                       "noscript", "plaintext"})
# Elements that separate text: unwrapped, their tags become a space so that words on either side stay apart.
_BLOCKS = frozenset("address article aside blockquote dd div dl dt figure footer form h1 h2 h3 h4 h5 h6 "
                    "header li main nav ol p pre section table tbody td th tr ul".split())
# Elements that an opening tag of the same name closes implicitly (<li>a<li>b): not deeper nesting.
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup"})

_TOKEN_RE = re.compile(r"<!--.*?(?:-->|\Z)|<(/?)([A-Za-z][A-Za-z0-9:-]*)\b[^>]*?(/?)>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Flattened:
    """The markup with its excess nesting removed, the deepest nesting found, and how many elements were
    unwrapped (0: the markup is returned unchanged)."""

    html: str
    depth: int
    unwrapped: int


def limit_nesting(html: str, max_depth: int = MAX_DEPTH) -> Flattened:
    """`html` with every element that opens deeper than `max_depth` unwrapped (see the module docstring)."""
    if html.count("<") <= max_depth:
        return Flattened(html, 0, 0)  # too few tags to nest that deep
    stack: list[tuple[str, bool]] = []  # (tag name, its tags removed)
    cuts: list[tuple[int, int, str]] = []  # (start, end, replacement) of each removed tag
    deepest = 0
    unwrapped = 0
    raw_end: re.Pattern[str] | None = None
    pos = 0
    while True:
        if raw_end is not None:
            closing = raw_end.search(html, pos)
            if closing is None:
                break
            pos, raw_end = closing.start(), None
        match = _TOKEN_RE.search(html, pos)
        if match is None:
            break
        pos = match.end()
        name = (match.group(2) or "").lower()
        if not name:
            continue  # a comment
        if match.group(1):  # an end tag: close up to the nearest open element of that name
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == name:
                    if stack[k][1]:
                        cuts.append((*match.span(), " " if name in _BLOCKS else ""))
                    del stack[k:]
                    break
            continue
        if name in _VOID or match.group(3):
            continue
        if name in _SELF_CLOSING_SIBLINGS and stack and stack[-1][0] == name:
            stack.pop()
        # raw-text elements keep their tags: unwrapping a <script> would show its code as page text
        removed = len(stack) >= max_depth and name not in _RAW_TEXT
        if removed:
            cuts.append((*match.span(), " " if name in _BLOCKS else ""))
            unwrapped += 1
        stack.append((name, removed))
        deepest = max(deepest, len(stack))
        if name in _RAW_TEXT:
            raw_end = re.compile(rf"</{name}\b", re.IGNORECASE)
    if not cuts:
        return Flattened(html, deepest, 0)
    parts, last = [], 0
    for start, end, replacement in cuts:
        parts.append(html[last:start])
        parts.append(replacement)
        last = end
    parts.append(html[last:])
    return Flattened("".join(parts), deepest, unwrapped)
