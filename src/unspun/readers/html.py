"""HTML to a `Document`: trafilatura finds the article, our own parser reads the comment thread.

trafilatura is good at separating an article from navigation, ads and footers, but it flattens comments
into bare paragraphs (no author, time or nesting) and drops a blockquote's `cite`. So the comment thread is
read here first, from the markup (WordPress `li.comment`/`ol.children`, `<article class="comment">`
threads, and a generic fallback for containers named "comment"), and removed from the tree before
trafilatura sees it; cite URLs are matched back to trafilatura's quotes by their text. The document text is
built from the blocks, joined by blank lines, so every block's offsets are exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from unspun.document import Block, Document
from unspun.errors import MalformedInputError, NoContentError
from unspun.gazetteer import url_host
from unspun.readers.chrome import drop_chrome, embed_or_pull_quote
from unspun.readers.nesting import MAX_DEPTH, Flattened, limit_nesting
from unspun.readers.text import comment_conventions

BLOCK_SEPARATOR = "\n\n"
# trafilatura's main-content search grows faster than linearly with the text (about 7 s for 6 MB of
# paragraphs, over a minute for 20 MB); above this much visible text we take the paragraphs from the markup
# ourselves, leaving out navigation, headers, footers and asides, and say so in a warning.
LARGE_TEXT_CHARS = 3_000_000
# A page whose every block is shorter than this and ends without a full stop has no article.
MIN_PROSE_WORDS = 4
# A block of at least this many lines, this share of them labels (not prose), is a page's controls.
NAV_MIN_LINES = 8
NAV_LABEL_SHARE = 0.7
_NOT_CONTENT_TAGS = {"nav", "header", "footer", "aside", "menu"}
# Elements that end a line when their text is flattened.
_BLOCK_TAGS = {
    "p",
    "div",
    "li",
    "br",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "ul",
    "ol",
    "pre",
    "table",
    "dd",
    "dt",
    "lb",
    "head",
    "item",
    "row",
}
_SKIP_TAGS = {
    "script",
    "style",
    "noscript",
    "form",
    "button",
    "textarea",
    "select",
    "svg",
    "iframe",
    "template",
}
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(slots=True)
class ThreadComment:
    """One comment read from the markup."""

    text: str
    author: str | None
    time: str | None
    depth: int
    parent: int | None


@cache
def _conv() -> dict[str, Any]:
    conv = dict(comment_conventions())
    verbs = "|".join(conv["author_verbs"])
    conv["_item_class"] = re.compile("|".join(conv["html_item_classes"]), re.IGNORECASE)
    conv["_item_id"] = re.compile("|".join(conv["html_item_ids"]), re.IGNORECASE)
    conv["_section"] = re.compile("|".join(conv["html_section_patterns"]), re.IGNORECASE)
    conv["_list"] = re.compile("|".join(conv["html_list_patterns"]), re.IGNORECASE)
    conv["_says"] = re.compile(rf"\s*\b(?:{verbs})\s*:?\s*$", re.IGNORECASE)
    conv["_header"] = re.compile(
        rf"(?P<author>[^\s:][^:]{{0,60}}?)\s+(?:{verbs})(?:\s+(?:on|at)\s+[^:]{{1,60}})?\s*:", re.IGNORECASE
    )
    conv["_heading"] = re.compile("|".join(f"(?:{p})" for p in conv["headings"]), re.IGNORECASE)
    conv["_action"] = re.compile("|".join(f"(?:{p})" for p in conv["action_lines"]), re.IGNORECASE)
    conv["_time"] = re.compile("|".join(f"(?:{p})" for p in conv["times"]), re.IGNORECASE)
    conv["_boilerplate"] = re.compile("|".join(f"(?:{p})" for p in conv["boilerplate_lines"]), re.IGNORECASE)
    times = "|".join(f"(?:{p})" for p in conv["times"])
    conv["_author_on_time"] = re.compile(
        rf"(?P<author>.+?)\s+(?:(?:on|at|[·|•—–-])\s+)?(?P<time>(?:{times}).*)", re.IGNORECASE
    )
    conv["_not_author"] = re.compile("|".join(f"(?:{p})" for p in conv["not_author_names"]), re.IGNORECASE)
    bullets = "".join(re.escape(b) for b in conv["bullet_markers"])
    conv["_separator"] = re.compile(rf"[{bullets}|]{{1,3}}")
    return conv


# Above this share of link text an item is a list of links (a "recent comments" widget), not a comment.
MAX_LINK_SHARE = 0.6
# Items found only by their container's name ("comments") must be at least this many to be a thread.
MIN_FALLBACK_COMMENTS = 2
# Lines of a comment's flattened text searched for a "NAME wrote on DATE:" header.
HEADER_LINES = 4
# A widget's or a site's prefix on its class names ("sppre_username", "fig-comment"): the name after it
# counts too.
_VENDOR_PREFIX_RE = re.compile(r"^[a-z0-9]{2,8}[_-](?=[a-z])")


def _classes(el: Any) -> list[str]:
    names = (el.get("class") or "").split()
    return names + [c[m.end() :] for c in names if (m := _VENDOR_PREFIX_RE.match(c))]


def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def flatten(el: Any, skip: set[Any] | None = None) -> str:
    """The visible text of `el`, one line per block element, spaces collapsed; `skip` subtrees left out."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        tag = _tag(node)
        if skip and node in skip or tag in _SKIP_TAGS:
            return
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text and tag:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(el)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


