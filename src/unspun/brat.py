"""brat standoff (`.ann`): the annotation format of PolNeAR and of the `--format brat` output.

A `.ann` file sits beside a `.txt` file and annotates it with numbered lines (brat's documentation,
"Standoff format"):

    T3	Content 22 51	Hillary Clinton for president        text-bound: type, fragments, covered text
    T5	Source 0 5;10 15	Kay  Alvarez                        a discontinuous span: fragments joined by ';'
    E1	Attribution:T4 Content:T3 Cue:T2 Source:T1           event: trigger, then role:id arguments
    R1	Carrier Arg1:T3 Arg2:T9                              binary relation
    A1	Kind E1 direct                                       attribute of an annotation (value optional)
    #1	AnnotatorNotes T3	free text                        note on an annotation

The covered text of a text-bound line is written as it is in the `.txt`; a span that crosses a line break
therefore continues the `.ann` line on the next physical line(s). `parse` reads such continuations (and
skips them when reading ids), so it reads PolNeAR's files as they are. Offsets are Python `str` indices
(code points), as brat's are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from unspun.errors import BratError

__all__ = ["Annotations", "Attribute", "BratError", "Event", "Relation", "TextBound", "parse", "write"]

Fragments = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class TextBound:
    id: str
    type: str
    fragments: Fragments

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    trigger: str  # id of the trigger text-bound
    args: tuple[tuple[str, str], ...]  # (role, annotation id), in file order


@dataclass(frozen=True)
class Relation:
    id: str
    type: str
    arg1: str
    arg2: str


@dataclass(frozen=True)
class Attribute:
    id: str
    type: str
    target: str
    value: str | None = None


@dataclass
class Annotations:
    """The annotations of one `.ann` file, by kind, in file order."""

    textbounds: dict[str, TextBound] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    attributes: dict[str, Attribute] = field(default_factory=dict)
    notes: dict[str, tuple[str, str]] = field(default_factory=dict)  # note id -> (target id, text)

    def attribute_of(self, target: str, type: str) -> str | None:
        for a in self.attributes.values():
            if a.target == target and a.type == type:
                return a.value if a.value is not None else "true"
        return None

    def note_of(self, target: str) -> str | None:
        for t, text in self.notes.values():
            if t == target:
                return text
        return None


_TEXTBOUND = re.compile(r"^(T\d+)\t(\S+) (\d+ \d+(?:;\d+ \d+)*)(?:\t|$)")
_EVENT = re.compile(r"^(E\d+)\t(\S+):(\S+)((?: \S+:\S+)*) *$")
_RELATION = re.compile(r"^(R\d+)\t(\S+) Arg1:(\S+) Arg2:(\S+) *$")
_ATTRIBUTE = re.compile(r"^([AM]\d+)\t(\S+) (\S+)(?: (\S+))? *$")
_NOTE = re.compile(r"^(#\d+)\t\S+ (\S+)\t(.*)$")
_ID = re.compile(r"^[TERAMN#*]\d*\t")


def parse(ann: str, text: str | None = None) -> Annotations:
    """Read a `.ann` file's content. With `text` (the `.txt`), fragments are checked against it.

    Lines that continue a multi-line text-bound's covered text are skipped; any other line that is not a
    known annotation raises `BratError` naming its line number."""
    out = Annotations()
    for n, line in enumerate(ann.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if m := _TEXTBOUND.match(line):
            frags = tuple((int(a), int(b)) for a, b in (f.split(" ") for f in m.group(3).split(";")))
            if any(a > b for a, b in frags) or (text is not None and frags[-1][1] > len(text)):
                raise BratError(f"line {n}: {m.group(1)} has fragments {frags} outside the text")
            out.textbounds[m.group(1)] = TextBound(m.group(1), m.group(2), frags)
        elif m := _EVENT.match(line):
            args = tuple(tuple(a.split(":", 1)) for a in m.group(4).split())
            out.events[m.group(1)] = Event(m.group(1), m.group(2), m.group(3), args)  # type: ignore[arg-type]
        elif m := _RELATION.match(line):
            out.relations[m.group(1)] = Relation(*m.groups())
        elif m := _ATTRIBUTE.match(line):
            out.attributes[m.group(1)] = Attribute(*m.groups())
        elif m := _NOTE.match(line):
            out.notes[m.group(1)] = (m.group(2), m.group(3))
        elif _ID.match(line):
            raise BratError(f"line {n}: not a brat annotation: {line[:80]!r}")
        # else: the continuation of a text-bound whose covered text crosses a line break
    return out


#: what ends a line for brat's own reader (Python's `splitlines`), besides "\n" and "\r"
UNICODE_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile(f"[\r\n{UNICODE_LINE_BREAKS}]")


def line_fragments(text: str, start: int, end: int) -> Fragments:
    """The fragments brat makes of the range `start:end` of `text`: one per line, line breaks left out.

    brat reads an `.ann` line by line and checks each text-bound's covered text against the `.txt`, so a
    range that crosses a line break cannot be one fragment (its annotation tool splits such a selection the
    same way). A range with no text but line breaks keeps its start as an empty fragment."""
    frags = []
    pos = start
    for m in _LINE_BREAK.finditer(text, start, end):
        if m.start() > pos:
            frags.append((pos, m.start()))
        pos = m.end()
    if end > pos:
        frags.append((pos, end))
    return tuple(frags) or ((start, start),)


def _one_line(text: str) -> str:
    # the covered text is informative only (brat reads the offsets): a line break would start a new line,
    # and brat's reader (codecs, splitlines) breaks on the Unicode line separators too
    return _LINE_BREAK.sub(" ", text)


def write(ann: Annotations, text: str) -> str:
    """The `.ann` content of `ann` over `text` (covered text written on one line each).

    A fragment that crosses a line break has its covered text flattened, which brat itself refuses (it
    compares the covered text with the `.txt`): give brat `line_fragments`."""
    lines = []
    for t in ann.textbounds.values():
        frags = ";".join(f"{a} {b}" for a, b in t.fragments)
        covered = " ".join(text[a:b] for a, b in t.fragments)
        lines.append(f"{t.id}\t{t.type} {frags}\t{_one_line(covered)}")
    for e in ann.events.values():
        args = "".join(f" {role}:{ref}" for role, ref in e.args)
        lines.append(f"{e.id}\t{e.type}:{e.trigger}{args}")
    for r in ann.relations.values():
        lines.append(f"{r.id}\t{r.type} Arg1:{r.arg1} Arg2:{r.arg2}")
    for a in ann.attributes.values():
        lines.append(f"{a.id}\t{a.type} {a.target}" + (f" {a.value}" if a.value is not None else ""))
    for note_id, (target, note) in ann.notes.items():
        lines.append(f"{note_id}\tAnnotatorNotes {target}\t{_one_line(note)}")
    return "\n".join(lines) + ("\n" if lines else "")
