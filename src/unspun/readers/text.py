"""Plain text to a `Document`: the text is kept exactly as given, and layout blocks point into it.

Copied web pages keep their layout in blank lines, indentation and markers: a short first line followed by
a blank line is the title; blank-line separated paragraphs are the body; a trailing run of marked items
("• Name says:", "1.", "#3", "↳") is the comment thread. Markers, author lines, times and action lines
("Reply", "12 points") stay outside the comment blocks, so a comment block is only what the commenter wrote.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from unspun.document import Block, Document

# A title is one short line: headlines are rarely longer than this.
TITLE_MAX_CHARS = 160
TITLE_MAX_WORDS = 25
# An author name is a handle or a few words ("Fred M.", "J. Ortega", "dockhand99").
AUTHOR_MAX_WORDS = 4
AUTHOR_MAX_CHARS = 60
# Indentation that marks a copied comment thread (web pages indent the comment list).
THREAD_INDENT = 2


@dataclass(slots=True)
class Line:
    start: int  # offset of the first character of the line
    text: str  # without the line break (and without a trailing \r)
    indent: int  # leading spaces (a tab counts 4)

    @property
    def blank(self) -> bool:
        return not self.text.strip()

    @property
    def content_start(self) -> int:
        return self.start + len(self.text) - len(self.text.lstrip())

    @property
    def content_end(self) -> int:
        return self.start + len(self.text.rstrip())


@dataclass(slots=True)
class Paragraph:
    lines: list[Line]
    gap_before: int  # blank lines before it (0 for the first paragraph)


@dataclass(slots=True)
class Header:
    """What a comment's first line says about it, and where its own text starts."""

    marker: str | None
    reply: bool
    author: str | None
    time: str | None
    text_start: int | None  # offset of the comment text on this line, None when the line is only a header
    #: only "Name: text" says it is a header (weak: "Paper here: https://…" reads the same)
    by_colon: bool = False


@dataclass(slots=True)
class _Comment:
    indent: int
    reply: bool
    author: str | None
    time: str | None
    pieces: list[tuple[int, int]] = field(default_factory=list)


@cache
def comment_conventions() -> dict[str, Any]:
    """The comment-thread conventions data file (shared with the HTML reader)."""
    text = resources.files("unspun.data").joinpath("structure_comments.json").read_text("utf-8")
    return json.loads(text)


