"""From bytes of unknown origin to checked text: refuse binary data, find the encoding, sniff the format.

Order of trust for the encoding (what a browser does, minus guessing games): a byte-order mark, then strict
UTF-8 (most of the web), then the charset the server or the page declares, then UTF-8 with replacement
characters when the text is UTF-8 but for a few bad bytes (a truncated copy, one Latin-1 byte pasted in: the
rest must not turn into mojibake), then charset-normalizer's guess when its text looks like language. Bytes
that fit none of these are refused with the reason. What was decided, and why, is reported: the encoding
in the source's metadata, and a warning whenever it was not plain UTF-8 or declared.

Control characters are not text: a form feed or an ESC in a page must neither hide the page (refused as
"binary") nor reach a terminal. Stray ones are replaced one for one (form feed and vertical tab by a line
break, the others and lone surrogates by U+FFFD) with a warning; only input that is mostly control characters
is refused as binary.
"""

from __future__ import annotations

import codecs
import re

from unspun.errors import BinaryInputError, EmptyInputError, EncodingError, InputTooLargeError
from unspun.options import Options

# Magic numbers of formats people feed to a text tool by mistake; the name goes into the error message.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF file (extract its text first)"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.epub file)"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"BZh", "bzip2-compressed data (decompress it first)"),
    (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "a Windows executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 audio file"),
    (b"\xd0\xcf\x11\xe0", "a legacy Microsoft Office file"),
)
_RIFF = b"RIFF"  # WAV/AVI/WEBP containers: "RIFF" + size + kind

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control characters other than tab, newline and carriage return: text has almost none, binary data has
# many. Input is refused as binary only when more than this share of a sample are control characters (NUL
# included) *and* there are more than `MAX_STRAY_CONTROLS` of them: a few stray bytes are replaced instead.
MAX_CONTROL_CHAR_RATIO = 0.05
MAX_STRAY_CONTROLS = 16
_BINARY_SAMPLE = 200_000
# A UTF-8 text with a few bad bytes: decoded with U+FFFD for them when its valid multi-byte characters
# outnumber the bad sequences this many times (a Latin-1 text has no valid multi-byte characters at all),
# or when the page declares UTF-8 and under `MAX_BAD_UTF8_RATIO` of its bytes are bad.
MIN_UTF8_EVIDENCE = 4
MAX_BAD_UTF8_RATIO = 0.01
# Replacements of stray characters, one for one so that nothing moves: page breaks become line breaks.
_LINE_BREAK_CONTROLS = "\x0b\x0c"
REPLACEMENT = "\ufffd"
# charset-normalizer's "chaos" (0 = clean text, 1 = noise): above this its guess is not text we can trust.
MAX_CHAOS = 0.25
# charset-normalizer guesses whose chaos and coherence differ by less than this are a tie.
TIE_MARGIN = 0.01
# The part of a page searched for a <meta charset>: HTML requires it within the first 1024 bytes; we are
# lenient because pages put scripts and comments first.
_META_SCAN_BYTES = 8192
_SNIFF_CHARS = 4096

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What `clean_text` replaces: C0 controls but tab, newline and carriage return; DEL; lone surrogates.
_STRAY_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CT_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Labels that browsers (WHATWG Encoding) decode as windows-1252, a superset that never fails on 0x80-0x9f.
_WHATWG_CP1252 = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "us-ascii",
    "ascii",
    "cp819",
    "iso_8859-1",
}

_HTML_START_RE = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_HTML_TAG_RE = re.compile(
    r"</?(?:p|div|article|section|span|a|h[1-6]|blockquote|ul|ol|li|table|br|meta|"
    r"title|script|style|nav|header|footer|main|em|strong)\b[^>]*>",
    re.IGNORECASE,
)
# A plain-text post that mentions a tag or two stays text; markup has many tags.
MIN_HTML_TAGS = 4


def _too_large(size: int, *, name: str, options: Options) -> InputTooLargeError:
    return InputTooLargeError(
        f"{name}: input is {size / 1e6:.1f} MB, over the limit of {options.max_input_bytes / 1e6:.1f} MB "
        f"(raise max_input_bytes in a --config file to analyse it)"
    )