# -- comment threads ---------------------------------------------------------------------------------


def _in_section(el: Any) -> bool:
    section = _conv()["_section"]
    for anc in el.iterancestors():
        if section.search(anc.get("id") or "") or any(section.search(c) for c in _classes(anc)):
            return True
    return False


def _is_item(el: Any) -> bool:
    if _tag(el) not in ("li", "article", "div"):
        return False
    conv = _conv()
    if any(conv["_item_class"].fullmatch(c) for c in _classes(el)):
        return True
    if (el.get("itemtype") or "").rstrip("/").rsplit("/", 1)[-1] in conv["html_item_types"]:
        return True  # schema.org microdata: the page says it is a comment
    parent = el.getparent()
    if _tag(el) == "li" and parent is not None and _tag(parent) in ("ol", "ul"):
        if any(conv["_list"].search(n) for n in [parent.get("id") or "", *_classes(parent)]):
            return True  # <ol id="commentsList"><li class="clearfix">
    if conv["_item_id"].fullmatch(el.get("id") or "") and _in_section(el):
        return True
    # Disqus-style: <li class="post"> items inside a #post-list / #disqus_thread container.
    return _tag(el) == "li" and "post" in _classes(el) and _in_section(el)


def _fallback_items(root: Any) -> list[Any]:
    """Items of containers whose id/class names comments, when no known item markup is there."""
    section = _conv()["_section"]
    items: list[Any] = []
    for el in root.iter():
        if (
            _tag(el) not in ("section", "div", "ol", "ul", "aside")
            or items
            and any(el in i.iterancestors() for i in items[-1:])
        ):
            continue
        names = [el.get("id") or "", *_classes(el)]
        if not any(section.search(n) for n in names) or any(
            section.search(n) for a in el.iterancestors() for n in [a.get("id") or "", *_classes(a)]
        ):
            continue
        node = el
        while True:
            kids = [k for k in node if _tag(k) and _tag(k) not in _SKIP_TAGS and _tag(k) not in _HEADING_TAGS]
            if len(kids) == 1:
                node = kids[0]
                continue
            break
        by_tag: dict[str, list[Any]] = {}
        for k in kids:
            by_tag.setdefault(_tag(k), []).append(k)
        if by_tag:
            best = max(by_tag.values(), key=len)
            items.extend(k for k in best if flatten(k))
    return items


def _first(el: Any, classes: list[str], stop: set[Any]) -> Any | None:
    """The first descendant of `el` (outside the `stop` subtrees) with one of `classes`, in their order."""
    found: dict[str, Any] = {}
    wanted = {c.lower() for c in classes}

    def walk(node: Any) -> None:
        for child in node:
            if child in stop or not _tag(child):
                continue
            for c in _classes(child):
                c = c.lower()
                if c in wanted and c not in found:
                    found[c] = child
            walk(child)

    walk(el)
    for c in classes:
        if c.lower() in found:
            return found[c.lower()]
    return None


