"""The brat rendering (`--format brat`): every layer as brat standoff, and the reading of it back into layers.

An annotator opens the `.txt` + `.ann` pair in brat, corrects unspun's output, and the corrected pair reads
back into the same layers (`read_brat`) — or, for the quotes layer, into our PolNeAR loader as training data.

- `.txt` is `Document.text` exactly (brat's offsets are code points, as Python's `str` indices are).
- A span that crosses a line break is written as brat writes one: a fragment per line, line breaks left
  out (brat reads the `.ann` line by line and compares each covered text with the `.txt`). It reads back
  as the range from its first fragment's start to its last's end: whole, unless it began or ended with a
  line break.
- A span of any layer but quotes is a text-bound annotation whose type names its layer and label
  (`type_name`: ``propaganda_Name_Calling-2c-Labeling``), with an AnnotatorNotes line holding its score,
  attrs and stage as JSON, so nothing is lost.
- The quotes layer is written as PolNeAR writes attributions: per quote a ``Content`` text-bound, its
  ``Source`` and ``Cue`` text-bounds, a trigger on the cue's range, and an event
  ``E1	Attribution:T4 Content:T3 Cue:T2 Source:T1`` (``Attribution-no-source`` without a speaker). A speaker,
  cue or trigger shared by several quotes is written once and referenced by each event. The kind
  (direct / indirect / mixed) is the event's ``Kind`` attribute; the rest of the attrs (carrying outlet,
  chain, voice, a resolved pronoun's antecedent), the score and the stage are the event's JSON note.
  A quote without a cue has its trigger on the content's range and no ``Cue`` argument.

docs/DECISIONS.md gives the reasons (the type-name encoding, events as PolNeAR writes them).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from unspun import brat
from unspun.brat import Annotations, BratError, Event, TextBound
from unspun.document import LAYERS, QUOTES, Document, Span

# -- the quotes layer's types, as PolNeAR names them ---------------------------------------------------
SOURCE = "Source"
CUE = "Cue"
CONTENT = "Content"
#: PolNeAR's second (third, …) fragment of a split content: `Content2:T9`
CONTENT_ROLE = re.compile(r"^Content\d*$")
ATTRIBUTION = "Attribution"
ATTRIBUTION_NO_SOURCE = "Attribution-no-source"
ATTRIBUTION_TYPES = (ATTRIBUTION, ATTRIBUTION_NO_SOURCE)
QUOTE_ROLE_TYPES = frozenset({SOURCE, CUE, CONTENT, *ATTRIBUTION_TYPES})
#: the event attribute that carries a quote's label
KIND = "Kind"
QUOTE_KINDS: tuple[str, ...] = ("direct", "indirect", "mixed")
#: quotes attrs that the events' arguments carry (every other attr goes into the event's note)
QUOTE_REFS = {"speaker": SOURCE, "cue": CUE}
#: the stage of a span an annotator added in brat (it has no note saying which stage wrote it)
ANNOTATOR_STAGE = "brat"

# -- type names: layer and label, reversibly, in brat's alphabet ----------------------------------------
#: characters a brat type name may hold (brat's `normalize_to_storage_form` turns any other into "_")
_PLAIN = re.compile(r"[A-Za-z0-9_]")
_ESCAPE = "-"
#: between the layer (which never holds a bare "_": it is escaped) and the label
SEPARATOR = "_"


def _encode(text: str, *, keep_underscore: bool) -> str:
    out = []
    for ch in text:
        if _PLAIN.match(ch) and (keep_underscore or ch != "_"):
            out.append(ch)
        elif ch == _ESCAPE:
            out.append(_ESCAPE * 2)
        else:
            out.append(f"{_ESCAPE}{ord(ch):x}{_ESCAPE}")
    return "".join(out)


_ESCAPED = re.compile(r"--|-([0-9a-f]+)-")


def _decode(name: str) -> str:
    def char(m: re.Match[str]) -> str:
        return _ESCAPE if m.group(0) == _ESCAPE * 2 else chr(int(m.group(1), 16))

    rest = _ESCAPED.sub("", name)
    if "-" in rest or not re.fullmatch(r"[A-Za-z0-9_]*", rest):
        raise ValueError(f"not an encoded name: {name!r}")
    return _ESCAPED.sub(char, name)


def type_name(layer: str, label: str) -> str:
    """The brat type of a span of `layer` labelled `label`: letters, digits, "_" and "-" only, and reversible.

    The layer comes first, then "_", then the label. In both, "-" is written "--" and every character
    brat does not allow is written "-<hex code point>-" (",": "-2c-"); in the layer, "_" is escaped too, so
    the first bare "_" ends it.

    >>> type_name("propaganda", "Name_Calling,Labeling")
    'propaganda_Name_Calling-2c-Labeling'
    >>> type_name("propaganda", "Flag-Waving")
    'propaganda_Flag--Waving'
    """
    return _encode(layer, keep_underscore=False) + SEPARATOR + _encode(label, keep_underscore=True)


def parse_type_name(name: str) -> tuple[str, str]:
    """The (layer, label) of a type written by `type_name`; `ValueError` for any other name."""
    layer, sep, label = name.partition(SEPARATOR)
    if not sep or not layer:
        raise ValueError(f"not a layer type: {name!r}")
    return _decode(layer), _decode(label)


# -- writing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BratFiles:
    """One document as brat reads it: the text and its annotations."""

    txt: str
    ann: str


class _Ids:
    """Annotation ids in brat's numbering (T1, T2, … E1, …); text-bounds shared by equal type and range."""

    def __init__(self, ann: Annotations, text: str) -> None:
        self.ann = ann
        self.text = text
        self.counts: dict[str, int] = {}
        self.shared: dict[tuple[str, int, int], str] = {}

    def next(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, 0) + 1
        return f"{prefix}{self.counts[prefix]}"

    def textbound(self, type: str, start: int, end: int, *, share: bool = False) -> str:
        key = (type, start, end)
        if share and key in self.shared:
            return self.shared[key]
        tid = self.next("T")
        self.ann.textbounds[tid] = TextBound(tid, type, brat.line_fragments(self.text, start, end))
        if share:
            self.shared[key] = tid
        return tid

    def note(self, target: str, value: dict[str, Any]) -> None:
        self.ann.notes[self.next("#")] = (target, _note_json(value))