def check_text(text: str, *, name: str, options: Options) -> None:
    """Refuse text that is empty, too large, or binary data decoded as text."""
    if not text or not text.strip():
        raise EmptyInputError(
            f"{name}: the input is empty" if not text else f"{name}: the input is only whitespace"
        )
    # Cheap bounds first: a str of n characters encodes to between n and 4n UTF-8 bytes.
    if len(text) > options.max_input_bytes or (
        len(text) * 4 > options.max_input_bytes
        and len(text.encode("utf-8", "surrogatepass")) > options.max_input_bytes
    ):
        raise _too_large(len(text.encode("utf-8", "surrogatepass")), name=name, options=options)
    sample = text[:_BINARY_SAMPLE]
    visible = len(sample) - sum(sample.count(space) for space in " \t\n\r")
    _refuse_binary(len(_CONTROL_RE.findall(sample)), len(sample), visible, name=name, unit="characters")


def _refuse_binary(controls: int, size: int, visible: int, *, name: str, unit: str) -> None:
    """Refuse a sample of `size` units (`visible` of them not a space, tab or line break) holding
    `controls` control characters when they are not a few stray ones (`MAX_STRAY_CONTROLS`) but a share
    (`MAX_CONTROL_CHAR_RATIO`) that only binary data has, or when they are most of what is visible (an
    input of nothing but a few control bytes is not a page with a stray one)."""
    if (controls > MAX_STRAY_CONTROLS and controls > MAX_CONTROL_CHAR_RATIO * size) or 2 * controls > visible:
        raise BinaryInputError(
            f"{name}: {controls:,} of the first {size:,} {unit} are control characters or NUL; "
            f"this looks like binary data, not text"
        )


def clean_text(text: str) -> tuple[str, list[str]]:
    """`text` with stray control characters and lone surrogates replaced one for one (form feed and vertical
    tab by a line break, the rest by U+FFFD), and a warning per kind replaced that says how many and where."""
    first = _STRAY_RE.search(text)
    if first is None:
        return text, []
    counts = {"line": 0, "control": 0, "surrogate": 0}
    where: dict[str, int] = {}

    def replace(match: re.Match[str]) -> str:
        ch = match.group()
        kind = "line" if ch in _LINE_BREAK_CONTROLS else "surrogate" if ch >= "\ud800" else "control"
        counts[kind] += 1
        where.setdefault(kind, match.start())
        return "\n" if kind == "line" else REPLACEMENT

    cleaned = _STRAY_RE.sub(replace, text)
    described = {"line": ("form-feed or vertical-tab character(s)", "line breaks"),
                 "control": ("control character(s)", "U+FFFD"),
                 "surrogate": ("lone surrogate(s) (not Unicode text)", "U+FFFD")}
    warnings = [f"{counts[kind]:,} {what} replaced by {by} (first at character {where[kind]:,})"
                for kind, (what, by) in described.items() if counts[kind]]
    return cleaned, warnings


def sniff_format(text: str) -> str:
    """``"html"`` when the text is markup, else ``"text"``."""
    head = text[:_SNIFF_CHARS]
    if _HTML_START_RE.match(head):
        return "html"
    if head.lstrip().startswith("<") and _HTML_TAG_RE.search(head):
        return "html"
    return "html" if len(_HTML_TAG_RE.findall(head)) >= MIN_HTML_TAGS else "text"


def _binary_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(_RIFF) and data[8:12] in (b"WAVE", b"AVI ", b"WEBP"):
        return "a media file (RIFF)"
    return None


def _codec(label: str) -> str | None:
    """A Python codec name for a declared charset label, or None if Python does not know it."""
    label = label.strip().lower()
    if label in _WHATWG_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _declared_charsets(data: bytes, content_type: str | None) -> list[str]:
    labels: list[str] = []
    if content_type:
        match = _CT_CHARSET_RE.search(content_type)
        if match:
            labels.append(match.group(1))
    meta = _META_CHARSET_RE.search(data[:_META_SCAN_BYTES])
    if meta:
        labels.append(meta.group(1).decode("ascii", "replace"))
    return labels


def decode_bytes(
    data: bytes, *, name: str, options: Options, content_type: str | None = None
) -> tuple[str, str]:
    """Decode `data` to text; returns ``(text, encoding)`` or raises a refusal that says why."""
    text, encoding, _ = decode_bytes_reported(data, name=name, options=options, content_type=content_type)
    return text, encoding


