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
from unspun.readers.nesting import MAX_DEPTH, Flattened, limit_nesting
from unspun.readers.text import comment_conventions

BLOCK_SEPARATOR = "\n\n"
# trafilatura's main-content search grows faster than linearly with the text (about 7 s for 6 MB of
# paragraphs, over a minute for 20 MB); above this much visible text we take the paragraphs from the markup
# ourselves, leaving out navigation, headers, footers and asides, and say so in a warning.
LARGE_TEXT_CHARS = 3_000_000
# A page whose every block is shorter than this and ends without a full stop has no article.
MIN_PROSE_WORDS = 4
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
    conv["_says"] = re.compile(rf"\s*\b(?:{verbs})\s*:?\s*$", re.IGNORECASE)
    conv["_heading"] = re.compile("|".join(f"(?:{p})" for p in conv["headings"]), re.IGNORECASE)
    conv["_action"] = re.compile("|".join(f"(?:{p})" for p in conv["action_lines"]), re.IGNORECASE)
    conv["_time"] = re.compile("|".join(f"(?:{p})" for p in conv["times"]), re.IGNORECASE)
    return conv


def _classes(el: Any) -> list[str]:
    return (el.get("class") or "").split()


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


def _comment_of(el: Any, nested: set[Any]) -> tuple[str, str | None, str | None]:
    """Text, author and time of one comment item; `nested` are the item's reply subtrees."""
    conv = _conv()
    author_el = _first(el, conv["html_author_classes"], nested)
    if author_el is None:
        author_el = next((a for a in el.iter() if a.get("itemprop") == "author" and a not in nested), None)
    author = flatten(author_el, nested).split("\n")[0] if author_el is not None else None
    if author:
        author = conv["_says"].sub("", author).strip() or None
    time_el = next((t for t in el.iter("time") if not any(a in nested for a in t.iterancestors())), None)
    time = None
    if time_el is not None:
        time = time_el.get("datetime") or flatten(time_el) or None
    else:
        time_el = _first(el, conv["html_time_classes"], nested)
        if time_el is not None:
            time = flatten(time_el) or None
    content = _first(el, conv["html_content_classes"], nested)
    if content is not None:
        text = flatten(content, nested)
    else:
        skip = set(nested)
        for cls in conv["html_meta_classes"]:
            skip.update(e for e in el.iter() if cls in [c.lower() for c in _classes(e)])
        for extra in (author_el, time_el):
            if extra is not None:
                skip.add(extra)
        text = flatten(el, skip)
    lines = [
        ln
        for ln in text.split("\n")
        if not conv["_action"].fullmatch(ln)
        and not conv["_heading"].fullmatch(ln)
        and not (time and ln == time)
        and not (author and conv["_says"].sub("", ln).strip() == author)
    ]
    return "\n".join(lines), author, time


def _depth_class(el: Any) -> int | None:
    for c in _classes(el):
        if m := re.fullmatch(r"depth-(\d+)", c):
            return int(m.group(1)) - 1
    depth = el.get("data-depth") or el.get("data-level")
    return int(depth) if depth and depth.isdigit() else None


def read_thread(root: Any) -> tuple[list[ThreadComment], list[Any]]:
    """The comments in the markup, in page order, and the top-level item elements (to remove them)."""
    items = [el for el in root.iter() if _tag(el) and _is_item(el)]
    if not items:
        items = _fallback_items(root)
    item_set = set(items)
    index = {el: i for i, el in enumerate(items)}
    comments: list[ThreadComment] = []
    for el in items:
        ancestors = [a for a in el.iterancestors() if a in item_set]
        nested = {d for d in el.iterdescendants() if d in item_set}
        children = set(nested)
        for cls in _conv()["html_children_classes"]:
            children.update(d for d in el.iterdescendants() if cls in [c.lower() for c in _classes(d)])
        text, author, time = _comment_of(el, children)
        comments.append(
            ThreadComment(text, author, time, len(ancestors), index[ancestors[0]] if ancestors else None)
        )
    keep = [i for i, c in enumerate(comments) if c.text]
    # Depth from "depth-N" classes when the markup is flat (some themes do not nest replies).
    if all(c.depth == 0 for c in comments) and any((_depth_class(el) or 0) > 0 for el in items):
        stack: list[int] = []
        for i, el in enumerate(items):
            depth = _depth_class(el) or 0
            del stack[depth:]
            comments[i].depth = len(stack)
            comments[i].parent = stack[-1] if stack else None
            stack.append(i)
    top = [el for el in items if not any(a in item_set for a in el.iterancestors())]
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


def _cites(root: Any) -> list[tuple[str, str]]:
    """(normalised text, cite URL) of each blockquote/q with a cite attribute."""
    out = []
    for el in root.iter("blockquote", "q"):
        cite = el.get("cite")
        if cite:
            out.append((_norm(flatten(el)), cite.strip()))
    return out


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
    body: Any, cites: list[tuple[str, str]], comment_texts: set[str]
) -> list[tuple[str, str, dict]]:
    """(text, kind, attrs) of the article's blocks, from trafilatura's XML body."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    heading = _conv()["_heading"]
    passage = -1

    def emit(text: str, kind: str, attrs: dict[str, Any]) -> None:
        text = text.strip()
        if not text or heading.fullmatch(text) or _norm(text) in comment_texts:
            return
        out.append((text, kind, attrs))

    def walk(el: Any, quote: dict[str, Any] | None) -> None:
        nonlocal passage
        tag = _tag(el)
        if tag == "quote" and quote is None:
            passage += 1
            norm = _norm(flatten(el))
            cite = next((c for t, c in cites if norm and (norm in t or t in norm)), None)
            attrs = {"cite": cite, "passage": passage}
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
    root: Any, cites: list[tuple[str, str]], comment_texts: set[str]
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


def extract_html(source: Any) -> Document:
    """The `Document` of an HTML source: title, article blocks, quoted passages with cite, comments."""
    import trafilatura

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
    comment_texts = {_norm(c.text) for c in thread}
    body = root.find("body")
    large = body is not None and len(body.text_content()) > LARGE_TEXT_CHARS
    result: Any = None  # trafilatura's Document (typed as Document | dict)
    if large:
        blocks = _markup_blocks(root, cites, comment_texts)
    else:
        result = trafilatura.bare_extraction(
            root,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_formatting=False,
            include_links=False,
        )
        blocks = (
            _main_blocks(result.body, cites, comment_texts)
            if result is not None and result.body is not None
            else []
        )
    meta_title = (result.title if result is not None else None) or page_title
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
    doc.site = og_site or (result.sitename if result is not None else None) or url_host(page_url)
    doc.published = published or (result.date if result is not None else None)
    author = result.author if result is not None else None
    doc.metadata["author"] = author
    return doc
