"""Which language a document is in (ISO 639-1), with py3langid, loaded once per process, and whether the
English-only layers should run on it.

Decision on short text: a few words are not enough for any identifier to be sure, and the stages that only
work on English would be skipped on a wrong guess. Text with fewer than `MIN_LETTERS` letters is therefore
taken as English (``"en"``) unless langid is confident (probability >= `SHORT_TEXT_MIN_PROB`) that it is
another language; text with no letters at all (numbers, emoji) is ``"en"`` too, because there is nothing for
a language-specific stage to get wrong. Longer text gets langid's best guess.

Decision against evasion: skipping the English-only layers (hate, entities, the encoder's heads) on a wrong
guess hides exactly what a moderation tool exists to show, and an adversary can steer the guess (one
3,000-character token made a page "Maltese"). So the identifier reads prose only — URLs, e-mail addresses,
code-like tokens and tokens longer than `MAX_WORD_CHARS` are dropped first — and the English-only layers run
whenever English is *plausible*: the best guess is English; English has some probability
(`PLAUSIBLE_ENGLISH_PROB`); English function words make up a share of the words (`FUNCTION_WORD_SHARE`); or
any paragraph or comment of the page is English by the same tests (a comment thread can mix languages). The
decision, its confidence and the segments in another language are recorded in the document's metadata
(`language_detection`), and a warning says what ran on what.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unspun.document import Block, Document

# Below this many letters the identifier's guess is unreliable (it sees one or two words).
MIN_LETTERS = 20
# A short text is called non-English only when langid is this sure.
SHORT_TEXT_MIN_PROB = 0.95
# Identification needs a sample, not a 20 MB page: the first characters of prose carry the article.
SAMPLE_CHARS = 20_000
DEFAULT_LANGUAGE = "en"
# Words longer than this are not prose (hashes, base64, URLs without a scheme, a padding token).
MAX_WORD_CHARS = 30
# English is plausible when langid gives it at least this probability (it gave "Gay people are disgusting
# perverts." 0.06 behind Italian and Romanian)...
PLAUSIBLE_ENGLISH_PROB = 0.05
# ... or when at least this share of the words are English function words (and at least
# `MIN_FUNCTION_WORDS` of them in texts of 20 words or more).
FUNCTION_WORD_SHARE = 0.12
MIN_FUNCTION_WORDS = 3
# Segments (paragraphs, comments) are identified one by one when they hold this many letters; a segment
# is reported in another language when langid is this sure of it.
SEGMENT_MIN_LETTERS = 40
SEGMENT_REPORT_PROB = 0.9
# Segments looked at per document: a page with more is taken as plausibly English (run, don't skip) beyond.
MAX_SEGMENTS = 2_000
# A segment whose English function words already make English plausible needs no identifier; the others
# are identified (a few milliseconds each) up to this many per document, the rest counted as unidentified.
MAX_IDENTIFIED_SEGMENTS = 50

_LETTER_RE = re.compile(r"[^\W\d_]")
_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_NOT_PROSE_RE = re.compile(
    r"(?:https?://|www\.)\S+"  # URLs
    r"|\S+@\S+\.\S+"  # e-mail addresses
    r"|\S*[{}<>=;\\|`$#^~]\S*"  # code-like tokens
    rf"|\S{{{MAX_WORD_CHARS + 1},}}"  # overlong tokens
)


@cache
def load_identifier() -> Any:
    """The language identifier, loaded once per process."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(MODEL_FILE, norm_probs=True)


@cache
def english_function_words() -> frozenset[str]:
    path = resources.files("unspun.data").joinpath("english_function_words.json")
    data = json.loads(path.read_text("utf-8"))
    return frozenset(data["words"])


def prose(text: str) -> str:
    """`text` without what is not prose: URLs, e-mail addresses, code-like and overlong tokens."""
    return _NOT_PROSE_RE.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Guess:
    """The identifier's verdict on one text (its prose): best language, its probability, English's."""

    language: str
    confidence: float
    english_prob: float
    function_word_share: float
    letters: int

    @property
    def english_plausible(self) -> bool:
        return (self.language == DEFAULT_LANGUAGE or self.english_prob >= PLAUSIBLE_ENGLISH_PROB
                or self.function_word_share >= FUNCTION_WORD_SHARE)


def identify(text: str) -> Guess:
    """The language of `text`'s prose (see the module docstring for short text)."""
    sample = prose(text[: SAMPLE_CHARS * 2])[:SAMPLE_CHARS]
    letters = len(_LETTER_RE.findall(sample))
    share = function_word_share(sample)
    if letters == 0:
        return Guess(DEFAULT_LANGUAGE, 1.0, 1.0, share, 0)
    ranked = load_identifier().rank(sample)
    language, prob = ranked[0]
    english = next((p for lang, p in ranked if lang == DEFAULT_LANGUAGE), 0.0)
    if letters < MIN_LETTERS and (language == DEFAULT_LANGUAGE or prob < SHORT_TEXT_MIN_PROB):
        return Guess(DEFAULT_LANGUAGE, float(prob) if language == DEFAULT_LANGUAGE else 1.0 - float(prob),
                     float(english), share, letters)
    return Guess(str(language), float(prob), float(english), share, letters)