def _author(el: Any, nested: set[Any]) -> tuple[Any | None, str | None]:
    """The element naming a comment's author, and the name: a known author class or `itemprop=author`, a
    `data-username`-like attribute (a login, where the page shows no name), or a "NAME wrote on DATE:"
    header; a link label ("Profile") is no name."""
    conv = _conv()
    def outside_quotes(a: Any) -> bool:
        quoting = ("blockquote", "q")
        return a not in nested and not any(_tag(p) in quoting or p in nested for p in a.iterancestors())

    candidates = [_first(el, [cls], nested) for cls in conv["html_author_classes"]]
    candidates.append(next((a for a in el.iter() if a.get("itemprop") == "author" and a not in nested), None))
    candidates += [next((a for a in el.iter(t) if outside_quotes(a)), None) for t in conv["html_author_tags"]]
    for author_el in candidates:
        if author_el is None:
            continue
        name = conv["_says"].sub("", flatten(author_el, nested).split("\n")[0]).strip()
        if name and not conv["_not_author"].fullmatch(name):
            return author_el, _display_name(name, el)
    for a in el.iter():
        if a in nested or any(p in nested for p in a.iterancestors()):
            continue
        for attr in conv["html_author_attributes"]:
            if (name := (a.get(attr) or "").strip()) and not conv["_not_author"].fullmatch(name):
                # the element is left out of the text only when it is the name and nothing else
                return (a if a is not el and flatten(a) == name else None), name
    # a header line "NAME wrote on DATE:" / "NAME says:" before the text
    # (its first lines joined: source line breaks inside the header survive flattening)
    head = " ".join(flatten(el, nested).split("\n")[:HEADER_LINES])
    if (m := conv["_header"].match(head)) and not conv["_not_author"].fullmatch(m.group("author")):
        return None, _display_name(m.group("author").strip(), el)
    return None, None


def _display_name(name: str, el: Any) -> str:
    """"Tommy Trussell (tommy-trussell)" -> "Tommy Trussell": a login in parentheses after the shown name
    (a lowercase handle that the comment's profile link holds) is not part of it; "Catherine (GiveWell)"
    and "Ferry Operator (official)" keep theirs."""
    m = re.fullmatch(r"(?P<shown>.+?)\s+\((?P<login>[a-z0-9._-]+)\)", name)
    if m is None:
        return name
    login = m.group("login")
    in_profile_link = any(login in (a.get("href") or "") for a in el.iter("a"))
    return m.group("shown") if in_profile_link else name


def _comment_of(el: Any, nested: set[Any]) -> tuple[str, str | None, str | None]:
    """Text, author and time of one comment item; `nested` are the item's reply subtrees."""
    conv = _conv()
    author_el, author = _author(el, nested)
    time_el = next((t for t in el.iter("time") if not any(a in nested for a in t.iterancestors())), None)
    time = None
    if time_el is not None:
        time = time_el.get("datetime") or flatten(time_el) or None
    else:
        time_el = _first(el, conv["html_time_classes"], nested)
        if time_el is not None:
            time = flatten(time_el) or None
    if author and (split := conv["_author_on_time"].fullmatch(author)):
        author, time = split.group("author").strip(), time or split.group("time").strip()
    # The author's and the time's elements stay out of the text even inside the content element (themes
    # put a header with both in "content").
    skip = set(nested) | {e for e in (author_el, time_el) if e is not None}
    content = _first(el, conv["html_content_classes"], nested)
    if content is not None:
        text = flatten(content, skip)
    else:
        for cls in conv["html_meta_classes"]:
            skip.update(e for e in el.iter() if cls in [c.lower() for c in _classes(e)])
        text = flatten(el, skip)
    lines = [
        ln
        for ln in text.split("\n")
        if not conv["_action"].fullmatch(ln)
        and not conv["_separator"].fullmatch(ln)
        and not conv["_boilerplate"].fullmatch(ln)
        and not conv["_heading"].fullmatch(ln)
        and not (time and ln == time)
        and not (author and conv["_says"].sub("", ln).strip() == author)
    ]
    return "\n".join(lines), author, time


def _depth_class(el: Any) -> int | None:
    """The thread level a class or attribute names ("depth-2", data-depth); counted from 0 or from 1
    depending on the markup (`_levels` makes them start at 0)."""
    for c in _classes(el):
        if m := re.fullmatch(r"depth-(\d+)", c):
            return int(m.group(1))
    depth = el.get("data-depth") or el.get("data-level")
    return int(depth) if depth and depth.isdigit() else None