def _note_json(value: dict[str, Any]) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    # JSON escapes "\n" and the control characters itself; the other line separators would end brat's line
    for ch in brat.UNICODE_LINE_BREAKS:
        text = text.replace(ch, f"\\u{ord(ch):04x}")
    return text


def _span_note(span: dict[str, Any], attrs: dict[str, Any]) -> dict[str, Any]:
    return {"score": span.get("score"), "attrs": attrs, "stage": span.get("stage", "")}


def render_brat(data: dict[str, Any]) -> BratFiles:
    """The `.txt` and `.ann` of one ``unspun/1`` analysis: every layer's spans (see the module docstring)."""
    text = data["document"]["text"]
    ann = Annotations()
    ids = _Ids(ann, text)
    for layer, spans in data.get("layers", {}).items():
        for span in spans:
            if layer == QUOTES:
                _write_quote(ids, span)
            else:
                tid = ids.textbound(type_name(layer, span["label"]), span["start"], span["end"])
                ids.note(tid, _span_note(span, span.get("attrs") or {}))
    return BratFiles(text, brat.write(ann, text))


def _write_quote(ids: _Ids, span: dict[str, Any]) -> None:
    attrs = dict(span.get("attrs") or {})
    speaker, cue = attrs.pop("speaker", None), attrs.pop("cue", None)
    # in PolNeAR's order: source, cue, content, then the trigger (on the cue's range) and the event
    source = ids.textbound(SOURCE, speaker["start"], speaker["end"], share=True) if speaker else None
    cue_id = ids.textbound(CUE, cue["start"], cue["end"], share=True) if cue else None
    content = ids.textbound(CONTENT, span["start"], span["end"])
    event_type = ATTRIBUTION if speaker else ATTRIBUTION_NO_SOURCE
    trigger_range = (cue["start"], cue["end"]) if cue else (span["start"], span["end"])
    trigger = ids.textbound(event_type, *trigger_range, share=True)
    args = [(CONTENT, content)]
    args += [(CUE, cue_id)] if cue_id else []
    args += [(SOURCE, source)] if source else []
    eid = ids.next("E")
    ids.ann.events[eid] = Event(eid, event_type, trigger, tuple(args))
    aid = ids.next("A")
    ids.ann.attributes[aid] = brat.Attribute(aid, KIND, eid, _encode(span["label"], keep_underscore=True))
    ids.note(eid, _span_note(span, attrs))


# -- reading back ----------------------------------------------------------------------------------------