def function_word_share(sample: str) -> float:
    """The share of `sample`'s words that are English function words (0 when a text of 20 words or more
    has fewer than `MIN_FUNCTION_WORDS` of them)."""
    words = [w.lower() for w in _WORD_RE.findall(sample)]
    function = sum(1 for w in words if w in english_function_words())
    return function / len(words) if words and (len(words) < 20 or function >= MIN_FUNCTION_WORDS) else 0.0


def detect_language(text: str) -> str:
    """The ISO 639-1 code of `text`'s language, e.g. ``"en"``; see the module docstring for short text."""
    return identify(text).language


@dataclass(slots=True)
class SegmentLanguage:
    """A segment (layout block) confidently identified as another language than English."""

    block: int
    start: int
    end: int
    language: str
    confidence: float


@dataclass(slots=True)
class LanguageReport:
    """What was decided about a document's language, recorded in its metadata as ``language_detection``."""

    language: str
    confidence: float
    english_plausible: bool
    #: why English is plausible (or "" when it is not)
    reason: str
    #: the segments confidently in another language than English (the English-only layers' weak spots)
    segments: list[SegmentLanguage] = field(default_factory=list)
    #: segments identified as plausibly English
    english_segments: int = 0

    @property
    def noteworthy(self) -> bool:
        """Whether the output should carry the report: anything but a page confidently in English
        throughout (which would carry the same report on every English page)."""
        return (self.language != DEFAULT_LANGUAGE or bool(self.segments)
                or self.confidence < SEGMENT_REPORT_PROB)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["confidence"] = round(self.confidence, 3)
        for seg in data["segments"]:
            seg["confidence"] = round(seg["confidence"], 3)
        return data


def _why(guess: Guess) -> str:
    if guess.language == DEFAULT_LANGUAGE:
        return "identified as English"
    if guess.english_prob >= PLAUSIBLE_ENGLISH_PROB:
        return f"English probability {guess.english_prob:.2f}"
    return f"{guess.function_word_share:.0%} of the words are English function words"


def detect_document(text: str, blocks: list[Block]) -> LanguageReport:
    """The document's language on its prose, each segment's where it differs, and whether English-only
    layers should run (see the module docstring)."""
    whole = identify(text)
    report = LanguageReport(whole.language, whole.confidence, whole.english_plausible,
                            _why(whole) if whole.english_plausible else "")
    identified = 0
    for index, block in enumerate(blocks):
        segment = text[block.start : block.end]
        if len(_LETTER_RE.findall(segment[:2_000])) < SEGMENT_MIN_LETTERS:
            continue
        share = function_word_share(prose(segment[:SAMPLE_CHARS]))
        if share >= FUNCTION_WORD_SHARE:  # plausibly English on its words alone: no identifier needed
            report.english_segments += 1
            if not report.english_plausible:
                report.english_plausible = True
                report.reason = (f"segment {index} is plausibly English ({share:.0%} of its words are "
                                 f"English function words)")
            continue
        if index >= MAX_SEGMENTS or identified >= MAX_IDENTIFIED_SEGMENTS:
            if not report.english_plausible:
                report.english_plausible = True
                report.reason = "the page has more segments than are identified (not all are known)"
            break
        identified += 1
        guess = identify(segment)
        if guess.english_plausible:
            report.english_segments += 1
            if not report.english_plausible:
                report.english_plausible = True
                report.reason = f"segment {index} is plausibly English ({_why(guess)})"
        elif guess.confidence >= SEGMENT_REPORT_PROB:
            report.segments.append(SegmentLanguage(index, block.start, block.end, guess.language,
                                                   guess.confidence))
    return report


def runs_english_layers(doc: Document) -> bool:
    """Whether English-only stages run on `doc`: its language is English, or English is plausible in it."""
    if doc.language in (None, DEFAULT_LANGUAGE):
        return True
    detection = doc.metadata.get("language_detection")
    return isinstance(detection, dict) and detection.get("english_plausible") is True


def language_warnings(report: LanguageReport) -> list[str]:
    """What the document's warnings say about its language: what ran on what, and why."""
    out = []
    if report.language != DEFAULT_LANGUAGE:
        if report.english_plausible:
            out.append(f"language detected as {report.language!r} (confidence {report.confidence:.2f}), but "
                       f"English is plausible ({report.reason}): English-only layers ran on the whole text")
        else:
            out.append(f"language detected as {report.language!r} (confidence {report.confidence:.2f}) in "
                       f"every segment: English-only layers are skipped")
    if report.segments:
        by_language: dict[str, list[int]] = {}
        for seg in report.segments:
            by_language.setdefault(seg.language, []).append(seg.block)
        listed = "; ".join(f"{lang}: {', '.join(map(str, blocks[:10]))}{' …' if len(blocks) > 10 else ''}"
                           for lang, blocks in by_language.items())
        ran = "ran on them too (less reliable there)" if report.english_plausible else "were skipped"
        out.append(f"{len(report.segments)} segment(s) not in English ({listed}); English-only layers {ran}")
    return out