def _any_re(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    conv = comment_conventions()
    bullets = "".join(re.escape(b) for b in conv["bullet_markers"])
    replies = "".join(re.escape(b) for b in conv["reply_markers"])
    verbs = "|".join(conv["author_verbs"])
    times = "|".join(f"(?:{t})" for t in conv["times"])
    return {
        "marker": re.compile(
            rf"^(?P<reply>[{replies}])?\s*(?P<marker>[{bullets}](?=\s)|\d{{1,4}}[.)](?=\s)|#\d{{1,6}}\b)?"
            rf"\s*(?P<reply2>[{replies}])?\s*"
        ),
        "reply": re.compile(rf"^[{replies}]\s*"),
        "author_verb": re.compile(
            rf"^(?P<author>[^\s:][^:]{{0,{AUTHOR_MAX_CHARS}}}?)\s+(?:{verbs})\s*:\s*(?P<after>.*)$",
            re.IGNORECASE,
        ),
        "author_on_time_verb": re.compile(
            rf"^(?P<author>[^\s:].{{0,{AUTHOR_MAX_CHARS}}}?)\s+(?:on|at|[·|•—–-])\s+(?P<time>{times})\s+"
            rf"(?:{verbs})\s*:\s*(?P<after>.*)$",
            re.IGNORECASE,
        ),
        "author_colon": re.compile(
            rf"^(?P<author>[^\s:][^:]{{0,{AUTHOR_MAX_CHARS}}}?)\s*:(?:\s+(?P<after>\S.*))?$"
        ),
        "author_time": re.compile(
            rf"^(?P<author>[^·|•]{{1,{AUTHOR_MAX_CHARS}}}?)\s*[·|•—–-]\s*(?P<time>{times})\s*$", re.IGNORECASE
        ),
        "time_full": re.compile(rf"^\s*(?:posted\s+|on\s+)?(?P<time>{times})\s*$", re.IGNORECASE),
        "time_lead": re.compile(rf"^(?:on\s+)?(?P<time>{times})\s*[·|•—–:-]?\s*", re.IGNORECASE),
        "heading": _any_re(conv["headings"]),
        "action": _any_re(conv["action_lines"]),
        "boilerplate": _any_re(conv["boilerplate_lines"]),
        "reply_to": re.compile(
            rf"^[{replies}]?\s*(?:in\s+)?reply\s+to\s+(?P<who>.{{1,60}}?)\s*:?\s*$", re.IGNORECASE
        ),
    }


def split_lines(text: str) -> list[Line]:
    lines = []
    for match in re.finditer(r"[^\n]*\n|[^\n]+$", text):
        raw = match.group().rstrip("\n").rstrip("\r")
        stripped = raw.lstrip(" \t")
        indent = sum(4 if c == "\t" else 1 for c in raw[: len(raw) - len(stripped)])
        lines.append(Line(match.start(), raw, indent))
    return lines


def split_paragraphs(lines: list[Line]) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    current: list[Line] = []
    gap = 0
    for line in lines:
        if line.blank:
            if current:
                paragraphs.append(Paragraph(current, gap))
                current, gap = [], 0
            gap += 1
        else:
            if not current and not paragraphs:
                gap = 0
            current.append(line)
    if current:
        paragraphs.append(Paragraph(current, gap))
    return paragraphs


def _looks_like_author(name: str) -> bool:
    words = name.split()
    if not words or len(words) > AUTHOR_MAX_WORDS or len(name) > AUTHOR_MAX_CHARS:
        return False
    # "Catherine (GiveWell)": an affiliation in parentheses may follow the name
    if name[-1] in ",;!?" or re.search(r"[\"“”()\[\]]", re.sub(r"\s+\([^()]{1,30}\)$", "", name)):
        return False
    # Names and handles start with a capital, a digit or '@' (handles), or are one lowercase handle.
    return bool(re.match(r"[@\w]", words[0])) and (
        words[0][0].isupper() or words[0][0] in "@" or len(words) == 1
    )


def parse_header(line: Line, *, in_thread: bool) -> Header | None:
    """The comment header on `line` (marker, author, time), or None if the line starts no comment."""
    pats = _patterns()
    body = line.text.strip()
    m = pats["marker"].match(body)
    marker = m.group("marker") if m else None
    reply = bool(m and (m.group("reply") or m.group("reply2")))
    rest_offset = line.content_start + (m.end() if m else 0)
    rest = body[m.end() :] if m else body
    author = time = None
    by_colon = False
    text_start: int | None = rest_offset
    if (am := pats["author_on_time_verb"].match(rest)) and _looks_like_author(am.group("author").strip()):
        author, time = am.group("author").strip(), am.group("time").strip()  # "NAME on DATE said:"
        after = am.group("after")
        text_start = rest_offset + len(rest) - len(after) if after.strip() else None
    elif (am := pats["author_verb"].match(rest)) and (
        _looks_like_author(am.group("author").strip())
        # a line that is only "NAME says:" is a header whatever the name ("smarter than you says:")
        or (not am.group("after").strip() and _looks_like_author(am.group("author").strip().capitalize()))
    ):
        author = am.group("author").strip()
        after = am.group("after")
        if (tm := pats["time_lead"].match(after)) and tm.group("time"):
            time = tm.group("time").strip()
            after = after[tm.end() :]
        text_start = rest_offset + len(rest) - len(after) if after.strip() else None
    elif (am := pats["author_time"].match(rest)) and _looks_like_author(am.group("author").strip()):
        author, time, text_start = am.group("author").strip(), am.group("time").strip(), None
    elif (
        (marker or reply or in_thread)
        and (am := pats["author_colon"].match(rest))
        and _looks_like_author(am.group("author").strip())
        and not pats["time_full"].match(am.group("author"))
    ):
        author = am.group("author").strip()
        text_start = rest_offset + am.start("after") if am.group("after") else None
        by_colon = True
    elif (
        (marker or reply)
        and _looks_like_author(rest)
        and not re.search(r"[.!?]$", rest)
        and len(rest.split()) <= AUTHOR_MAX_WORDS
        and marker
        and marker.startswith("#")
    ):
        author, text_start = rest, None  # "#1 Maria K" on its own line
    if marker is None and not reply and author is None:
        return None
    if author and pats["time_full"].match(author):
        return None
    return Header(marker, reply, author, time, text_start, by_colon)


def _paragraph_header(par: Paragraph, k: int, *, headed: bool) -> Header | None:
    """The header on line `k` of a thread paragraph: `parse_header`'s, or a name line followed by a time
    line ("SatanHimself" / "12.29.14 at 9:14 pm"); in a thread of "NAME says:" headers a bare "Name:" line
    is the comment going on, not a new one, and so is a bulleted line inside a paragraph."""
    line = par.lines[k]
    header = parse_header(line, in_thread=k == 0)
    if header is not None and headed and not header.reply and header.by_colon:
        return None  # "Paper here: https://…"
    if header is not None and k > 0 and not header.reply and not header.author:
        return None  # a bulleted list inside a comment's paragraph ("In favor of giving now:\n* It may …")
    if header is None and k == 0 and len(par.lines) >= 2:
        name = line.text.strip()
        if _looks_like_author(name) and not re.search(r"[.!?:]$", name) and _patterns()["time_full"].match(
            par.lines[1].text.strip()
        ):
            return Header(None, False, name, None, None)
    return header


def _is_chrome(line: Line) -> bool:
    pats = _patterns()
    body = line.text.strip()
    return bool(pats["action"].match(body) or pats["reply_to"].match(body))


def _is_heading(par: Paragraph) -> bool:
    return len(par.lines) == 1 and bool(_patterns()["heading"].match(par.lines[0].text.strip()))


def _thread_start(paragraphs: list[Paragraph], first_body: int) -> int:
    """Index of the first paragraph of the trailing comment thread (len(paragraphs) when there is none)."""
    for i in range(len(paragraphs) - 1, first_body - 1, -1):
        if _is_heading(paragraphs[i]):
            return i
    # The trailing run of paragraphs that look like thread items (headers, chrome, indented continuations).
    start = len(paragraphs)
    for i in range(len(paragraphs) - 1, first_body - 1, -1):
        par = paragraphs[i]
        first = par.lines[0]
        if parse_header(first, in_thread=False) or _is_chrome(first) or first.indent >= THREAD_INDENT:
            start = i
        else:
            break
    # It must begin with a header, and show a sign of being a thread rather than a list in the article.
    while start < len(paragraphs) and parse_header(paragraphs[start].lines[0], in_thread=False) is None:
        start += 1
    run = paragraphs[start:]
    if not run:
        return len(paragraphs)
    headers = [h for p in run for ln in p.lines if (h := parse_header(ln, in_thread=False))]
    signs = (
        any(h.author for h in headers)
        or any(h.reply or (h.marker or "").startswith("#") for h in headers)
        or any(_is_chrome(ln) for p in run for ln in p.lines)
        or all(p.lines[0].indent >= THREAD_INDENT for p in run)
    )
    return start if signs else len(paragraphs)


def _comments(paragraphs: list[Paragraph], start: int) -> list[_Comment]:
    comments: list[_Comment] = []
    current: _Comment | None = None
    pats = _patterns()
    # A thread whose comments open with a "NAME says:" header: a paragraph without one goes on the comment
    # above (comments of several paragraphs), instead of starting a comment of its own.
    headed = any(
        (h := _paragraph_header(par, 0, headed=False)) is not None and h.author and not h.by_colon
        for par in paragraphs[start:]
    )
    for par in paragraphs[start:]:
        if _is_heading(par):
            current = None
            continue
        for k, line in enumerate(par.lines):
            body = line.text.strip()
            if _is_chrome(line) or pats["boilerplate"].match(body):
                continue
            header = _paragraph_header(par, k, headed=headed)
            new_unmarked = (
                header is None
                and k == 0
                and (current is None or (line.indent <= current.indent and not (headed and current.author)))
            )
            if header is not None or new_unmarked:
                current = _Comment(
                    indent=line.indent,
                    reply=bool(header and header.reply),
                    author=header.author if header else None,
                    time=header.time if header else None,
                )
                comments.append(current)
                text_start = header.text_start if header else line.content_start
                if text_start is not None and text_start < line.content_end:
                    current.pieces.append((text_start, line.content_end))
                continue
            assert current is not None
            if not current.pieces and current.time is None and (tm := pats["time_full"].match(body)):
                current.time = tm.group("time").strip()
                continue
            current.pieces.append((line.content_start, line.content_end))
    return [c for c in comments if c.pieces]


def thread_attrs(comments: list[_Comment]) -> list[dict[str, Any]]:
    """Index, depth and parent of each comment, from indentation and reply markers (an indentation stack)."""
    attrs: list[dict[str, Any]] = []
    stack: list[tuple[int, int]] = []  # (indent, comment index)
    for i, c in enumerate(comments):
        indent = c.indent
        if c.reply and stack and indent <= stack[-1][0]:
            indent = stack[-1][0] + 1  # a reply marker nests under the comment before it
        while stack and stack[-1][0] >= indent:
            stack.pop()
        attrs.append(
            {
                "index": i,
                "depth": len(stack),
                "parent": stack[-1][1] if stack else None,
                "author": c.author,
                "time": c.time,
            }
        )
        stack.append((indent, i))
    return attrs


def _title_line(paragraphs: list[Paragraph]) -> Line | None:
    if len(paragraphs) < 2 or len(paragraphs[0].lines) != 1:
        return None
    line = paragraphs[0].lines[0]
    body = line.text.strip().lstrip("#").strip()
    if not body or len(body) > TITLE_MAX_CHARS or len(body.split()) > TITLE_MAX_WORDS:
        return None
    if body[-1] in ".,;:" and not body.endswith("..."):
        return None
    if parse_header(line, in_thread=False) is not None or _is_heading(paragraphs[0]):
        return None
    return line


def extract_text(source: Any) -> Document:
    """The `Document` of a plain-text source; its text is the source text, unchanged."""
    text: str = source.content
    doc = Document(text=text, id=getattr(source, "id", ""), url=getattr(source, "url", None))
    paragraphs = split_paragraphs(split_lines(text))
    title = _title_line(paragraphs)
    first_body = 0
    if title is not None:
        lead = len(title.text) - len(title.text.lstrip(" \t#"))
        doc.blocks.append(Block(title.start + lead, title.content_end, "title"))
        doc.title = text[title.start + lead : title.content_end]
        first_body = 1
    thread = _thread_start(paragraphs, first_body)
    boilerplate = _patterns()["boilerplate"]
    for par in paragraphs[first_body:thread]:
        if len(par.lines) == 1 and boilerplate.match(par.lines[0].text.strip()):
            continue
        doc.blocks.append(
            Block(
                par.lines[0].content_start,
                par.lines[-1].content_end,
                "paragraph",
                {"gap_before": par.gap_before, "indent": par.lines[0].indent},
            )
        )
    comments = _comments(paragraphs, thread) if thread < len(paragraphs) else []
    for comment, attrs in zip(comments, thread_attrs(comments), strict=True):
        doc.blocks.append(Block(comment.pieces[0][0], comment.pieces[-1][1], "comment", attrs))
    return doc
