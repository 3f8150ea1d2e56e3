"""Page text made inert for the renderings a person reads: no control sequence or direction override acts.

A page can carry ESC/OSC sequences (retitle a terminal, clear the screen, fake red text), C1 controls (a CSI
in one byte), a carriage return that overwrites a line, or a U+202E override that reverses what follows in
an HTML report. The terminal, Markdown and HTML renderings show each such character as a visible stand-in,
one character for one, so span offsets still index the shown text; the JSON keeps the text as it was read.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional controls (embeddings, overrides,
# isolates, and the marks that can flip neutral characters).
_UNSAFE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: what a bidirectional or C1 control is shown as
STAND_IN = "\ufffd"
_DEL_PICTURE = "\u2421"
_C0_PICTURES = 0x2400  # U+2400..U+241F: "control pictures" (ESC shows as a visible symbol)


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(_C0_PICTURES + code)
    return _DEL_PICTURE if code == 0x7F else STAND_IN


def inert(text: str) -> str:
    """`text` with every control and bidirectional-override character replaced by a visible stand-in."""
    return _UNSAFE_RE.sub(_stand_in, text) if _UNSAFE_RE.search(text) else text


def inert_data(value: Any) -> Any:
    """A copy of an analysis object (or any JSON-like value) with every string made `inert`."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert(k) if isinstance(k, str) else k: inert_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [inert_data(v) for v in value]
    return value


def is_inert(text: str) -> bool:
    """Whether `text` holds no character that `inert` would replace (what the renderings guarantee)."""
    return _UNSAFE_RE.search(text) is None