def _item_bodies(items: list[Any]) -> set[Any]:
    """Items that are the body of the item around them, not a reply to it: `li.comment > article.comment`
    (one comment marked twice). An inner item of another tag that is the outer one's only item outside its
    reply containers is its body; counting it as a reply put every comment one level too deep."""
    item_set = set(items)
    reply_classes = {c.lower() for c in _conv()["html_children_classes"]}
    bodies: set[Any] = set()
    for el in items:
        inner = [
            d
            for d in el.iterdescendants()
            if d in item_set and next((a for a in d.iterancestors() if a in item_set), None) is el
        ]
        def in_replies(d: Any, el: Any = el) -> bool:
            return any(
                {c.lower() for c in _classes(a)} & reply_classes for a in d.iterancestors() if a is not el
            )

        outside_replies = [d for d in inner if not in_replies(d) or d.getparent() is el]
        if len(outside_replies) == 1 and _tag(outside_replies[0]) != _tag(el):
            bodies.add(outside_replies[0])
    return bodies


def _rows(items: list[Any]) -> dict[Any, Any]:
    """Table-based threads (Hacker News): the outermost table row around each item that holds no other
    item. The row carries the author, the time and the indentation; the item only the text."""
    item_set = set(items)
    rows: dict[Any, Any] = {}
    for el in items:
        row = None
        for a in el.iterancestors():
            if a in item_set:
                break
            if _tag(a) == "tr":
                if any(d in item_set and d is not el for d in a.iterdescendants()):
                    break
                row = a
        if row is not None:
            rows[el] = row
    return rows


def _row_indent(row: Any) -> int | None:
    """The indentation of a thread row: an `indent` attribute, or the width of the spacer image in its
    indentation cell (`td.ind`)."""
    for el in row.iter():
        if not _tag(el):
            continue
        value = el.get("indent")
        if value is None and "ind" in _classes(el):
            img = next(el.iter("img"), None)
            value = img.get("width") if img is not None else None
        if value is not None and value.strip().isdigit():
            return int(value)
    return None


def _levels(items: list[Any], rows: dict[Any, Any]) -> list[int] | None:
    """Thread levels of a flat markup: "depth-N" classes, else rows' indentation in units of the smallest
    step; None when the markup shows no level."""
    named = [_depth_class(el) for el in items]
    if any(d is not None for d in named) and len({d for d in named if d is not None}) > 1:
        base = min(d for d in named if d is not None)  # WordPress counts from 1, Spot.IM from 0
        return [(d if d is not None else base) - base for d in named]
    indents = [_row_indent(rows[el]) if el in rows else None for el in items]
    steps = sorted({i for i in indents if i})
    if not steps:
        return None
    return [round((i or 0) / steps[0]) for i in indents]


def _link_share(el: Any, nested: set[Any]) -> float:
    """The share of an item's text that is link text: a "recent comments" widget lists links to posts."""
    text = len(flatten(el, nested))
    links = sum(
        len(flatten(a, nested)) for a in el.iter("a") if not any(p in nested for p in a.iterancestors())
    )
    return links / text if text else 0.0