def read_brat(txt: str, ann: str) -> Document:
    """A document with the layers of a `.txt` + `.ann` pair written by `render_brat` (and edited in brat).

    Spans read back with their labels, scores, attrs and stages; a span an annotator added (no note) has no
    score, no attrs and the stage ``brat``; a free-text note an annotator wrote is kept as ``attrs["note"]``.
    A moved span takes its new range; a discontinuous one (brat's fragments) reads as the range from its
    first fragment's start to its last's end. Text-bounds of the quotes layer that no event uses (a speaker
    left behind when its quote was deleted) carry nothing and are skipped. Anything else that does not fit
    the export raises `BratError`."""
    annotations = brat.parse(ann, txt)
    if annotations.relations:
        first = next(iter(annotations.relations.values()))
        raise BratError(f"{first.id}: relations ({first.type}) are not part of unspun's brat export")
    reader = _Reader(annotations, txt)
    doc = Document(text=txt)
    for tb in annotations.textbounds.values():
        if tb.type in QUOTE_ROLE_TYPES:
            continue
        try:
            layer, label = parse_type_name(tb.type)
        except ValueError:
            raise BratError(f"{tb.id}: type {tb.type!r} is neither a layer span (layer_label) nor a "
                            f"quotes role ({', '.join(sorted(QUOTE_ROLE_TYPES))})") from None
        score, attrs, stage = reader.note(tb.id)
        doc.add(layer, Span(tb.start, tb.end, label, score, attrs, stage))
    for event in annotations.events.values():
        doc.add(QUOTES, reader.quote(event))
    # in text order within each layer, as every analysis lists its spans
    for spans in doc.layers.values():
        spans.sort(key=lambda s: (s.start, -s.end))
    doc.layers = {name: doc.layers[name] for name in [*LAYERS, *doc.layers] if name in doc.layers}
    return doc


class _Reader:
    """One parsed `.ann` over its text, with each annotation's note and each event's Kind at hand."""

    def __init__(self, annotations: Annotations, txt: str) -> None:
        self.ann = annotations
        self.txt = txt
        # the first of each (brat keeps one; a hand-edited file may hold more)
        self.notes = {target: text for target, text in reversed(annotations.notes.values())}
        self.kinds = {a.target: a.value for a in reversed(annotations.attributes.values()) if a.type == KIND}

    def note(self, target: str) -> tuple[float | None, dict[str, Any], str]:
        """The score, attrs and stage an annotation's note holds (none: an annotator's annotation)."""
        note = self.notes.get(target)
        if note is None:
            return None, {}, ANNOTATOR_STAGE
        try:
            value = json.loads(note)
        except ValueError:
            value = None
        if not isinstance(value, dict) or not {"score", "attrs", "stage"} <= value.keys():
            return None, {"note": note}, ANNOTATOR_STAGE
        if not isinstance(value["attrs"], dict):
            raise BratError(f"{target}: the note's attrs are not an object: {note[:80]!r}")
        return value["score"], value["attrs"], str(value["stage"])

    def ref(self, tid: str) -> dict[str, Any]:
        tb = self.ann.textbounds[tid]
        return {"start": tb.start, "end": tb.end, "text": self.txt[tb.start : tb.end]}

    def quote(self, event: Event) -> Span:
        """The quotes span of one attribution event."""
        if event.type not in ATTRIBUTION_TYPES:
            raise BratError(f"{event.id}: event type {event.type!r} is not one of "
                            f"{', '.join(ATTRIBUTION_TYPES)}")
        roles: dict[str, list[str]] = {}
        for role, ref in event.args:
            if ref not in self.ann.textbounds:
                raise BratError(f"{event.id}: argument {role}:{ref} names no text-bound annotation")
            roles.setdefault(CONTENT if CONTENT_ROLE.match(role) else role, []).append(ref)
        unknown = set(roles) - {CONTENT, CUE, SOURCE}
        if unknown or len(roles.get(CUE, [])) > 1 or len(roles.get(SOURCE, [])) > 1:
            raise BratError(f"{event.id}: an attribution has Content, at most one Cue and at most one Source "
                            f"(roles: {', '.join(role for role, _ in event.args)})")
        if CONTENT not in roles:
            raise BratError(f"{event.id}: an attribution without a Content")
        contents = [self.ann.textbounds[t] for t in roles[CONTENT]]
        start, end = min(t.start for t in contents), max(t.end for t in contents)
        score, attrs, stage = self.note(event.id)
        kind = self.kinds.get(event.id)
        from unspun.stages.quotes import kind_of  # the stage's own rule, for an event an annotator added

        try:
            label = _decode(kind) if kind is not None else kind_of(self.txt[start:end])
        except ValueError:
            raise BratError(f"{event.id}: {KIND} {kind!r} is not a label written by the export") from None
        refs = {attr: self.ref(roles[role][0]) if role in roles else None
                for attr, role in QUOTE_REFS.items()}
        return Span(start, end, label, score, {**refs, **attrs}, stage)