def decode_bytes_reported(
    data: bytes, *, name: str, options: Options, content_type: str | None = None
) -> tuple[str, str, list[str]]:
    """`decode_bytes`, with the warnings that report what was decided (replacement characters, a guess)."""
    if not data or not data.strip():
        raise EmptyInputError(
            f"{name}: the input is empty" if not data else f"{name}: the input is only whitespace"
        )
    if len(data) > options.max_input_bytes:
        raise _too_large(len(data), name=name, options=options)
    kind = _binary_kind(data)
    if kind:
        raise BinaryInputError(f"{name}: this is {kind}, not text or HTML")
    text, encoding, warnings = _decode(data, name=name, content_type=content_type)
    check_text(text, name=name, options=options)
    return text, encoding, warnings


def _utf8_with_replacements(data: bytes, declared_utf8: bool) -> tuple[str, int] | None:
    """The text of mostly-UTF-8 `data`, bad bytes as U+FFFD, and how many bad sequences; None when the
    bytes are not UTF-8 with a few errors but another encoding."""
    text = data.decode("utf-8", "replace")
    bad = text.count(REPLACEMENT) - data.count(REPLACEMENT.encode())
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
    if multibyte >= MIN_UTF8_EVIDENCE * bad or (declared_utf8 and bad <= MAX_BAD_UTF8_RATIO * len(data)):
        return text, bad
    return None


def _decode(data: bytes, *, name: str, content_type: str | None) -> tuple[str, str, list[str]]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding), encoding, []
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"{name}: starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (at byte {exc.start + len(bom)})"
                ) from exc
    sample = data[:_BINARY_SAMPLE]
    visible = len(sample) - sum(sample.count(space) for space in b" \t\n\r")
    _refuse_binary(len(_CONTROL_BYTES_RE.findall(sample)), len(sample), visible, name=name, unit="bytes")
    try:
        return data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    declared = [(label, _codec(label)) for label in _declared_charsets(data, content_type)]
    declared_utf8 = any(codec is not None and codec.replace("_", "-") in ("utf-8", "utf8")
                        for _, codec in declared)
    for _label, codec in declared:
        if codec is None or codec.replace("_", "-") in ("utf-8", "utf8"):
            continue  # unknown label, or the UTF-8 it claims already failed
        try:
            return data.decode(codec), codec, []
        except UnicodeDecodeError:
            continue
    mostly_utf8 = _utf8_with_replacements(data, declared_utf8)
    if mostly_utf8 is not None:
        text, bad = mostly_utf8
        return text, "utf-8", [
            f"the input is UTF-8 but for {bad:,} invalid byte sequence(s) (first: byte 0x"
            f"{data[utf8_error.start]:02x} at offset {utf8_error.start:,}), replaced by U+FFFD"
            + (" (the page declares UTF-8)" if declared_utf8 else "")
        ]
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is not None:
        # Ties between single-byte encodings are common (cp1250 vs cp1252 on French text); windows-1252 is
        # what the web means by an undeclared legacy page (WHATWG), so it wins a tie.
        tied = [
            m
            for m in matches
            if m.chaos <= best.chaos + TIE_MARGIN and m.coherence >= best.coherence - TIE_MARGIN
        ]
        best = next((m for m in tied if m.encoding == "cp1252"), best)
    if best is not None and best.chaos <= MAX_CHAOS and best.encoding:
        guessed = [f"the input is not UTF-8 and declares no usable charset; decoded as {best.encoding} "
                   f"(charset-normalizer's guess)"]
        if declared_utf8:
            guessed = [f"the page declares UTF-8 but is not (byte 0x{data[utf8_error.start]:02x} at offset "
                       f"{utf8_error.start:,}, and many more); decoded as {best.encoding} "
                       f"(charset-normalizer's guess)"]
        return str(best), best.encoding, guessed
    raise EncodingError(
        f"{name}: not valid UTF-8 (byte 0x{data[utf8_error.start]:02x} at offset {utf8_error.start}), "
        f"no usable charset declared, and no other encoding makes it readable text; convert it to UTF-8 "
        f"first"
    )