def read_thread(root: Any) -> tuple[list[ThreadComment], list[Any]]:
    """The comments in the markup, in page order, and the top-level item elements (to remove them)."""
    items = [el for el in root.iter() if _tag(el) and _is_item(el)]
    fallback = not items
    if items:
        bodies = _item_bodies(items)
        items = [el for el in items if el not in bodies]
    else:
        items = _fallback_items(root)
    item_set = set(items)
    rows = _rows(items)
    index = {el: i for i, el in enumerate(items)}
    comments: list[ThreadComment] = []
    for el in items:
        ancestors = [a for a in el.iterancestors() if a in item_set]
        nested = {d for d in el.iterdescendants() if d in item_set}
        children = set(nested)
        for cls in _conv()["html_children_classes"]:
            children.update(d for d in el.iterdescendants() if cls in [c.lower() for c in _classes(d)])
        text, author, time = _comment_of(el, children)
        if el in rows:  # the row around the text holds the author and the time
            _, row_author, row_time = _comment_of(rows[el], children | {el})
            author, time = author or row_author, time or row_time
        weak = not _prose(text) or _link_share(el, children) > MAX_LINK_SHARE
        if author is None and time is None and weak:
            text = ""  # with nobody and no time to it, a button, a counter or a list of links is no comment
        comments.append(
            ThreadComment(text, author, time, len(ancestors), index[ancestors[0]] if ancestors else None)
        )
    keep = [i for i, c in enumerate(comments) if c.text]
    if fallback and len(keep) < MIN_FALLBACK_COMMENTS:
        keep = []  # one block in a container named "comments" is a byline or a counter, not a thread
    # Depth from "depth-N" classes or row indentation when the markup is flat (some themes and table
    # threads do not nest replies).
    levels = _levels(items, rows) if all(c.depth == 0 for c in comments) else None
    if levels is not None:
        stack: list[int] = []
        for i, depth in enumerate(levels):
            del stack[depth:]
            comments[i].depth = len(stack)
            comments[i].parent = stack[-1] if stack else None
            stack.append(i)
    top = [rows.get(el, el) for el in items if not any(a in item_set for a in el.iterancestors())]
    # Re-index after dropping empty items (a deleted comment still holds its replies).
    renumber = {old: new for new, old in enumerate(keep)}
    result = []
    for old in keep:
        c = comments[old]
        parent = c.parent
        while parent is not None and parent not in renumber:
            parent = comments[parent].parent
        result.append(
            ThreadComment(c.text, c.author, c.time, c.depth, renumber[parent] if parent is not None else None)
        )
    return result, top


# -- the article ---------------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@dataclass(frozen=True, slots=True)
class _QuoteSource:
    """What the markup says about one quotation element: its text (normalised), its cite URL, and the
    credit line right after it ("[Engadget]", often a link that trafilatura drops as navigation)."""

    text: str
    cite: str | None
    credit: str | None
    passage_like: bool = True  # a <blockquote> that may be a passage (not a <q>, an embed, a pull quote)


# A credit line after a quotation is a few words; longer text is the article going on.
CREDIT_MAX_CHARS = 80
# A paragraph only part of a blockquote's text is that blockquote's when it is at least this long (a short
# line such as "Update:" may be anywhere).
LOST_QUOTE_MIN_CHARS = 40


def _credit_after(el: Any) -> tuple[str | None, str | None]:
    """The short line right after a quotation element, and the link in it (the credited page)."""
    nxt = el.getnext()
    while nxt is not None and not _tag(nxt):  # comments, processing instructions
        nxt = nxt.getnext()
    if nxt is None or (el.tail or "").strip() or _tag(nxt) not in ("p", "div", "cite", "figcaption", "span"):
        return None, None
    text = flatten(nxt).replace("\n", " ")
    if not text or len(text) > CREDIT_MAX_CHARS:
        return None, None
    link = next((a.get("href") for a in nxt.iter("a") if (a.get("href") or "").startswith("http")), None)
    return text, link


def _cites(root: Any) -> list[_QuoteSource]:
    """The quotation elements of the markup (blockquote, q) with text, and where they say they come from:
    a cite URL or a credit after (None when they say nothing)."""
    out = []
    for el in root.iter("blockquote", "q"):
        cite = (el.get("cite") or "").strip() or None
        credit, link = _credit_after(el) if _tag(el) == "blockquote" else (None, None)
        if text := _norm(flatten(el)):
            passage_like = _tag(el) == "blockquote" and not embed_or_pull_quote(el)
            out.append(_QuoteSource(text, cite or link, credit, passage_like))
    return out


def _lost_quotation(text: str, cites: list[_QuoteSource], before: str | None) -> int | None:
    """The index of the markup blockquote a paragraph lies in, where trafilatura gave it as a plain
    paragraph (it loses the quotation of a blockquote nested in a pasted form or wrapper divs). Only a
    blockquote that reads as a passage counts: introduced (the block `before` it ends with a colon) or
    credited (a cite URL or a credit line), not an embed or a pull quote."""
    introduced = before is not None and before.rstrip().endswith(":")
    candidates = [i for i, c in enumerate(cites) if c.passage_like and (introduced or c.cite or c.credit)]
    norm = _norm(text) if candidates else ""
    for i in candidates if norm else ():
        if norm == cites[i].text or (len(norm) >= LOST_QUOTE_MIN_CHARS and norm in cites[i].text):
            return i
    return None