# -- the project's configuration: what brat needs to show and edit the types ------------------------------


def known_labels() -> dict[str, tuple[str, ...]]:
    """The labels each layer can take, as far as the package declares them (documents add the rest)."""
    from unspun import document as d
    from unspun.heads import HATE_LABELS, PROPAGANDA_TECHNIQUES

    return {d.STRUCTURE: (d.TITLE, d.EDITORIAL, d.QUOTED, d.COMMENT), d.SENTENCES: ("sentence",),
            d.OUTLETS: ("outlet",), d.PROPAGANDA: PROPAGANDA_TECHNIQUES, d.HATE: HATE_LABELS,
            d.CLAIMS: ("check_worthy",)}


def layer_labels(data: dict[str, Any], labels: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Per layer (quotes apart), `labels` (by default the known ones) and those `data` uses, in a stable
    order: the configuration of a directory grows with each analysis written into it."""
    labels = {layer: list(names) for layer, names in (labels or known_labels()).items()}
    for layer, spans in data.get("layers", {}).items():
        if layer == QUOTES:
            continue
        names = labels.setdefault(layer, [])
        names.extend(label for label in dict.fromkeys(s["label"] for s in spans) if label not in names)
    order = {name: i for i, name in enumerate(LAYERS)}
    return {layer: labels[layer] for layer in sorted(labels, key=lambda n: (order.get(n, len(order)), n))}


def annotation_conf(labels: dict[str, list[str]]) -> str:
    """brat's `annotation.conf` for the export: the layers' types (grouped per layer), the quotes layer's
    roles, events and Kind attribute; any span may overlap any other (layers overlap by design)."""
    lines = ["# unspun's brat export (generated by `unspun analyze --format brat`; see the README)", "",
             "[entities]", SOURCE, CUE, CONTENT]
    for layer, names in labels.items():
        lines.append(f"!{_encode(layer, keep_underscore=False)}")
        lines += [f"\t{type_name(layer, label)}" for label in names]
    kinds = "|".join(_encode(k, keep_underscore=True) for k in QUOTE_KINDS)
    lines += [
        "", "[relations]", "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
        "", "[events]",
        f"{ATTRIBUTION}\t{CONTENT}:{CONTENT}, {CUE}?:{CUE}, {SOURCE}:{SOURCE}",
        f"{ATTRIBUTION_NO_SOURCE}\t{CONTENT}:{CONTENT}, {CUE}?:{CUE}",
        "", "[attributes]", f"{KIND}\tArg:<EVENT>, Value:{kinds}",
    ]
    return "\n".join(lines) + "\n"


#: brat's own defaults for what the drawing section does not name (a visual.conf replaces them all)
VISUAL_DEFAULTS = ["SPAN_DEFAULT\tfgColor:black, bgColor:lightgreen, borderColor:darken",
                   "ARC_DEFAULT\tcolor:black, arrowHead:triangle-5"]


def brat_json(data: dict[str, Any]) -> dict[str, str]:
    """One analysis's brat files as one object (`POST /v1/brat`): txt, ann, annotation_conf, visual_conf."""
    files, labels = render_brat(data), layer_labels(data)
    return {"txt": files.txt, "ann": files.ann, "annotation_conf": annotation_conf(labels),
            "visual_conf": visual_conf(labels)}


def _visual_label(text: str) -> str:
    return text.replace("|", "/").replace("\t", " ")


def visual_conf(labels: dict[str, list[str]]) -> str:
    """brat's `visual.conf`: each type shown as "layer: label", coloured as the HTML report colours it."""
    from unspun.render.html import LABEL_COLOURS, LAYER_COLOURS

    lines = ["[labels]"]
    drawing = ["[drawing]"]
    for layer, names in labels.items():
        for label in names:
            name = type_name(layer, label)
            lines.append(f"{name} | {_visual_label(f'{layer}: {label}')} | {_visual_label(label)}")
            colour = LABEL_COLOURS.get((layer, label), LAYER_COLOURS.get(layer))
            if colour:
                drawing.append(f"{name}\tbgColor:{colour}")
    quote_colour = LAYER_COLOURS[QUOTES]
    drawing += [f"{role}\tbgColor:{quote_colour}" for role in (SOURCE, CUE, CONTENT, *ATTRIBUTION_TYPES)]
    drawing += VISUAL_DEFAULTS
    return "\n".join([*lines, "", *drawing]) + "\n"
