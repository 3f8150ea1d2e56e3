"""Parse an HTML report back: which tags and attributes it holds, and the text of its blocks with the
layers highlighting each character (to prove overlapping spans are all drawn, and nothing else is)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: every element the report is allowed to contain; a page's markup must never add one
ALLOWED_TAGS = frozenset({
    "html", "head", "meta", "title", "style", "body", "input", "div", "header", "h1", "dl", "dt", "dd", "nav",
    "label", "span", "main", "aside", "details", "summary", "table", "thead", "tbody", "tr", "th", "td", "p",
    "ul", "li", "a", "script",
})


@dataclass
class Report:
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    #: per text block: list of (text, frozenset of highlighted layers)
    blocks: list[list[tuple[str, frozenset[str]]]] = field(default_factory=list)
    scripts: list[tuple[dict[str, str | None], str]] = field(default_factory=list)
    title_text: str = ""

    def block_text(self, i: int) -> str:
        return "".join(t for t, _ in self.blocks[i])

    def embedded(self) -> dict:
        (attrs, body), = self.scripts
        assert attrs.get("type") == "application/json"
        return json.loads(body)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.report = Report()
        self.stack: list[tuple[str, frozenset[str], bool, bool]] = []  # tag, layers, in caption, in block
        self.in_main = False
        self.script: tuple[dict[str, str | None], list[str]] | None = None
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.report.tags.append((tag, a))
        classes = (a.get("class") or "").split()
        layers = self.stack[-1][1] if self.stack else frozenset()
        caption = self.stack[-1][2] if self.stack else False
        in_block = self.stack[-1][3] if self.stack else False
        if tag == "main":
            self.in_main = True
        if self.in_main and tag == "div" and "block" in classes:
            self.report.blocks.append([])
            in_block = True
        layers = layers | {c[2:] for c in classes if c.startswith("l-")}
        caption = caption or "who" in classes
        if tag == "script":
            self.script = (a, [])
        if tag == "title":
            self.in_title = True
        if tag not in ("meta", "input"):
            self.stack.append((tag, layers, caption, in_block))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main = False
        if tag == "script" and self.script is not None:
            self.report.scripts.append((self.script[0], "".join(self.script[1])))
            self.script = None
        if tag == "title":
            self.in_title = False
        while self.stack:
            open_tag = self.stack.pop()[0]
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script[1].append(data)
            return
        if self.in_title:
            self.report.title_text += data
        if self.in_main and self.stack and self.stack[-1][3] and not self.stack[-1][2]:
            self.report.blocks[-1].append((data, self.stack[-1][1]))


def parse(html: str) -> Report:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.report