@dataclass(slots=True)
class _Builder:
    parts: list[str]
    blocks: list[Block]
    length: int = 0

    def add(self, text: str, kind: str, attrs: dict[str, Any] | None = None) -> None:
        text = text.strip()
        if not text:
            return
        if self.parts:
            self.parts.append(BLOCK_SEPARATOR)
            self.length += len(BLOCK_SEPARATOR)
        self.blocks.append(Block(self.length, self.length + len(text), kind, dict(attrs or {})))
        self.parts.append(text)
        self.length += len(text)


def _main_blocks(
    body: Any, cites: list[_QuoteSource], comment_texts: set[str]
) -> list[tuple[str, str, dict]]:
    """(text, kind, attrs) of the article's blocks, from trafilatura's XML body."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    heading, boilerplate = _conv()["_heading"], _conv()["_boilerplate"]
    passage = -1
    lost: dict[int, int] = {}  # markup blockquote (index in cites) -> its passage, for paragraphs of it

    def emit(text: str, kind: str, attrs: dict[str, Any]) -> None:
        nonlocal passage
        text = text.strip()
        if not text or heading.fullmatch(text) or boilerplate.fullmatch(text) or _norm(text) in comment_texts:
            return
        if _navigation(text):
            return
        k = _lost_quotation(text, cites, out[-1][0] if out else None) if kind == "paragraph" else None
        if k is not None and not attrs.get("heading"):
            if k not in lost:
                passage += 1
                lost[k] = passage
            kind = "blockquote"
            attrs = {"cite": cites[k].cite, "passage": lost[k]}
            if cites[k].credit:
                attrs["credit"] = cites[k].credit
        out.append((text, kind, attrs))

    def walk(el: Any, quote: dict[str, Any] | None) -> None:
        nonlocal passage
        tag = _tag(el)
        if tag == "quote" and quote is None:
            passage += 1
            norm = _norm(flatten(el))
            said = (c for c in cites if c.cite or c.credit)
            source = next((c for c in said if norm and (norm in c.text or c.text in norm)), None)
            attrs = {"cite": source.cite if source else None, "passage": passage}
            if source is not None and source.credit:
                attrs["credit"] = source.credit
            if any(_tag(k) in ("p", "list", "head", "table", "quote") for k in el):
                for child in el:
                    walk(child, attrs)
                if el.text and el.text.strip():
                    emit(" ".join(el.text.split()), "blockquote", attrs)
            else:
                emit(flatten(el).replace("\n", " "), "blockquote", attrs)
            return
        kind = "blockquote" if quote is not None else "paragraph"
        attrs = dict(quote or {})
        if tag == "list":
            for item in el:
                walk(item, quote)
        elif tag == "table":
            for row in el.iter("row"):
                emit(" | ".join(flatten(cell).replace("\n", " ") for cell in row), kind, attrs)
        elif tag == "item" and any(_tag(k) in ("list", "p") for k in el):
            for child in el:
                walk(child, quote)
        elif tag in ("p", "head", "item", "code", "quote"):
            if tag == "head":
                attrs["heading"] = el.get("rend") or True
            emit(flatten(el), kind, attrs)
        elif tag not in ("graphic", "ref") and len(el):
            for child in el:
                walk(child, quote)
        elif tag not in ("graphic",):
            emit(flatten(el), kind, attrs)

    for child in body:
        walk(child, None)
    return out


def _markup_blocks(
    root: Any, cites: list[_QuoteSource], comment_texts: set[str]
) -> list[tuple[str, str, dict]]:
    """(text, kind, attrs) of the paragraph-level elements of the body: the large-page path."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    heading = _conv()["_heading"]
    passage, quote_el = -1, None
    for el in root.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre"):
        ancestors = list(el.iterancestors())
        if any(_tag(a) in _NOT_CONTENT_TAGS | _SKIP_TAGS | {"p", "li"} for a in ancestors):
            continue
        text = flatten(el).replace("\n", " ")
        if not text or heading.fullmatch(text) or _norm(text) in comment_texts:
            continue
        quote = next((a for a in ancestors if _tag(a) == "blockquote"), None)
        attrs: dict[str, Any] = {}
        if quote is not None:
            if quote is not quote_el:
                passage, quote_el = passage + 1, quote
            attrs = {"cite": (quote.get("cite") or "").strip() or None, "passage": passage}
        elif _tag(el) in _HEADING_TAGS:
            attrs = {"heading": _tag(el)}
        out.append((text, "blockquote" if quote is not None else "paragraph", attrs))
    return out


def _navigation(text: str) -> bool:
    """Whether a block is a page's controls flattened into one (what trafilatura falls back to on a page
    with no article): many lines, most of them labels rather than sentences."""
    lines = text.split("\n")
    if len(lines) < NAV_MIN_LINES:
        return False
    labels = sum(not _prose(line) for line in lines)
    return labels / len(lines) >= NAV_LABEL_SHARE


def _prose(text: str) -> bool:
    """Whether a block reads as writing (a few words or a sentence), not as a menu label or a button."""
    return any(
        len(line.split()) >= MIN_PROSE_WORDS or line.rstrip().endswith((".", "!", "?", '"', "”"))
        for line in text.split("\n")
    )


def _meta(root: Any, *names: str) -> str | None:
    for name in names:
        for el in root.iter("meta"):
            if (
                name in (el.get("property"), el.get("name"), el.get("itemprop"))
                and (el.get("content") or "").strip()
            ):
                return el.get("content").strip()
    return None


# Separators between a headline and the site's name in a page title ("Headline | Site", "Site - Headline").
_TITLE_SEPARATOR_RE = re.compile(r"\s+(?:\||-|–|—|::|»|·)\s+")
# A site's name in a title is a few words.
SITE_NAME_MAX_WORDS = 5


def _compact(text: str) -> str:
    return re.sub(r"[^\w]", "", text.lower())


def split_site_name(title: str, site_names: list[str]) -> tuple[str, str | None]:
    """The headline of a page title and the site name around it ("Headline | TechCrunch", "TechCrunch |
    Headline"), when the first or last part is one of `site_names` (og:site_name, the host's name) or a
    news outlet the gazetteer knows; else the title unchanged and None."""
    from unspun.gazetteer import lookup_name

    parts = _TITLE_SEPARATOR_RE.split(title)
    if len(parts) < 2:
        return title, None
    known = {_compact(n) for n in site_names if n and _compact(n)}

    def is_site(part: str) -> bool:
        key = _compact(part)
        if not key or len(part.split()) > SITE_NAME_MAX_WORDS:
            return False
        return key in known or any(k in key or key in k for k in known if len(k) >= 4) or (
            lookup_name(part) is not None
        )

    seps = list(_TITLE_SEPARATOR_RE.finditer(title))
    if is_site(parts[-1]):
        return title[: seps[-1].start()].strip(), parts[-1].strip()
    if is_site(parts[0]):
        return title[seps[0].end() :].strip(), parts[0].strip()
    return title, None


def _site_after_headline(page_title: str, headline: str) -> str | None:
    """The site's name in `<title>Headline | Site</title>` where the page's headline is the first part."""
    parts = _TITLE_SEPARATOR_RE.split(page_title)
    if len(parts) < 2 or _compact(parts[0]) != _compact(headline):
        return None
    site = page_title[list(_TITLE_SEPARATOR_RE.finditer(page_title))[-1].end() :].strip()
    return site if 0 < len(site.split()) <= SITE_NAME_MAX_WORDS else None


def _parse(html: str, name: str) -> tuple[Any, Flattened]:
    """The tree of `html`, after nesting too deep to parse was unwrapped (`readers.nesting`)."""
    import lxml.html
    from lxml import etree

    flat = limit_nesting(html)
    html = flat.html
    try:
        # huge_tree: libxml2 otherwise silently cuts off text nodes over 10 MB (inline images, JSON blobs).
        root = lxml.html.document_fromstring(html, parser=lxml.html.HTMLParser(huge_tree=True))
    except (etree.ParserError, ValueError) as exc:
        raise MalformedInputError(f"{name}: the HTML cannot be parsed ({exc})") from exc
    return root, flat


def _trafilatura(markup: Any, url: str | None) -> Any:
    """trafilatura's article and metadata of a parsed tree or a markup string (None when it finds none)."""
    import trafilatura

    return trafilatura.bare_extraction(
        markup,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_formatting=False,
        include_links=False,
    )


def extract_html(source: Any) -> Document:
    """The `Document` of an HTML source: title, article blocks, quoted passages with cite, comments."""
    name = getattr(source, "id", "") or "<input>"
    url = getattr(source, "url", None)
    root, flat = _parse(source.content, name)
    thread, top_items = read_thread(root)
    cites = _cites(root)
    published = _meta(root, "article:published_time", "datePublished", "date", "DC.date.issued")
    og_site = _meta(root, "og:site_name", "application-name")
    og_url = _meta(root, "og:url")
    page_title = (
        _meta(root, "og:title", "twitter:title")
        or " ".join((root.findtext(".//title") or "").split())
        or None
    )
    for el in top_items:  # trafilatura must not see the comments as article text
        el.drop_tree()
    drop_chrome(root)  # nor interface messages, tooltips, search forms and teaser cards
    comment_texts = {_norm(c.text) for c in thread}
    body = root.find("body")
    large = body is not None and len(body.text_content()) > LARGE_TEXT_CHARS
    result: Any = None  # trafilatura's Document (typed as Document | dict)
    if large:
        blocks = _markup_blocks(root, cites, comment_texts)
    else:
        result = _trafilatura(root, url)
        if result is None or result.body is None or not "".join(result.body.itertext()).strip():
            # trafilatura finds nothing in some pre-parsed trees where it finds the article in the same
            # markup given as a string (its own parse differs): the tree, comments taken out, as a string
            import lxml.html

            retry = _trafilatura(lxml.html.tostring(root, encoding="unicode"), url)
            result = retry if retry is not None else result
        blocks = (
            _main_blocks(result.body, cites, comment_texts)
            if result is not None and result.body is not None
            else []
        )
    site_names = [n for n in (og_site, result.sitename if result is not None else None) if n]
    host = url_host(url or og_url or (result.url if result is not None else None))
    if host:
        site_names.append(host.rsplit(".", 1)[0].rsplit(".", 1)[-1])  # "www.techcrunch.com" -> "techcrunch"
    title_site = None
    if page_title:
        page_title, title_site = split_site_name(page_title, site_names)
    meta_title = (result.title if result is not None else None) or page_title
    if meta_title:
        meta_title, site_of_meta = split_site_name(meta_title, site_names)
        title_site = title_site or site_of_meta
    builder = _Builder([], [])
    if (
        blocks
        and blocks[0][1] == "paragraph"
        and blocks[0][2].get("heading")
        and (
            meta_title is None or _norm(blocks[0][0]) == _norm(meta_title) or blocks[0][2]["heading"] == "h1"
        )
    ):
        title_text: str | None = blocks.pop(0)[0]
    else:
        title_text = meta_title
    if title_site is None and title_text:
        title_site = _site_after_headline(" ".join((root.findtext(".//title") or "").split()), title_text)
    if not any(_prose(text) for text, _, _ in blocks):
        blocks = []  # menu labels and button text ("Home", "Sign in") that trafilatura fell back to
    if not blocks and not thread:
        titled = f"; title: {title_text!r}" if title_text else ""
        raise NoContentError(
            f"{name}: no article text or comments found in the HTML ({len(source.content):,} characters of "
            f"markup{titled}); it may be an index page, a login wall or a page rendered by JavaScript"
        )
    if title_text:
        builder.add(title_text, "title")
    for text, kind, attrs in blocks:
        builder.add(text, kind, attrs)
    for i, c in enumerate(thread):
        builder.add(
            c.text,
            "comment",
            {"index": i, "depth": c.depth, "parent": c.parent, "author": c.author, "time": c.time},
        )
    doc = Document(
        text="".join(builder.parts), id=getattr(source, "id", ""), url=url or og_url, title=title_text
    )
    doc.blocks = builder.blocks
    if flat.unwrapped:
        doc.warn(
            f"the markup nests {flat.depth:,} elements deep; the {flat.unwrapped:,} elements deeper than "
            f"{MAX_DEPTH} were unwrapped so that it could be parsed (their text is kept)"
        )
    if large:
        doc.warn(
            f"the page holds over {LARGE_TEXT_CHARS:,} characters of text: its paragraphs were taken "
            f"from the markup without article detection, so some navigation or boilerplate may remain"
        )
    page_url = doc.url or (result.url if result is not None else None)
    sitename = result.sitename if result is not None else None
    doc.site = og_site or title_site or sitename or url_host(page_url)
    doc.published = published or (result.date if result is not None else None)
    author = result.author if result is not None else None
    doc.metadata["author"] = author
    return doc
